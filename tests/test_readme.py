"""The README's commands are the ones the project really runs."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands():
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    setup = text.split('## Set up', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```\n(.+?)\n```', setup)


def test_readme_has_the_two_set_up_commands():
    demo, tests = _readme_commands()[:2]
    assert 'legacy_examples.flask_demo' in demo
    assert 'pytest' in tests


def test_ci_runs_exactly_the_readme_test_command():
    test_command = _readme_commands()[1]
    ci_lines = (ROOT / '.ci' / 'run').read_text(encoding='utf-8').splitlines()
    assert test_command in ci_lines
