"""needs_refresh() and refresh_credentials() outside Flask: the plain core's
Authomatic, the local OAuth 2.0 provider, fetch_timeout() around the call."""
import time

import pytest
from authomatic import Authomatic
from werkzeug.test import Client

from authomatic_extras.credentials import (DEFAULT_REFRESH_MARGIN, CredentialsExpiredError,
                                           CredentialsRefreshFetchError, needs_refresh,
                                           refresh_credentials)
from authomatic_extras.fetch_timeout import fetch_timeout
from authomatic_extras.testing import login_with_test_client, make_login_app


@pytest.fixture
def core(local_oauth2_server):
    """``(authomatic, log_in)``: the core with the local provider, and a login
    that returns serialized credentials."""
    config = {'local': local_oauth2_server.config_entry(id=1)}
    app = make_login_app(config)

    def log_in():
        trip = login_with_test_client(Client(app), '/login/local')
        return trip.json()['credentials']

    return Authomatic(config, 'secret'), log_in


def test_needs_refresh_follows_expiry_and_margin(core, local_oauth2_server):
    authomatic, log_in = core
    credentials = authomatic.credentials(log_in())
    assert DEFAULT_REFRESH_MARGIN == 60
    assert not needs_refresh(credentials)                  # an hour left
    assert needs_refresh(credentials, margin=3700)         # within the margin
    credentials.expiration_time = int(time.time()) - 1
    assert needs_refresh(credentials, margin=0)            # expired
    credentials.expiration_time = 0
    assert not needs_refresh(credentials)                  # no expiry (OAuth 1.0a style)


def test_refresh_credentials_in_place(core, local_oauth2_server):
    authomatic, log_in = core
    credentials = authomatic.credentials(log_in())
    credentials.expiration_time = int(time.time()) - 5
    old = credentials.token
    with fetch_timeout(5):
        assert refresh_credentials(credentials) is True
    assert credentials.token != old and not needs_refresh(credentials)
    response = authomatic.access(credentials, local_oauth2_server.url + '/userinfo')
    assert response.status == 200


def test_valid_credentials_without_refresh_token_are_left_alone(core, local_oauth2_server):
    local_oauth2_server.issue_refresh_tokens = False
    authomatic, log_in = core
    credentials = authomatic.credentials(log_in())
    token = credentials.token
    issued = local_oauth2_server.token_count
    assert refresh_credentials(credentials) is False
    assert credentials.token == token and local_oauth2_server.token_count == issued
    credentials.expiration_time = int(time.time()) - 5
    with pytest.raises(CredentialsExpiredError):
        refresh_credentials(credentials)


def test_slow_token_endpoint_outside_flask(core, local_oauth2_server):
    authomatic, log_in = core
    credentials = authomatic.credentials(log_in())
    local_oauth2_server.fault('token', 'slow', seconds=2, times=1)
    started = time.monotonic()
    with fetch_timeout(0.3):
        with pytest.raises(CredentialsRefreshFetchError, match=r'fetch_timeout \(0\.3 s\)'):
            refresh_credentials(credentials)
    assert time.monotonic() - started < 1.5
