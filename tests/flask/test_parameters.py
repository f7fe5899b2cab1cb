"""Each documented constructor parameter does what the seed says, with
Flask's session too, checked on real logins against the local providers."""
import logging

import pytest
from flask import Flask, jsonify

from authomatic_extras.flask import FlaskAuthomatic
from authomatic_extras.testing import login_with_test_client
from authomatic_extras.testing.apps import TEST_SECRET


def _cookie_headers(response):
    return response.headers.getlist('Set-Cookie')


def test_secure_cookie_marks_the_cookie_carrying_login_state_secure(make_app, providers_config):
    app = make_app(providers_config, secure_cookie=True)
    app.extensions.clear()
    app.authomatic.init_app(app)
    start = app.test_client().get('/login/oauth2', base_url='https://localhost')
    cookies = _cookie_headers(start)
    assert cookies and all('Secure' in c for c in cookies)


def test_without_secure_cookie_the_session_cookie_is_not_secure(make_app, providers_config):
    start = make_app(providers_config).test_client().get('/login/oauth2')
    assert _cookie_headers(start) and not any('Secure' in c for c in _cookie_headers(start))


def test_prefix_names_the_session_key_of_the_login_state(make_app, providers_config):
    client = make_app(providers_config, prefix='myapp-login').test_client()
    client.get('/login/oauth2')
    with client.session_transaction() as session:
        assert list(session) == ['myapp-login']


def test_a_given_logger_receives_the_login_log(make_app, providers_config, caplog):
    logger = logging.getLogger('test.parameters.given')
    app = make_app(providers_config, logger=logger)
    with caplog.at_level(logging.INFO, logger='test.parameters.given'):
        login_with_test_client(app.test_client(), '/login/oauth2')
    assert any(r.name == 'test.parameters.given' and 'OAuth 2.0' in r.getMessage()
               for r in caplog.records)


def test_logging_level_filters_the_default_logger(make_app, providers_config, caplog):
    app = make_app(providers_config, logging_level=logging.WARNING, prefix='quiet')
    with caplog.at_level(logging.DEBUG):
        trip = login_with_test_client(app.test_client(), '/login/oauth2')
    assert trip.response.status_code == 200
    assert not [r for r in caplog.records
                if r.name == 'authomatic_extras.flask.quiet' and r.levelno < logging.WARNING]


def test_secrets_and_tokens_stay_out_of_the_info_log(make_app, providers_config, caplog,
                                                     local_oauth2_server):
    app = make_app(providers_config)
    with caplog.at_level(logging.INFO):
        trip = login_with_test_client(app.test_client(), '/login/oauth2')
    assert trip.response.status_code == 200
    text = '\n'.join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert 'OAuth 2.0' in text
    assert local_oauth2_server.default_client.client_secret not in text
    assert TEST_SECRET not in text


def test_report_errors_true_puts_the_error_in_the_result(make_app, providers_config):
    trip = login_with_test_client(make_app(providers_config).test_client(), '/login/oauth2',
                                  decision='deny')
    assert trip.response.status_code == 401
    assert trip.response.get_json()['error_type'] == 'CancellationError'


def test_report_errors_false_raises(make_app, providers_config):
    app = make_app(providers_config, report_errors=False)
    app.testing = True  # let the exception reach the test
    with pytest.raises(Exception, match='denied'):
        login_with_test_client(app.test_client(), '/login/oauth2', decision='deny')


def test_report_errors_false_without_testing_is_a_plain_500(make_app, providers_config):
    app = make_app(providers_config, report_errors=False)
    trip = login_with_test_client(app.test_client(), '/login/oauth2', decision='deny')
    assert trip.response.status_code == 500
    assert b'Traceback' not in trip.response.data


def test_debug_writes_the_traceback_to_the_response(make_app, providers_config):
    app = make_app(providers_config, report_errors=False, debug=True)
    trip = login_with_test_client(app.test_client(), '/login/oauth2', decision='deny')
    assert trip.response.status_code == 500
    assert b'The Authomatic library encountered an error' in trip.response.data


class DictSession(dict):
    """A custom dictionary-like session; saving records itself."""

    saved = 0

    def save(self):
        DictSession.saved += 1


def test_custom_session_and_save_method_carry_the_login(providers_config):
    store = DictSession()
    saves = []
    app = Flask(__name__)
    ext = FlaskAuthomatic(providers_config, 'custom-session-secret', session=store,
                          session_save_method=lambda: saves.append(dict(store)))

    @app.route('/login/<provider_name>')
    @ext.login()
    def login(provider_name):
        if ext.result is None:
            return ext.response
        return jsonify(name=ext.result.user.name if ext.result.user else None)

    trip = login_with_test_client(app.test_client(), '/login/oauth2', username='bob')
    assert trip.response.get_json() == {'name': 'Bob Marley'}
    assert len(saves) == 1 and any(k.startswith('authomatic:oauth2:') for k in saves[0])


def test_custom_session_save_defaults_to_its_save_method(providers_config):
    store = DictSession()
    DictSession.saved = 0
    app = Flask(__name__)
    ext = FlaskAuthomatic(providers_config, 'custom-session-secret', session=store)

    @app.route('/login/<provider_name>')
    @ext.login()
    def login(provider_name):
        return ext.response if ext.result is None else jsonify(ok=ext.result.user is not None)

    trip = login_with_test_client(app.test_client(), '/login/oauth2')
    assert trip.response.get_json() == {'ok': True}
    assert DictSession.saved == 1


def test_a_view_returning_its_own_response_keeps_login_cookies(providers_config):
    app = Flask(__name__)
    app.secret_key = 'flask-session-key'
    ext = FlaskAuthomatic(providers_config, 'own-response-secret')

    @app.route('/login/<provider_name>')
    @ext.login()
    def login(provider_name):
        if ext.result is None:
            ext.response.set_cookie('login-started', '1')
            return 'redirecting yourself', 200
        return 'done'

    response = app.test_client().get('/login/oauth2')
    assert response.data == b'redirecting yourself'
    assert any(c.startswith('login-started=1') for c in _cookie_headers(response))
