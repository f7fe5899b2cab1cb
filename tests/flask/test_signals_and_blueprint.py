"""Signals, the login blueprint (with its next argument), and blueprints of your own."""
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask, jsonify, session, url_for

from authomatic_extras import signals
from authomatic_extras.blueprint import make_login_blueprint, safe_next_path
from authomatic_extras.flask import FlaskAuthomatic
from authomatic_extras.testing import login_with_test_client


@pytest.fixture
def recorded():
    events = []

    def record(name):
        def receiver(sender, **kwargs):
            events.append((name, sender, kwargs))
        return receiver

    receivers = [(signal, record(name)) for name, signal in [
        ('started', signals.login_started), ('succeeded', signals.login_succeeded),
        ('failed', signals.login_failed)]]
    for signal, receiver in receivers:
        signal.connect(receiver)
    yield events
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def test_signals_follow_a_successful_login(make_app, providers_config, recorded):
    app = make_app(providers_config)
    login_with_test_client(app.test_client(), '/login/oauth2', username='bob')
    assert [name for name, _, _ in recorded] == ['started', 'succeeded']
    assert all(sender is app for _, sender, _ in recorded)
    assert recorded[0][2]['provider_name'] == 'oauth2'
    assert recorded[0][2]['response'].status_code == 302
    assert recorded[1][2]['result'].user.name == 'Bob Marley'


def test_signals_follow_a_failed_login(make_app, providers_config, recorded):
    app = make_app(providers_config)
    login_with_test_client(app.test_client(), '/login/oauth2', decision='deny')
    assert [name for name, _, _ in recorded] == ['started', 'failed']
    assert type(recorded[1][2]['error']).__name__ == 'CancellationError'


def _last_redirect(trip):
    return [hop.location for hop in trip.hops if hop.location][-1]


def _blueprint_app(providers_config, **kwargs):
    app = Flask(__name__)
    app.secret_key = 'blueprint-session-key'
    ext = FlaskAuthomatic(providers_config, 'blueprint-secret-0123456789')

    def on_login(result):
        session['user'] = result.user.name

    app.register_blueprint(make_login_blueprint(ext, on_login, **kwargs), url_prefix='/auth')

    @app.route('/me')
    def me():
        return jsonify(user=session.get('user'))

    @app.route('/')
    def home():
        return 'home'

    return app


def test_the_login_blueprint_logs_in_and_goes_to_next(providers_config):
    app = _blueprint_app(providers_config)
    with app.test_request_context():
        assert url_for('authomatic.login', provider_name='oauth2') == '/auth/login/oauth2'
    client = app.test_client()
    first = client.get('/auth/login/oauth2?next=/me%3Fx%3D1')
    assert first.status_code == 302 and first.headers['Location'] == '/auth/login/oauth2'
    trip = login_with_test_client(client, '/auth/login/oauth2', username='alice')
    assert _last_redirect(trip) == '/me?x=1'
    assert trip.response.get_json() == {'user': 'Alice Liddell'}


def test_the_login_blueprint_without_next_goes_home(providers_config):
    client = _blueprint_app(providers_config).test_client()
    trip = login_with_test_client(client, '/auth/login/oauth2')
    assert _last_redirect(trip) == '/'
    assert trip.response.data == b'home'


def test_the_login_blueprint_shows_errors_escaped_with_401(providers_config):
    client = _blueprint_app(providers_config).test_client()
    trip = login_with_test_client(client, '/auth/login/oauth2', decision='deny')
    assert trip.response.status_code == 401
    assert trip.response.data.startswith(b'Login failed: ')


def test_unknown_provider_in_the_blueprint_is_404(providers_config):
    assert _blueprint_app(providers_config).test_client().get('/auth/login/nope').status_code == 404


@pytest.mark.parametrize('target', [
    '//evil.example/x', 'https://evil.example/', 'http:/evil.example', '/\\evil.example',
    '\\\\evil.example', 'javascript:alert(1)', '/ok\r\nLocation: http://evil.example',
    ' /leading-space', '', 'evil.example', '/%2F%2Fevil.example',
])
def test_next_never_leaves_the_site(providers_config, target):
    client = _blueprint_app(providers_config).test_client()
    client.get('/auth/login/oauth2', query_string={'next': target})
    trip = login_with_test_client(client, '/auth/login/oauth2')
    location = _last_redirect(trip)
    parts = urlsplit(location)
    assert not parts.netloc and not parts.scheme
    assert location.startswith('/') and not location.startswith('//')
    assert '\\' not in location


@pytest.mark.parametrize('value, expected', [
    ('/a/b?c=d#e', '/a/b?c=d#e'), ('/', '/'), ('//x', None), ('/\\x', None), ('x', None),
    ('https://x/', None), ('/a\nb', None), (None, None),
])
def test_safe_next_path(value, expected):
    assert safe_next_path(value) == expected


def test_login_inside_a_blueprint_of_your_own_with_url_for(providers_config):
    app = Flask(__name__)
    app.secret_key = 'own-blueprint-key'
    ext = FlaskAuthomatic(providers_config, 'own-blueprint-secret-0123')
    accounts = Blueprint('accounts', __name__)

    @accounts.route('/sign-in/<provider_name>')
    @ext.login()
    def sign_in(provider_name):
        if ext.result is None:
            return ext.response
        return jsonify(name=ext.result.user.name,
                       again=url_for('accounts.sign_in', provider_name=provider_name))

    app.register_blueprint(accounts, url_prefix='/accounts')
    trip = login_with_test_client(app.test_client(), '/accounts/sign-in/oauth1', username='bob')
    assert trip.response.get_json() == {'name': 'Bob Marley',
                                        'again': '/accounts/sign-in/oauth1'}
