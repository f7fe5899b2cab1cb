"""LocalOAuth1Server + LocalOAuth1 carry real OAuth 1.0a logins through the core."""

import pytest
import requests
from authomatic import Authomatic
from werkzeug.test import Client

from authomatic_extras.testing import (LocalAppServer, login_with_requests, login_with_test_client)
from authomatic_extras.testing.apps import make_login_app

SECRET = 'authomatic-extras-test-secret'


@pytest.fixture
def provider(local_oauth1_server):
    """The plugin's server: users reset and faults cleared around each test."""
    return local_oauth1_server


def login_tc(config, name='o1', **kwargs):
    return login_with_test_client(Client(make_login_app(config)), '/login/' + name, **kwargs)


def test_login_with_test_client(provider):
    trip = login_tc({'o1': provider.config_entry(id=2)}, username='bob')
    result = trip.json()
    assert result['error'] is None
    assert result['user'] == {'id': 'id-bob', 'name': 'Bob Marley',
                              'email': 'bob@example.org', 'username': 'bob'}
    assert [h.status for h in trip.hops] == [302, 200, 302, 200]
    assert trip.hops[1].consent
    assert 'oauth_verifier=' in trip.hops[2].location


def test_login_with_requests_against_real_app_server(provider):
    app = make_login_app({'o1': provider.config_entry(id=2)})
    with LocalAppServer(app, host='localhost') as served:
        result = login_with_requests(served.url + '/login/o1').json()
    assert result['user']['id'] == 'id-alice'
    assert result['user']['name'] == 'Alice Liddell'
    assert result['user']['email'] == 'alice@example.org'


def test_deny_gives_cancellation_error(provider):
    trip = login_tc({'o1': provider.config_entry(id=2)}, decision='deny')
    result = trip.json()
    assert result['user'] is None
    assert result['error_type'] == 'CancellationError'
    assert '?denied=' in trip.hops[2].location


@pytest.mark.parametrize('endpoint', ['request_token', 'token', 'userinfo'])
@pytest.mark.parametrize('kind', ['500', 'html', 'truncated_json'])
def test_faults_end_in_result_error(provider, endpoint, kind):
    provider.fault(endpoint, kind)
    result = login_tc({'o1': provider.config_entry(id=2)}).json()
    assert result['user'] is None
    assert result['error_type'] == 'FailureError'
    assert result['error']


def test_signed_access_with_serialized_credentials(provider):
    config = {'o1': provider.config_entry(id=2)}
    serialized = login_tc(config).json()['credentials']
    authomatic = Authomatic(config, SECRET)
    response = authomatic.access(serialized, provider.url + '/userinfo')
    assert response.status == 200
    assert response.data['sub'] == 'id-alice'
    # Unsigned requests and unknown tokens are refused.
    assert requests.get(provider.url + '/userinfo', timeout=10).status_code == 401
    provider.revoke_tokens()
    assert authomatic.access(serialized, provider.url + '/userinfo').status == 401


def test_wrong_consumer_secret_is_refused(provider):
    entry = provider.config_entry(id=2)
    entry['consumer_secret'] = 'not-the-secret'
    result = login_tc({'o1': entry}).json()
    assert result['error_type'] == 'FailureError'
    assert '401' in result['error'] or 'request token' in result['error']
