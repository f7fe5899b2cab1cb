"""Fixtures shared by the test folders (each folder's conftest adds its own).

The local providers' fixtures (``local_oauth2_server`` ...) come from the
``authomatic_extras`` pytest plugin; the helpers behind these fixtures are
public in :mod:`authomatic_extras.testing`."""
import glob
import importlib.util
import os
import subprocess
import sys
import tarfile
import types

import pytest

from authomatic_extras.testing import make_flask_login_app, stop_before_callback

#: Python 2.7 tests, run by tests/gae/test_py27_runtime.py through
#: tools/py27_testenv.py under CPython 2.7, never collected by this suite.
collect_ignore = ['gae27']

#: Set in CI: a missing browser or redis-server fails instead of skipping.
REQUIRE_SERVICES = 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES'


def services_required():
    return os.environ.get(REQUIRE_SERVICES) == '1'


@pytest.fixture
def make_app():
    """``make_app(config, **FlaskAuthomatic kwargs)``: a Flask app whose
    ``/login/<provider_name>`` answers the login result as JSON."""
    return make_flask_login_app


@pytest.fixture
def providers_config(local_oauth2_server, local_oauth1_server, local_openid_server):
    """One provider of each protocol, named after it."""
    return {
        'oauth2': local_oauth2_server.config_entry(id=1),
        'oauth1': local_oauth1_server.config_entry(id=2),
        'openid': local_openid_server.config_entry(id=3),
    }


@pytest.fixture
def callback_for():
    """``callback_for(client, path, username, decision)``: run a login up to
    the provider's answer and return the callback path, undelivered."""
    return stop_before_callback


@pytest.fixture(scope='session')
def python3_openid_storetest(tmp_path_factory):
    """python3-openid's own store test module (``testStore(store)``).

    ``openid/test/storetest.py`` ships only in the python3-openid sdist (the
    wheel has no tests), so it is fetched with ``pip download`` once per
    session (or taken from ``$PYTHON3_OPENID_SDIST``) and extracted. That
    module imports ``psycopg2`` at module level for its PostgreSQL test; the
    only stub here replaces that one import with an empty module while the
    file loads.
    """
    import openid

    version = getattr(openid, '__version__', None) or '3.2.0'
    sdist = os.environ.get('PYTHON3_OPENID_SDIST')
    if not sdist:
        where = tmp_path_factory.mktemp('sdist')
        subprocess.check_call(
            [sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
             '--no-binary', ':all:', 'python3-openid==%s' % version,
             '-d', str(where)])
        sdist = glob.glob(str(where / 'python3-openid-*.tar.gz'))[0]
    with tarfile.open(sdist) as archive:
        member = [m for m in archive.getmembers()
                  if m.name.endswith('openid/test/storetest.py')][0]
        source = archive.extractfile(member).read()
    path = tmp_path_factory.mktemp('storetest') / 'storetest.py'
    path.write_bytes(source)

    spec = importlib.util.spec_from_file_location('openid_storetest', path)
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules.get('psycopg2')
    # Stub: storetest.py imports psycopg2 for its PostgreSQL test only.
    sys.modules['psycopg2'] = types.ModuleType('psycopg2')
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules['psycopg2']
        else:
            sys.modules['psycopg2'] = saved
    return module


class TricklingServer(object):
    """An HTTP server that sends its answer one byte at a time, each byte
    just inside a per-operation timeout (a slowloris provider or issuer), for
    ``total`` seconds."""

    def __init__(self, interval, total):
        import socket
        import threading

        self.interval, self.total = interval, total
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(5)
        self.url = 'http://127.0.0.1:{0}'.format(self.sock.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        import time

        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            started = time.monotonic()
            for byte in b'HTTP/1.1 200 OK\r\nX-Slow: ' + b'a' * 10000:
                if time.monotonic() - started > self.total:
                    break
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(self.interval)

    def close(self):
        self.sock.close()


@pytest.fixture
def trickling_server():
    """``trickling_server(interval, total)``: a :class:`TricklingServer`,
    closed after the test."""
    servers = []

    def start(interval, total):
        servers.append(TricklingServer(interval, total))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
