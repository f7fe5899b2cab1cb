"""Fixtures for the Flask extension tests: a Flask app whose login view
reports the per-request result as JSON, against the local providers of
``authomatic_extras.testing`` (real Authlib / python3-openid servers)."""
import pytest
from flask import Flask, jsonify

from authomatic_extras.flask import FlaskAuthomatic


def describe(result):
    """What the login view answers with once the login has finished."""
    body = {'error': None, 'error_type': None, 'user': None}
    if result.error is not None:
        body['error'] = str(getattr(result.error, 'message', result.error))
        body['error_type'] = type(result.error).__name__
    if result.user is not None:
        user = result.user
        body['user'] = {'id': user.id, 'name': user.name, 'email': user.email}
    return body


def build_app(config, secret='test-secret-0123456789', flask_secret='flask-session-key',
              view_hook=None, **extension_kwargs):
    """A Flask app with ``/login/<provider_name>`` behind ``FlaskAuthomatic.login()``."""
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
        body = describe(extension.result)  # read again after the hook: still ours
        return jsonify(body), (200 if body['user'] else 401)

    app.authomatic = extension
    return app


@pytest.fixture
def make_app():
    return build_app


@pytest.fixture
def providers_config(local_oauth2_server, local_oauth1_server, local_openid_server):
    return {
        'oauth2': local_oauth2_server.config_entry(id=1),
        'oauth1': local_oauth1_server.config_entry(id=2),
        'openid': local_openid_server.config_entry(id=3),
    }


def provider_callback(client, path, username='alice', decision='allow'):
    """Run step 1 through the test client and the consent on the provider,
    but stop before the callback: return the callback path with its query."""
    import requests
    from urllib.parse import urlsplit

    start = client.get(path)
    assert start.status_code == 302, start.data
    with requests.Session() as http:
        consent = http.get(start.headers['Location'], allow_redirects=False, timeout=10)
        assert consent.status_code == 200, consent.text
        back = http.post(consent.url, data={'username': username, 'decision': decision},
                         allow_redirects=False, timeout=10)
    assert back.status_code in (302, 303), back.text
    parts = urlsplit(back.headers['Location'])
    return parts.path + '?' + parts.query


@pytest.fixture
def callback_for():
    return provider_callback
