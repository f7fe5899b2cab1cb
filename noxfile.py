"""Compatibility matrix: Flask 2.3 / 3.x x authomatic 1.2.1 / 1.3.0 x with and
without the gen-1 App Engine extras.

    nox -s matrix                      # all 8 combinations, one after another
    nox -s "matrix(flask='3', authomatic='1.3.0', gae='gae')"   # one of them
    nox -s matrix -- -x -k login       # extra arguments go to pytest
    nox -l                             # list the sessions

Each session gets its own virtualenv under ``.nox/`` and installs the *wheel*
of the current tree (built once per nox run from a copy of the tree, so no
``build/`` lands in the working tree), with the pinned Flask and authomatic,
then runs the version-dependent part of the suite against the installed copy
(``pytest`` as a script with ``--import-mode=importlib`` never puts the
repository on ``sys.path``). See docs/development.md.
"""
import email.parser
import os
import shutil
import subprocess
import tempfile
import zipfile

import nox
from packaging.requirements import Requirement

HERE = os.path.dirname(os.path.abspath(__file__))

nox.options.sessions = ['matrix']
nox.options.error_on_missing_interpreters = True

#: Flask line -> what is installed. Flask 2.3 with the Werkzeug of its time
#: (2.3): what an application still on Flask 2.3 has.
FLASK = {
    '2.3': ['Flask~=2.3.0', 'Werkzeug~=2.3.7'],
    '3': ['Flask>=3,<4', 'Werkzeug>=3,<4'],
}
AUTHOMATIC = ['1.2.1', '1.3.0']
GAE = ['gae', 'no-gae']

#: Not run by the matrix: they do not depend on the Flask / authomatic pair
#: and run once in the main suite (the packaging build and lint, mypy against
#: the dev environment, the benchmark harness, the doc commands, Chromium,
#: the Python 2.7 job with its own pinned authomatic).
NOT_IN_MATRIX = [
    'tests/gae/test_py27_runtime.py',
    'tests/test_packaging.py',
    'tests/test_typing.py',
    'tests/test_benchmarks_smoke.py',
    'tests/gae/test_newcomer_walk.py',  # installs its own virtualenv from a copy
    'tests/test_docs.py',  # runs the docs' commands, some in their own virtualenv
    'tests/browser',
]

#: Tools of the [test] extra that only the tests above use: not installed.
NOT_INSTALLED = ('build', 'twine', 'ruff', 'nox', 'mypy', 'playwright')

_WHEEL = []  # built once per nox process


def _source_files():
    try:
        out = subprocess.run(
            ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
            cwd=HERE, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in out.split('\0') if name]


def _wheel(session):
    """Path of the wheel of the current tree, built on first use."""
    if _WHEEL:
        return _WHEEL[0]
    work = tempfile.mkdtemp(prefix='authomatic-extras-nox-')
    source = os.path.join(work, 'src')
    files = _source_files()
    if files is None:
        shutil.copytree(HERE, source, ignore=shutil.ignore_patterns(
            '.git', '.nox', '.venv', '.py27', 'build', 'dist', '*.egg-info', '__pycache__'))
    else:
        for name in files:
            if os.path.isfile(os.path.join(HERE, name)):
                os.makedirs(os.path.dirname(os.path.join(source, name)), exist_ok=True)
                shutil.copy2(os.path.join(HERE, name), os.path.join(source, name))
    dist = os.path.join(work, 'dist')
    session.run('python', '-m', 'pip', 'wheel', '--quiet', '--no-deps',
                '--wheel-dir', dist, source)
    wheels = [name for name in os.listdir(dist) if name.endswith('.whl')]
    assert len(wheels) == 1, wheels
    _WHEEL.append(os.path.join(dist, wheels[0]))
    return _WHEEL[0]


def _extra_requirements(wheel, extra):
    """The Requires-Dist lines of one extra, as written in the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith('.dist-info/METADATA'))
        meta = email.parser.Parser().parsestr(archive.read(name).decode('utf-8'))
    found = []
    for line in meta.get_all('Requires-Dist') or []:
        req = Requirement(line)
        if req.marker is not None and req.marker.evaluate({'extra': extra}) and not (
                req.marker.evaluate({'extra': ''})):
            req.marker = None
            found.append(str(req))
    return found


@nox.session
@nox.parametrize('gae', GAE)
@nox.parametrize('authomatic', AUTHOMATIC)
@nox.parametrize('flask', list(FLASK))
def matrix(session, flask, authomatic, gae):
    """One Flask x authomatic x gen-1-extras combination."""
    wheel = _wheel(session)
    gae_reqs = {Requirement(r).name.lower() for r in _extra_requirements(wheel, 'gae')}
    gae_reqs.discard('python3-openid')  # also needed by the local OpenID provider
    # The [test] extra is the suite's tools plus [flask], [testing] and [gae];
    # without gen-1 extras, drop what only [gae] brings.
    runner = []
    for line in _extra_requirements(wheel, 'test'):
        name = Requirement(line).name.lower()
        if name in NOT_INSTALLED or name.startswith('types-'):
            continue
        if name in gae_reqs and gae != 'gae':
            continue
        if line not in runner:
            runner.append(line)
    extras = 'flask,testing' + (',gae' if gae == 'gae' else '')
    session.install(f'{wheel}[{extras}]', *runner,
                    f'authomatic=={authomatic}', *FLASK[flask])
    # A reused virtualenv (nox -r) already has this version number installed:
    # put this run's wheel in anyway.
    session.install('--no-deps', '--force-reinstall', wheel)
    session.run('python', '-m', 'pip', 'list', '--format=freeze')

    # Runs from a folder outside the repository: the installed copy is the
    # one imported, and the pins are the ones installed.
    check = [
        'import sys, importlib.util as u',
        'import authomatic, flask, authomatic_extras.flask, authomatic_extras.testing',
        'from importlib.metadata import version',
        'here = authomatic_extras.flask.__file__',
        'assert "site-packages" in here, here',
        'assert version("authomatic") == sys.argv[1], version("authomatic")',
        'assert version("flask").startswith(sys.argv[2]), version("flask")',
    ]
    if gae == 'gae':
        check.append('import authomatic_extras.gae, authomatic_extras.gae.openid')
    else:
        check += [
            'gae = u.find_spec("google") and u.find_spec("google.appengine")',
            'assert gae is None, "appengine is installed"',
            'assert u.find_spec("webapp2") is None, "webapp2 is installed"',
        ]
    check.append('print("imports ok:", here)')
    with session.chdir(session.create_tmp()):
        session.run('python', '-c', '\n'.join(check), authomatic, flask + '.')

    ignore = list(NOT_IN_MATRIX)
    if gae != 'gae':
        ignore.append('tests/gae')
    args = ['pytest', '-q', '-p', 'no:cacheprovider']
    args += [f'--ignore={path}' for path in ignore]
    # Chromium, redis and Flask-Session are the main suite's business (CI
    # requires them there): in the matrix, tests that need them skip.
    session.run(*args, *(session.posargs or ['tests']),
                env={'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES': '0'})
