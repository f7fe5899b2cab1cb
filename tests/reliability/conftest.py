"""Fixtures of the reliability and security tests of ``FlaskAuthomatic``:
a pickle canary and a ``redis-server`` on a free port (the app factory and
the providers' config come from tests/conftest.py). Helpers live in ``reliability_support.py``."""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from reliability_support import Canary, free_port, unavailable, wait_for_port  # noqa: E402


@pytest.fixture
def canary(tmp_path):
    return Canary(str(tmp_path / 'pickle-was-loaded'))


@pytest.fixture(scope='module')
def redis_port(tmp_path_factory):
    binary = shutil.which('redis-server')
    if binary is None:
        unavailable('redis-server is not installed (Debian: apt-get install redis-server)')
    try:
        import flask_session  # noqa: F401
        import redis  # noqa: F401
    except ImportError as error:
        unavailable(f'Flask-Session and redis are needed ({error}); pip install '
                    'Flask-Session redis')
    port = free_port()
    workdir = str(tmp_path_factory.mktemp('redis'))
    proc = subprocess.Popen(
        [binary, '--port', str(port), '--bind', '127.0.0.1', '--save', '',
         '--appendonly', 'no', '--dir', workdir, '--daemonize', 'no'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for_port(port, proc=proc):
            pytest.fail(f'redis-server did not start on port {port}')
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
