"""LocalOAuth2Server + LocalOAuth2 carry real logins through the authomatic core."""
import concurrent.futures
import time

import pytest
import requests
from authomatic import Authomatic
from werkzeug.test import Client

from authomatic_extras.testing import (LocalAppServer, LocalOAuth2Server, LocalUser,
                                       login_with_requests, login_with_test_client)
from authomatic_extras.testing.apps import make_login_app
from authomatic_extras.testing.providers import pkce_challenge

SECRET = 'authomatic-extras-test-secret'


@pytest.fixture
def provider(local_oauth2_server):
    """The plugin's server: users reset and faults cleared around each test."""
    return local_oauth2_server


def login_tc(config, name='local', **kwargs):
    app = make_login_app(config)
    return login_with_test_client(Client(app), '/login/' + name, **kwargs)


@pytest.mark.parametrize('username, name, email, sub', [
    ('alice', 'Alice Liddell', 'alice@example.org', 'id-alice'),
    ('bob', 'Bob Marley', 'bob@example.org', 'id-bob'),
])
def test_login_with_test_client(provider, username, name, email, sub):
    trip = login_tc({'local': provider.config_entry(id=1)}, username=username)
    result = trip.json()
    assert result['error'] is None
    assert result['user'] == {'id': sub, 'name': name, 'email': email,
                              'username': username}
    assert trip.response.status_code == 200
    # app -> provider consent -> POST consent -> back on the app
    assert [h.status for h in trip.hops] == [302, 200, 302, 200]
    assert trip.hops[1].consent and trip.hops[1].url.startswith(provider.url + '/authorize?')
    assert 'code_challenge_method=S256' in trip.hops[0].location
    assert trip.hops[3].url.startswith('http://localhost/login/local?code=')


def test_login_with_requests_against_real_app_server(provider):
    app = make_login_app({'local': provider.config_entry(id=1)})
    with LocalAppServer(app, host='localhost') as served:
        trip = login_with_requests(served.url + '/login/local', username='bob')
    result = trip.json()
    assert result['user']['id'] == 'id-bob'
    assert result['user']['name'] == 'Bob Marley'
    assert result['user']['email'] == 'bob@example.org'
    assert trip.hops[-1].url.startswith(served.url + '/login/local?code=')


def test_deny_gives_cancellation_error(provider):
    trip = login_tc({'local': provider.config_entry(id=1)}, decision='deny')
    result = trip.json()
    assert result['user'] is None
    assert result['error_type'] == 'CancellationError'
    assert 'error=access_denied' in trip.hops[2].location


def test_consent_page_is_readable_html_with_stable_names(provider):
    app = make_login_app({'local': provider.config_entry(id=1)})
    first = Client(app).get('/login/local')
    page = requests.get(first.headers['Location'], timeout=10)
    assert page.status_code == 200
    assert page.headers['Content-Type'].startswith('text/html')
    assert page.headers['X-Authomatic-Extras-Consent'] == '1'
    html = page.text
    for needle in ('<form id="consent-form" method="post" action="">',
                   '<select name="username" id="username">',
                   '<option value="alice">Alice Liddell (alice)</option>',
                   'name="decision" value="allow" id="allow">Allow</button>',
                   'name="decision" value="deny" id="deny">Deny</button>',
                   'local-client'):
        assert needle in html


def test_added_user_can_log_in():
    with LocalOAuth2Server(users=[LocalUser('carol', 'Carol Danvers')]) as srv:
        dave = srv.add_user('dave', 'Dave Bowman', 'dave@hal.example', sub='9000')
        assert srv.get_user('dave') is dave
        assert srv.get_user('alice') is None
        result = login_tc({'local': srv.config_entry(id=1)}, username='dave').json()
        assert result['user'] == {'id': '9000', 'name': 'Dave Bowman',
                                  'email': 'dave@hal.example', 'username': 'dave'}
        result = login_tc({'local': srv.config_entry(id=1)}, username='carol').json()
        assert result['user']['email'] == 'carol@example.org'


@pytest.mark.parametrize('endpoint', ['token', 'userinfo'])
@pytest.mark.parametrize('kind', ['500', 'html', 'garbage', 'truncated_json'])
def test_faults_end_in_result_error(provider, endpoint, kind):
    provider.fault(endpoint, kind)
    result = login_tc({'local': provider.config_entry(id=1)}).json()
    assert result['user'] is None
    if endpoint == 'token' and kind == 'garbage':
        # The core's own parser chokes on binary junk; it still ends in
        # result.error, never in an unhandled exception.
        assert result['error_type'] == 'UnicodeDecodeError'
    else:
        assert result['error_type'] == 'FailureError'
        assert endpoint in result['error'] or 'access token' in result['error']
    assert result['error']
    provider.clear_faults()
    assert login_tc({'local': provider.config_entry(id=1)}).json()['user']['id'] == 'id-alice'


