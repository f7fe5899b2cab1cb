"""The public Flask API, the interfaces and the credentials package are
typed: mypy --strict is clean (config in pyproject.toml; stubs for the
untyped authomatic core in typings/)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_py_typed_marker_ships():
    assert (ROOT / 'authomatic_extras' / 'py.typed').is_file()


def test_mypy_strict_is_clean():
    run = subprocess.run([sys.executable, '-m', 'mypy', '--strict'], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'Success: no issues found in 8 source files' in run.stdout
