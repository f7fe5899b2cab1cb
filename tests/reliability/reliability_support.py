"""Helpers of the reliability tests (and of ``soak.py``).

Copied from tests/flask/conftest.py (conftest files are not importable across
folders in importlib mode): an app whose ``/login/<provider_name>`` answers
JSON and a helper that stops a login right before its callback. Plus: the
skip-or-fail rule for system services (``AUTHOMATIC_EXTRAS_REQUIRE_SERVICES=1``
in CI turns a skip into a failure) and a canary for code-executing pickles.

``tests/reliability/conftest.py`` puts this folder on ``sys.path``; the module
name is unique so it cannot shadow another folder's helpers.
"""
import base64
import os
import pickle
import socket
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask, jsonify
from itsdangerous import URLSafeTimedSerializer

from authomatic_extras import login_state
from authomatic_extras.flask import FlaskAuthomatic
from authomatic_extras.serializer import login_state_serializer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REQUIRE_ENV = 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES'

SECRET = 'reliability-secret-0123456789'
FLASK_SECRET = 'reliability-flask-session-key'


def unavailable(reason):
    """Skip for a missing system service, or fail when CI requires it."""
    if os.environ.get(REQUIRE_ENV) == '1':
        pytest.fail(f'{reason} ({REQUIRE_ENV}=1: these tests must run here)',
                    pytrace=False)
    pytest.skip(reason)


def describe(result):
    body = {'error': None, 'error_type': None, 'user': None}
    if result.error is not None:
        body['error'] = str(getattr(result.error, 'message', result.error))
        body['error_type'] = type(result.error).__name__
    if result.user is not None:
        user = result.user
        body['user'] = {'id': user.id, 'name': user.name, 'email': user.email}
    return body


def build_app(config, secret=SECRET, flask_secret=FLASK_SECRET, view_hook=None,
              **extension_kwargs):
    """A Flask app with ``/login/<provider_name>`` behind ``FlaskAuthomatic.login()``
    and a plain ``/ping`` route."""
    app = Flask(__name__)
    app.secret_key = flask_secret
    extension = FlaskAuthomatic(config, secret, **extension_kwargs)

    @app.route('/login/<provider_name>', methods=['GET', 'POST'])
    @extension.login()
    def login(provider_name):
        result = extension.result
        if result is None:
            return extension.response
        if view_hook is not None:
            view_hook(result)
        body = describe(extension.result)
        return jsonify(body), (200 if body['user'] else 401)

    @app.route('/ping')
    def ping():
        return 'pong'

    app.authomatic = extension
    return app


def provider_callback(client, path, username='alice', decision='allow'):
    """Step 1 through the test client and the consent on the provider, stopping
    before the callback: return the callback path with its query."""
    from authomatic_extras.testing.driver import _autosubmit_form

    start = client.get(path)
    with requests.Session() as http:
        if start.status_code == 302:
            consent = http.get(start.headers['Location'], allow_redirects=False, timeout=10)
        else:  # OpenID with SREG/AX: an auto-submitting form to the provider
            form = _autosubmit_form(start.get_data(as_text=True), 'http://localhost' + path)
            assert start.status_code == 200 and form, start.data[:500]
            method, action, fields = form
            consent = http.request(method, action, data=fields, allow_redirects=True,
                                   timeout=10)
        assert consent.status_code == 200, consent.text
        back = http.post(consent.url, data={'username': username, 'decision': decision},
                         allow_redirects=False, timeout=10)
    assert back.status_code in (302, 303), back.text
    parts = urlsplit(back.headers['Location'])
    return parts.path + '?' + parts.query


def with_query(path, **changes):
    """``path`` with query parameters replaced (``None`` removes one)."""
    parts = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts.path + '?' + urlencode(query)


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
    signer = URLSafeTimedSerializer(secret, salt=login_state.SALT,
                                    serializer=login_state_serializer)
    return signer.dumps({'d': data, 'e': list(echoes)})