@pytest.mark.parametrize('endpoint', ['token', 'userinfo'])
def test_slow_fault_with_timeout_ends_in_fetch_error(provider, endpoint):
    provider.fault(endpoint, 'slow', seconds=1.0)
    started = time.monotonic()
    result = login_tc({'local': provider.config_entry(id=1, timeout=0.3)}).json()
    elapsed = time.monotonic() - started
    assert result['error_type'] == 'FetchError'
    assert 'timed out' in result['error']
    assert elapsed < 1.0


def test_slow_fault_without_timeout_only_delays(provider):
    provider.fault('token', 'slow', seconds=0.5, times=1)
    started = time.monotonic()
    result = login_tc({'local': provider.config_entry(id=1)}).json()
    assert time.monotonic() - started >= 0.5
    assert result['user']['id'] == 'id-alice'


def test_authorize_fault_shows_on_the_provider(provider):
    provider.fault('authorize', '500')
    trip = login_tc({'local': provider.config_entry(id=1)})
    assert trip.response.status_code == 500
    assert trip.hops[-1].url.startswith(provider.url + '/authorize')


def test_fault_rejects_unknown_names(provider):
    with pytest.raises(ValueError):
        provider.fault('nowhere', '500')
    with pytest.raises(ValueError):
        provider.fault('token', 'teapot')


def test_refresh_expired_token_through_core(provider):
    config = {'local': provider.config_entry(id=7)}
    result = login_tc(config).json()
    authomatic = Authomatic(config, SECRET)
    credentials = authomatic.credentials(result['credentials'])
    assert credentials.provider_name == 'local'
    first = authomatic.access(credentials, provider.url + '/userinfo')
    assert first.status == 200 and first.data['sub'] == 'id-alice'

    provider.expire_tokens()
    expired = authomatic.access(credentials, provider.url + '/userinfo')
    assert expired.status == 401

    old_token = credentials.token
    response = credentials.refresh(force=True)
    assert response.status == 200
    assert credentials.token and credentials.token != old_token
    assert credentials.valid
    again = authomatic.access(credentials.serialize(), provider.url + '/userinfo')
    assert again.status == 200 and again.data['email'] == 'alice@example.org'
    # The old refresh token was rotated out; the new one works.
    assert credentials.refresh(force=True).status == 200


def test_short_lived_tokens_expire():
    with LocalOAuth2Server(expires_in=1) as srv:
        config = {'local': srv.config_entry(id=1)}
        credentials = Authomatic(config, SECRET).credentials(
            login_tc(config).json()['credentials'])
        assert credentials.expire_in <= 1
        assert credentials.expire_soon(60)
        time.sleep(1.1)
        assert Authomatic(config, SECRET).access(credentials, srv.url + '/userinfo').status == 401
        assert credentials.refresh().status == 200  # soon: refreshed without force


def test_pkce_required_by_default(provider):
    result = login_tc({'local': provider.config_entry(id=1, pkce=False)}).json()
    assert result['error_type'] == 'FailureError'
    assert 'PKCE' in result['error']


def test_wrong_code_verifier_is_rejected(provider):
    verifier = 'v' * 50
    client = provider.default_client
    redirect_uri = 'http://localhost/cb'
    params = {'response_type': 'code', 'client_id': client.client_id,
              'redirect_uri': redirect_uri, 'state': 'xyz',
              'code_challenge': pkce_challenge(verifier),
              'code_challenge_method': 'S256'}
    consent = requests.post(provider.url + '/authorize', params=params,
                            data={'username': 'alice', 'decision': 'allow'},
                            allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    query = requests.utils.urlparse(consent.headers['Location']).query
    code = query.split('code=')[1].split('&')[0]
    token = dict(grant_type='authorization_code', code=code, redirect_uri=redirect_uri,
                 client_id=client.client_id, client_secret=client.client_secret)
    bad = requests.post(provider.url + '/token', data=dict(token, code_verifier='w' * 50),
                        timeout=10)
    assert bad.status_code == 400 and bad.json()['error'] == 'invalid_grant'


def test_registered_client_only_accepts_its_redirect_uris(provider):
    client = provider.register_client(['http://localhost/login/local'])
    ok = login_tc({'local': provider.config_entry(id=1, client=client)}).json()
    assert ok['user']['id'] == 'id-alice'
    app = make_login_app({'other': provider.config_entry(id=1, client=client)})
    trip = login_with_test_client(Client(app), '/login/other')
    assert trip.response.status_code == 400
    assert 'not supported by client' in trip.response.text


def test_200_concurrent_logins(provider):
    users = [provider.add_user('user{0}'.format(i)) for i in range(20)]
    app = make_login_app({'local': provider.config_entry(id=1)})
    with LocalAppServer(app, host='localhost') as served:
        def one(i):
            user = users[i % len(users)]
            return user, login_with_requests(served.url + '/login/local',
                                                  username=user.username).json()
        with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(one, range(200)))
    assert len(results) == 200
    for user, result in results:
        assert result['error'] is None
        assert result['user']['id'] == user.sub
        assert result['user']['email'] == user.email
