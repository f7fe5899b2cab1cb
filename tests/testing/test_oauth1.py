"""LocalOAuth1Server + LocalOAuth1 carry real OAuth 1.0a logins through the core."""
import json

import pytest
import requests
from authomatic import Authomatic
from werkzeug.test import Client

from authomatic_extras.testing import (LocalAppServer, LocalOAuth1Server,
                                       login_with_requests, login_with_test_client)
from authomatic_extras.testing.apps import make_login_app

SECRET = 'authomatic-extras-test-secret'


@pytest.fixture(scope='module')
def server():
    with LocalOAuth1Server() as srv:
        yield srv


@pytest.fixture
def fresh(server):
    server.clear_faults()
    yield server
    server.clear_faults()


def body(trip):
    response = trip.response
    if hasattr(response, 'get_data'):
        return json.loads(response.get_data(as_text=True))
    return response.json()


def login_tc(config, name='o1', **kwargs):
    return login_with_test_client(Client(make_login_app(config)), '/login/' + name, **kwargs)


def test_login_with_test_client(fresh):
    trip = login_tc({'o1': fresh.config_entry(id=2)}, username='bob')
    result = body(trip)
    assert result['error'] is None
    assert result['user'] == {'id': 'id-bob', 'name': 'Bob Marley',
                              'email': 'bob@example.org', 'username': 'bob'}
    assert [h.status for h in trip.hops] == [302, 200, 302, 200]
    assert trip.hops[1].consent
    assert 'oauth_verifier=' in trip.hops[2].location


def test_login_with_requests_against_real_app_server(fresh):
    app = make_login_app({'o1': fresh.config_entry(id=2)})
    with LocalAppServer(app, host='localhost') as served:
        result = body(login_with_requests(served.url + '/login/o1'))
    assert result['user']['id'] == 'id-alice'
    assert result['user']['name'] == 'Alice Liddell'
    assert result['user']['email'] == 'alice@example.org'


def test_deny_gives_cancellation_error(fresh):
    trip = login_tc({'o1': fresh.config_entry(id=2)}, decision='deny')
    result = body(trip)
    assert result['user'] is None
    assert result['error_type'] == 'CancellationError'
    assert '?denied=' in trip.hops[2].location


@pytest.mark.parametrize('endpoint', ['request_token', 'token', 'userinfo'])
@pytest.mark.parametrize('kind', ['500', 'html', 'truncated_json'])
def test_faults_end_in_result_error(fresh, endpoint, kind):
    fresh.fault(endpoint, kind)
    result = body(login_tc({'o1': fresh.config_entry(id=2)}))
    assert result['user'] is None
    assert result['error_type'] == 'FailureError'
    assert result['error']


def test_signed_access_with_serialized_credentials(fresh):
    config = {'o1': fresh.config_entry(id=2)}
    serialized = body(login_tc(config))['credentials']
    authomatic = Authomatic(config, SECRET)
    response = authomatic.access(serialized, fresh.url + '/userinfo')
    assert response.status == 200
    assert response.data['sub'] == 'id-alice'
    # Unsigned requests and unknown tokens are refused.
    assert requests.get(fresh.url + '/userinfo', timeout=10).status_code == 401
    fresh.revoke_tokens()
    assert authomatic.access(serialized, fresh.url + '/userinfo').status == 401


def test_wrong_consumer_secret_is_refused(fresh):
    entry = fresh.config_entry(id=2)
    entry['consumer_secret'] = 'not-the-secret'
    result = body(login_tc({'o1': entry}))
    assert result['error_type'] == 'FailureError'
    assert '401' in result['error'] or 'request token' in result['error']
