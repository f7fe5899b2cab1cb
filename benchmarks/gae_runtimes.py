"""Runs ``benchmarks.gae_steps`` on Python 3 and on the gen-1 runtime's Python 2.7.

Python 3 uses this interpreter (``appengine-python-standard``). Python 2.7
uses the gen-1 test environment of ``tools/py27_testenv.py``: CPython 2.7
(``$AUTHOMATIC_EXTRAS_PYTHON27``, pyenv's 2.7.18 or ``python2.7``) with
Google's SDK and the pinned packages installed into ``.py27/site`` of the
checkout (installed on first use, reused after).
"""
import importlib.util
import json
import os
import subprocess
import sys

from benchmarks.client import REPO

TESTENV = os.path.join(REPO, 'tools', 'py27_testenv.py')


class RuntimeUnavailable(RuntimeError):
    """The Python 2.7 environment cannot be found or installed."""


def _parse(proc, what):
    for line in proc.stdout.splitlines():
        if line.startswith('JSON '):
            return json.loads(line[5:])
    raise RuntimeError('benchmarks.gae_steps on {0} failed ({1}):\n{2}'.format(
        what, proc.returncode, (proc.stderr or proc.stdout)[-3000:]))


def run_py3(provider_url, logins):
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run([sys.executable, '-m', 'benchmarks.gae_steps', provider_url,
                           '--logins', str(logins)], cwd=REPO, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return _parse(proc, 'Python 3')


def _testenv():
    if not os.path.exists(TESTENV):
        raise RuntimeUnavailable('tools/py27_testenv.py (the gen-1 test environment) is '
                                 'missing from this checkout')
    spec = importlib.util.spec_from_file_location('py27_testenv', TESTENV)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_py27(provider_url, logins):
    testenv = _testenv()
    python = testenv.find_python27()
    if python is None:
        raise RuntimeUnavailable(testenv.INSTALL_HINT)
    testenv.install(python)
    env = dict(os.environ)
    env['PYTHONPATH'] = testenv.SITE
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.pop('PYTHONHOME', None)
    proc = subprocess.run([python, os.path.join(REPO, 'benchmarks', 'gae_steps.py'),
                           provider_url, '--logins', str(logins), '--sdk', testenv.SDK],
                          cwd=REPO, env=env, universal_newlines=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return _parse(proc, 'Python 2.7')


def measure(provider_url, logins=5, py27=True):
    """{'py3': {...}, 'py27': {...} or {'unavailable': reason}}."""
    out = {'py3': run_py3(provider_url, logins)}
    if py27:
        try:
            out['py27'] = run_py27(provider_url, logins)
        except RuntimeUnavailable as error:
            out['py27'] = {'unavailable': str(error)}
    return out
