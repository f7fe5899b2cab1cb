"""FlaskAuthomatic.access() keeps credentials fresh: against the local
OAuth 2.0 provider (Authlib), which issues refresh tokens and rotates them."""
import logging
import socket
import time

import pytest
from authomatic.exceptions import FetchError

from authomatic_extras import signals
from authomatic_extras.credentials import (CredentialsExpiredError, CredentialsRefreshError,
                                           CredentialsRefreshFetchError)
from authomatic_extras.testing import login_with_test_client


@pytest.fixture
def refreshed():
    """The credentials_refreshed signals sent during the test: (sender, kwargs)."""
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender, kwargs))

    signals.credentials_refreshed.connect(receiver)
    yield seen
    signals.credentials_refreshed.disconnect(receiver)


def log_in(make_app, config, username='alice', **extension_kwargs):
    """Log in through FlaskAuthomatic; return (app, serialized credentials)."""
    kept = []
    app = make_app(config, view_hook=lambda result: kept.append(
        result.user.credentials.serialize()), **extension_kwargs)
    trip = login_with_test_client(app.test_client(), '/login/local', username=username)
    assert trip.response.status_code == 200, trip.response.get_data(as_text=True)
    [serialized] = kept
    return app, serialized


def expired(app, serialized, seconds_ago=10):
    """The same credentials, expired ``seconds_ago`` by their own clock."""
    with app.app_context():
        credentials = app.authomatic.credentials(serialized)
        credentials.expiration_time = int(time.time()) - seconds_ago
        return credentials.serialize()


@pytest.fixture
def config(local_oauth2_server):
    return {'local': local_oauth2_server.config_entry(id=1)}


def test_expired_credentials_are_refreshed_once_and_signalled(
        make_app, config, local_oauth2_server, refreshed):
    local_oauth2_server.expires_in = 1          # the login's access token dies at once
    app, serialized = log_in(make_app, config)
    local_oauth2_server.expire_tokens()         # and the server agrees
    local_oauth2_server.expires_in = 3600       # the refreshed one lives an hour
    userinfo = local_oauth2_server.url + '/userinfo'
    issued = local_oauth2_server.token_count

    with app.test_request_context():
        stale = app.authomatic.credentials(serialized)
        assert not stale.valid or stale.expire_soon(60)
        old_token, old_refresh = stale.token, stale.refresh_token
        response = app.authomatic.access(stale, userinfo)
        assert response.status == 200
        assert response.data['email'] == 'alice@example.org'
        # Exactly one refresh: one new access token from the token endpoint.
        assert local_oauth2_server.token_count == issued + 1
        # The object passed in was updated in place.
        assert stale.token != old_token and stale.refresh_token != old_refresh
        assert stale.valid and not stale.expire_soon(60)

        [(sender, kwargs)] = refreshed
        assert sender is app
        assert kwargs['provider_name'] == 'local'
        assert kwargs['credentials'] is stale
        assert kwargs['previous'] == serialized
        assert kwargs['serialized'] == stale.serialize() != serialized

        # The new credentials are used as they are: no second refresh.
        again = app.authomatic.access(kwargs['serialized'], userinfo)
        assert again.status == 200
        assert local_oauth2_server.token_count == issued + 1
        assert len(refreshed) == 1


def test_valid_credentials_are_not_refreshed(make_app, config, local_oauth2_server,
                                             refreshed):
    app, serialized = log_in(make_app, config, username='bob')
    issued = local_oauth2_server.token_count
    with app.app_context():
        response = app.authomatic.access(serialized, local_oauth2_server.url + '/userinfo')
    assert response.status == 200 and response.data['name'] == 'Bob Marley'
    assert local_oauth2_server.token_count == issued
    assert refreshed == []


def test_credentials_about_to_expire_are_refreshed_within_the_margin(
        make_app, config, local_oauth2_server, refreshed):
    local_oauth2_server.expires_in = 30    # valid, but within the default 60 s margin
    app, serialized = log_in(make_app, config)
    local_oauth2_server.expires_in = 3600
    userinfo = local_oauth2_server.url + '/userinfo'
    with app.app_context():
        assert app.authomatic.credentials(serialized).valid
        app.authomatic.refresh_margin = 10  # 30 s left is enough now: no refresh
        try:
            assert app.authomatic.access(serialized, userinfo).status == 200
            assert refreshed == []
        finally:
            del app.authomatic.refresh_margin
        assert app.authomatic.refresh_margin == 60
        assert app.authomatic.access(serialized, userinfo).status == 200
    assert len(refreshed) == 1


