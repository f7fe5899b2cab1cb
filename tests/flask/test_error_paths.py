"""Every way a login can go wrong ends in result.error with a message,
never an unhandled exception or a 500."""
import time

import pytest

from authomatic_extras.testing import LocalOAuth2Server, login_with_test_client, replace_query


def _error(response):
    assert response.status_code == 401, response.data
    body = response.get_json()
    assert body['user'] is None
    assert body['error']
    return body


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_user_denies_consent(make_app, providers_config, provider):
    app = make_app(providers_config)
    trip = login_with_test_client(app.test_client(), '/login/' + provider, decision='deny')
    assert _error(trip.response)['error_type'] == 'CancellationError'


def test_wrong_state(make_app, providers_config, callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    body = _error(client.get(replace_query(callback, state='forged-state-value')))
    # The forged state names no login of this browser: refused as such,
    # before the core looks at it.
    assert body['error_type'] == 'LoginStateMismatch'
    assert 'Start the login again' in body['error']


def test_missing_state(make_app, providers_config, callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    body = _error(client.get(replace_query(callback, state=None)))
    assert body['error_type'] == 'LoginStateMismatch'
    assert 'does not belong to any login' in body['error']


def test_state_from_another_browser(make_app, providers_config, callback_for):
    app = make_app(providers_config)
    victim, attacker = app.test_client(), app.test_client()
    callback = callback_for(attacker, '/login/oauth2', username='bob')
    # The attacker's callback in the victim's browser: no login as bob.
    victim.get('/login/oauth2')
    _error(victim.get(callback))


def test_replayed_callback(make_app, providers_config, callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    first = client.get(callback)
    assert first.status_code == 200
    _error(client.get(callback))


@pytest.mark.parametrize('kind', ['500', 'garbage', 'html', 'truncated_json'])
@pytest.mark.parametrize('endpoint', ['token', 'userinfo'])
def test_provider_endpoint_faults(make_app, providers_config, local_oauth2_server, kind,
                                  endpoint):
    local_oauth2_server.fault(endpoint, kind)
    app = make_app(providers_config)
    trip = login_with_test_client(app.test_client(), '/login/oauth2')
    _error(trip.response)


def test_provider_unreachable_at_the_token_step(make_app, callback_for):
    server = LocalOAuth2Server().start()
    app = make_app({'gone': server.config_entry(id=1)})
    client = app.test_client()
    callback = callback_for(client, '/login/gone')
    server.stop()
    body = _error(client.get(callback))
    assert body['error_type'] == 'FetchError'


def test_login_state_older_than_session_max_age(make_app, providers_config, callback_for):
    client = make_app(providers_config, session_max_age=1).test_client()
    callback = callback_for(client, '/login/oauth2')
    time.sleep(2.2)
    body = _error(client.get(callback))
    assert body['error_type'] == 'LoginStateExpired'
    assert 'session_max_age (1 s)' in body['error']


def test_restarting_after_expiry_starts_a_fresh_login(make_app, providers_config):
    app = make_app(providers_config, session_max_age=1)
    client = app.test_client()
    client.get('/login/oauth2')
    time.sleep(2.2)
    trip = login_with_test_client(client, '/login/oauth2')
    assert trip.response.status_code == 200, trip.response.data


def test_login_state_signed_with_another_secret_is_refused(make_app, providers_config,
                                                           callback_for):
    first = make_app(providers_config, secret='one-secret-0123456789')
    second = make_app(providers_config, secret='two-secret-0123456789')
    client = first.test_client()
    callback = callback_for(client, '/login/oauth2')
    # Same Flask session key, different authomatic secret: the state is not trusted.
    cookie = client.get_cookie('session')
    other = second.test_client()
    other.set_cookie('session', cookie.value)
    body = _error(other.get(callback))
    assert body['error_type'] == 'LoginStateInvalid'


def test_oauth1_callback_without_its_request_token(make_app, providers_config, callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth1')
    body = _error(client.get(replace_query(callback, oauth_token='forged')))
    assert body['error']
