"""Helpers of the reliability tests (and of ``soak.py``).

The test app and the drivers are public in :mod:`authomatic_extras.testing`
(``make_flask_login_app``, ``stop_before_callback``, ``replace_query``); here
are the rest: the skip-or-fail rule for system services
(``AUTHOMATIC_EXTRAS_REQUIRE_SERVICES=1`` in CI turns a skip into a failure),
a canary for code-executing pickles, free ports, and forged cookies.

``tests/reliability/conftest.py`` puts this folder on ``sys.path``; the module
name is unique so it cannot shadow another folder's helpers.
"""
import base64
import os
import pickle
import socket
import time

import pytest

from authomatic_extras.login_state import make_token
from authomatic_extras.testing.apps import TEST_FLASK_SECRET, TEST_SECRET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REQUIRE_ENV = 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES'

SECRET = TEST_SECRET
FLASK_SECRET = TEST_FLASK_SECRET


def unavailable(reason):
    """Skip for a missing system service, or fail when CI requires it."""
    if os.environ.get(REQUIRE_ENV) == '1':
        pytest.fail(f'{reason} ({REQUIRE_ENV}=1: these tests must run here)',
                    pytrace=False)
    pytest.skip(reason)


def assert_clean_failure(response):
    """A failed login: 4xx with a readable message, never a 5xx, never a user."""
    assert response.status_code < 500, response.data[:2000]
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:2000])
    body = response.get_json(silent=True)
    if body is not None:
        assert body['user'] is None, body
        assert body['error'], body
    return body


# -- a pickle that would run code ------------------------------------------

class Canary:
    """Marks whether a code-executing pickle was ever loaded."""

    def __init__(self, path):
        self.path = path

    def payload(self):
        """A pickle whose loading creates the canary file."""
        return pickle.dumps(_Exploit(self.path), protocol=2)

    def b64(self):
        return base64.urlsafe_b64encode(self.payload()).decode('ascii')

    @property
    def fired(self):
        return os.path.exists(self.path)


class _Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, ('touch ' + self.path,))


# -- redis-server -----------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=20.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# -- forging cookies -------------------------------------------------------

def flask_cookie(payload, key=FLASK_SECRET):
    """A Flask session cookie for ``payload``, signed with ``key``."""
    from flask import Flask
    app = Flask('forge')
    app.secret_key = key
    return app.session_interface.get_signing_serializer(app).dumps(payload)


def state_token(data, secret=SECRET, echoes=()):
    """A login-state token as LoginState writes it (signed with ``secret``)."""
    return make_token(secret, data, echoes)