def test_a_refused_refresh_is_a_typed_error_without_the_refresh_token(
        make_app, config, local_oauth2_server, refreshed, caplog):
    app, serialized = log_in(make_app, config)
    stale = expired(app, serialized)
    local_oauth2_server.revoke_tokens()    # the refresh token no longer works
    caplog.set_level(logging.INFO)
    with app.app_context():
        credentials = app.authomatic.credentials(stale)
        secret = credentials.refresh_token
        with pytest.raises(CredentialsRefreshError) as caught:
            app.authomatic.access(credentials, local_oauth2_server.url + '/userinfo')
    error = caught.value
    assert type(error) is CredentialsRefreshError
    assert error.status == 400 and error.error == 'invalid_grant'
    assert error.provider_name == 'local'
    assert 'refused to refresh' in error.message and 'Log the user in again' in error.message
    assert secret not in str(error) and secret not in repr(error)
    assert secret not in repr(error.__dict__) and error.__cause__ is None
    assert secret not in caplog.text
    assert refreshed == []


def test_no_refresh_token_is_a_clear_error(make_app, config, local_oauth2_server, refreshed):
    local_oauth2_server.issue_refresh_tokens = False
    app, serialized = log_in(make_app, config)
    with app.app_context():
        credentials = app.authomatic.credentials(expired(app, serialized))
        # The core serializes a missing refresh token as the text 'None'.
        assert credentials.refresh_token in ('', 'None')
        with pytest.raises(CredentialsExpiredError) as caught:
            app.authomatic.access(credentials, local_oauth2_server.url + '/userinfo')
    assert isinstance(caught.value, CredentialsRefreshError)
    assert 'expired and cannot be refreshed' in caught.value.message
    assert 'no refresh token' in caught.value.message
    assert refreshed == []


def test_without_a_refresh_token_still_valid_credentials_are_used(
        make_app, config, local_oauth2_server, refreshed):
    local_oauth2_server.issue_refresh_tokens = False
    local_oauth2_server.expires_in = 30     # within the margin, but valid
    app, serialized = log_in(make_app, config)
    with app.app_context():
        response = app.authomatic.access(serialized, local_oauth2_server.url + '/userinfo')
    assert response.status == 200
    assert refreshed == []


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_provider_down_during_refresh_is_a_fetch_error(
        make_app, config, local_oauth2_server, refreshed):
    app, serialized = log_in(make_app, config)
    stale = expired(app, serialized)
    down = {'local': local_oauth2_server.config_entry(
        id=1, provider_url='http://127.0.0.1:{0}'.format(_free_port()))}
    down_app = make_app(down, fetch_timeout=2)
    with down_app.app_context():
        credentials = down_app.authomatic.credentials(stale)
        before = credentials.serialize()
        with pytest.raises(CredentialsRefreshFetchError) as caught:
            down_app.authomatic.access(credentials, local_oauth2_server.url + '/userinfo')
        assert credentials.serialize() == before   # unchanged
    assert isinstance(caught.value, FetchError)
    assert 'could not be reached' in caught.value.message
    assert credentials.refresh_token not in str(caught.value)
    assert refreshed == []


def test_slow_provider_during_refresh_fails_within_fetch_timeout(
        make_app, config, local_oauth2_server, refreshed):
    app, serialized = log_in(make_app, config, fetch_timeout=0.5)
    stale = expired(app, serialized)
    local_oauth2_server.fault('token', 'slow', seconds=3, times=1)
    with app.app_context():
        started = time.monotonic()
        with pytest.raises(CredentialsRefreshFetchError) as caught:
            app.authomatic.access(stale, local_oauth2_server.url + '/userinfo')
        elapsed = time.monotonic() - started
    assert elapsed < 2, elapsed
    assert isinstance(caught.value, FetchError)
    assert 'did not answer within fetch_timeout (0.5 s)' in caught.value.message
    assert refreshed == []


