# -*- coding: utf-8 -*-
"""``pip install -t lib .`` (gen-1 vendoring) gives an importable package.

Under 10 s here (about 1 s), so not marked slow.

The vendored copy is installed with ``--no-deps`` (as a gen-1 app vendors
only what the runtime lacks); the real dependencies come from this
interpreter's site-packages, appended after the vendored folder.
"""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def test_pip_install_target_then_import(tmp_path):
    started = time.time()
    # Build from a copy: an in-tree build would write build/ into the shared
    # working tree.
    source = tmp_path / 'src'
    shutil.copytree(REPO, str(source), ignore=shutil.ignore_patterns(
        '.git', 'build', 'dist', '*.egg-info', '__pycache__', '.pytest_cache',
        'tests', 'benchmarks', 'legacy_examples', 'node_modules', '.nox',
        '.venv', '.py27', 'tools'))
    lib = tmp_path / 'lib'
    subprocess.check_call(
        [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
         '--no-build-isolation', '--disable-pip-version-check', '-t',
         str(lib), str(source)], env=dict(os.environ, PIP_ROOT_USER_ACTION='ignore'))
    assert (lib / 'authomatic_extras' / 'gae' / '__init__.py').is_file()
    assert (lib / 'authomatic_extras' / 'gae' / 'devserver' / '__main__.py').is_file()
    code = (
        'import sys\n'
        'import authomatic_extras, authomatic_extras.gae as gae\n'
        'from authomatic_extras.gae.openid import NDBOpenIDStore\n'
        'assert gae.__file__.startswith(sys.argv[1]), gae.__file__\n'
        'assert authomatic_extras.__file__.startswith(sys.argv[1])\n'
        'print(sorted(gae.__all__))\n')
    # -I: ignore the editable install's path hooks and the cwd; the
    # vendored folder first, then the real dependencies.
    import site
    paths = [str(lib)] + site.getsitepackages()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    out = subprocess.check_output(
        [sys.executable, '-S', '-c', code, str(lib)], env=env,
        cwd=str(tmp_path))
    assert out.decode().strip() == str(sorted(
        ['GAEError', 'Webapp2Session', 'NDBConfig', 'ndb_config',
         'NDBOpenIDStore', 'GAEOpenID', 'rotate_webapp2_session']))
    sys.stderr.write('pip install -t took %.1f s\n' % (time.time() - started))