@pytest.mark.parametrize('kind, status', [('500', 500), ('html', 200), ('garbage', 200),
                                          ('truncated_json', 200)])
def test_a_broken_token_endpoint_is_a_refresh_error(
        make_app, config, local_oauth2_server, refreshed, kind, status):
    app, serialized = log_in(make_app, config)
    stale = expired(app, serialized)
    local_oauth2_server.fault('token', kind, times=1)
    with app.app_context():
        credentials = app.authomatic.credentials(stale)
        with pytest.raises(CredentialsRefreshError) as caught:
            app.authomatic.access(credentials, local_oauth2_server.url + '/userinfo')
    assert not isinstance(caught.value, CredentialsExpiredError)
    assert caught.value.status in (status, None)
    assert credentials.refresh_token not in str(caught.value)
    assert refreshed == []
    # The refresh token was not used up: the next call refreshes.
    with app.app_context():
        assert app.authomatic.access(credentials,
                                     local_oauth2_server.url + '/userinfo').status == 200
    assert len(refreshed) == 1


def test_stale_copy_after_a_rotation_is_refused(make_app, config, local_oauth2_server,
                                                refreshed):
    """The provider rotates refresh tokens: a second refresh from the same old
    serialized credentials (a stale copy, a racing request) is refused, while
    the credentials the signal carried keep working."""
    app, serialized = log_in(make_app, config)
    stale = expired(app, serialized)
    userinfo = local_oauth2_server.url + '/userinfo'
    with app.app_context():
        assert app.authomatic.access(stale, userinfo).status == 200
        with pytest.raises(CredentialsRefreshError) as caught:
            app.authomatic.access(stale, userinfo)
        assert caught.value.error == 'invalid_grant'
        [(_, kwargs)] = refreshed
        assert app.authomatic.access(kwargs['serialized'], userinfo).status == 200


def test_oidc_credentials_are_refreshed_too(make_app, local_oidc_server, refreshed):
    """authomatic_extras.providers.OIDC: the refresh goes to the token
    endpoint of the issuer's discovery document."""
    config = {'local': local_oidc_server.oidc_config_entry(id=1)}
    app, serialized = log_in(make_app, config)
    stale = expired(app, serialized)
    local_oidc_server.expire_tokens()
    issued = local_oidc_server.token_count
    with app.app_context():
        response = app.authomatic.access(stale, local_oidc_server.url + '/userinfo')
    assert response.status == 200 and response.data['sub'] == 'id-alice'
    assert local_oidc_server.token_count == issued + 1
    [(sender, kwargs)] = refreshed
    assert sender is app and kwargs['previous'] == stale != kwargs['serialized']


def test_outside_an_app_context_the_signal_has_no_sender(make_app, config,
                                                         local_oauth2_server, refreshed):
    """A background job with the config given to the constructor: no app."""
    from flask import has_app_context

    app, serialized = log_in(make_app, config)
    stale = expired(app, serialized)
    assert not has_app_context()
    response = app.authomatic.access(stale, local_oauth2_server.url + '/userinfo')
    assert response.status == 200
    [(sender, kwargs)] = refreshed
    assert sender is None and kwargs['previous'] == stale


def test_no_token_reaches_the_log_during_a_refresh(make_app, config, local_oauth2_server,
                                                   refreshed, caplog):
    """Even at DEBUG, where the core logs the token request's body and the
    provider's answer, no refresh or access token appears in the log."""
    app, serialized = log_in(make_app, config, logging_level=logging.DEBUG)
    stale = expired(app, serialized)
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        credentials = app.authomatic.credentials(stale)
        old_refresh, old_token = credentials.refresh_token, credentials.token
        assert app.authomatic.access(credentials,
                                     local_oauth2_server.url + '/userinfo').status == 200
    # The app's side only: the local provider (Authlib) logs the tokens it issues.
    client_log = '\n'.join(
        record.getMessage() for record in caplog.records
        if not record.name.startswith(('authlib', 'authomatic_extras.testing', 'werkzeug')))
    assert 'Refreshing credentials' in client_log     # the core did log the refresh
    assert 'body: refresh_token=[redacted]' in client_log   # ... and its request body
    for secret in (old_refresh, old_token, credentials.refresh_token, credentials.token):
        assert secret not in client_log
