"""Hostile input against FlaskAuthomatic with the real local providers.

Every request here is one an attacker (or a broken browser) can send. The
outcome must each time be a failed login (``result.error``, answered 401 by
the test app) or a 4xx from the extension, with a readable message: never a
5xx, never a user other than the one who consented.
"""
import base64
import json
import time
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from reliability_support import SECRET, assert_clean_failure, flask_cookie, state_token
from authomatic_extras.testing import replace_query

from authomatic_extras import login_state

PROVIDERS = ['oauth2', 'oauth1', 'openid']


def start_path(provider, openid_server):
    if provider == 'openid':
        return '/login/openid?id=' + quote(openid_server.identifier('alice'), '')
    return '/login/' + provider


# -- the session cookie ------------------------------------------------------


def _tamper(value, how):
    if how == 'flip-payload':
        index = 3
    elif how == 'flip-signature':
        index = len(value) - 3
    else:
        raise AssertionError(how)
    replacement = 'A' if value[index] != 'A' else 'B'
    return value[:index] + replacement + value[index + 1:]


@pytest.mark.parametrize('provider', PROVIDERS)
@pytest.mark.parametrize('how', ['flip-payload', 'flip-signature', 'truncate-half',
                                 'truncate-last-char', 'drop-signature', 'empty',
                                 'garbage'])
def test_tampered_or_truncated_session_cookie(make_app, providers_config, callback_for,
                                              local_openid_server, provider, how):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, start_path(provider, local_openid_server))
    value = client.get_cookie('session').value
    if how.startswith('flip'):
        value = _tamper(value, how)
    elif how == 'truncate-half':
        value = value[:len(value) // 2]
    elif how == 'truncate-last-char':
        value = value[:-1]
    elif how == 'drop-signature':
        value = value.rsplit('.', 1)[0]
    elif how == 'empty':
        value = ''
    else:
        value = '\x00\xff' * 10 + '"; Path=/'
    client.set_cookie('session', value)
    assert_clean_failure(client.get(callback))


@pytest.mark.parametrize('provider', PROVIDERS)
def test_session_cookie_forged_with_an_unknown_key(make_app, providers_config, callback_for,
                                                   local_openid_server, provider):
    """A cookie the attacker signed himself (he does not know SECRET_KEY)."""
    client = make_app(providers_config).test_client()
    callback = callback_for(client, start_path(provider, local_openid_server))
    forged = flask_cookie({'authomatic': {provider: [state_token({'csrf': 'x'})]}},
                          key='attacker-guess')
    client.set_cookie('session', forged)
    assert_clean_failure(client.get(callback))


FORGED_SLOTS = {
    'random-token': lambda: ['not-a-token'],
    'token-with-another-secret': lambda: [state_token({'csrf': 'x' * 20},
                                                       secret='attacker-secret-000')],
    'token-with-another-salt': lambda: [URLSafeTimedSerializer(SECRET, salt='x').dumps(
        {'d': {'csrf': 'x' * 20}, 'e': []})],
    'unsigned-json': lambda: [base64.urlsafe_b64encode(json.dumps(
        {'d': {'csrf': 'x'}, 'e': []}).encode()).decode() + '.AAAA.BBBB'],
    'a-number': lambda: 5,
    'a-dict': lambda: {'csrf': 'x'},
    'a-list-of-junk': lambda: [None, 1, {}, [], 'x' * 5000],
    'many-tokens': lambda: ['t.%d.s' % i for i in range(500)],
}


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
@pytest.mark.parametrize('forged', sorted(FORGED_SLOTS))
def test_login_state_forged_by_someone_who_knows_the_flask_key(
        make_app, providers_config, callback_for, provider, forged):
    """The worst case for the cookie: SECRET_KEY leaked, the authomatic
    secret did not. The forged login state must not be trusted, and the real
    flows in the same cookie still may not be mixed with it."""
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/' + provider)
    client.set_cookie('session', flask_cookie({'authomatic': {provider: FORGED_SLOTS[forged]()}}))
    body = assert_clean_failure(client.get(callback))
    assert 'Traceback' not in body['error']


@pytest.mark.parametrize('namespace', [5, 'str', [1, 2], None, {'oauth2': {'a': 1}}])
def test_login_state_namespace_of_the_wrong_type(make_app, providers_config, namespace):
    """Step 1 and a callback over a session whose ``authomatic`` key holds junk."""
    client = make_app(providers_config).test_client()
    client.set_cookie('session', flask_cookie({'authomatic': namespace}))
    start = client.get('/login/oauth2')
    assert start.status_code == 302
    client.set_cookie('session', flask_cookie({'authomatic': namespace}))
    assert_clean_failure(client.get('/login/oauth2?code=abc&state=xyz'))


# -- state ---------------------------------------------------------------------


def _oauth2_state(csrf, user_state=''):
    return base64.urlsafe_b64encode(json.dumps(
        {'csrf': csrf, 'user_state': user_state}).encode()).decode()


@pytest.mark.parametrize('state', [
    'forged', '', ' ', '%', 'a' * 5000, _oauth2_state('0' * 26),
    _oauth2_state(None), _oauth2_state(['x']), base64.urlsafe_b64encode(b'[1,2]').decode(),
    base64.urlsafe_b64encode(b'"just a string"').decode(),
    base64.urlsafe_b64encode(b'{"csrf": {"$ne": 1}}').decode(), '\u2603' * 10,
], ids=lambda s: repr(s)[:30])
def test_wrong_state(make_app, providers_config, callback_for, state):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    assert_clean_failure(client.get(replace_query(callback, state=state)))


def test_missing_state(make_app, providers_config, callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    assert_clean_failure(client.get(replace_query(callback, state=None)))


def test_state_of_a_finished_login_with_a_fresh_code(make_app, providers_config,
                                                     callback_for):
    """Reused state: the state of a finished login with the code of a new one."""
    client = make_app(providers_config).test_client()
    first = callback_for(client, '/login/oauth2')
    assert client.get(first).status_code == 200
    second = callback_for(client, '/login/oauth2', username='bob')
    old_state = dict(p.split('=', 1) for p in urlsplit(first).query.split('&'))['state']
    from urllib.parse import unquote
    assert_clean_failure(client.get(replace_query(second, state=unquote(old_state))))


def test_state_of_the_other_pending_tab(make_app, providers_config, callback_for):
    """Two flows pending: one flow's state with the other flow's code fails
    (the code was issued for another PKCE verifier and CSRF token)."""
    client = make_app(providers_config).test_client()
    first = callback_for(client, '/login/oauth2', username='alice')
    second = callback_for(client, '/login/oauth2', username='bob')
    from urllib.parse import parse_qs
    q1, q2 = parse_qs(urlsplit(first).query), parse_qs(urlsplit(second).query)
    mixed = replace_query(first, code=q1['code'][0], state=q2['state'][0])
    response = client.get(mixed)
    body = response.get_json()
    assert response.status_code < 500
    # Never bob (his code was not sent); alice only if her flow was chosen.
    assert body['user'] is None, body


# -- replay ---------------------------------------------------------------------


@pytest.mark.parametrize('provider', PROVIDERS)
def test_replayed_callback_same_browser(make_app, providers_config, callback_for,
                                        local_openid_server, provider):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, start_path(provider, local_openid_server))
    assert client.get(callback).status_code == 200
    assert_clean_failure(client.get(callback))


@pytest.mark.parametrize('provider', PROVIDERS)
def test_replayed_callback_with_the_cookie_of_before(make_app, providers_config, callback_for,
                                                     local_openid_server, provider):
    """An attacker who captured the callback URL and the cookie as they were
    before the callback replays both after the user logged in: the provider
    refuses the used code / verifier, the RP the used nonce."""
    client = make_app(providers_config).test_client()
    callback = callback_for(client, start_path(provider, local_openid_server))
    cookie_before = client.get_cookie('session').value
    assert client.get(callback).status_code == 200
    attacker = make_app(providers_config).test_client()
    attacker.set_cookie('session', cookie_before)
    assert_clean_failure(attacker.get(callback))


def test_openid_replay_with_a_server_side_nonce_store_is_refused(
        make_app, local_openid_server, callback_for):
    """An explicit server-side store in the config refuses the replay too."""
    from openid.store.memstore import MemoryStore

    config = {'openid': dict(local_openid_server.config_entry(id=3), store=MemoryStore())}
    client = make_app(config).test_client()
    callback = callback_for(client, start_path('openid', local_openid_server))
    cookie_before = client.get_cookie('session').value
    assert client.get(callback).status_code == 200
    attacker = make_app(config).test_client()
    attacker.set_cookie('session', cookie_before)
    assert_clean_failure(attacker.get(callback))


@pytest.mark.parametrize('provider', PROVIDERS)
def test_callback_url_alone_in_another_browser(make_app, providers_config, callback_for,
                                               local_openid_server, provider):
    """Only the callback URL leaked (history, Referer, proxy log): no login."""
    client = make_app(providers_config).test_client()
    callback = callback_for(client, start_path(provider, local_openid_server))
    attacker = make_app(providers_config).test_client()
    assert_clean_failure(attacker.get(callback))
    assert client.get(callback).status_code == 200  # the user still gets in


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_callback_replayed_into_a_new_login(make_app, providers_config, callback_for,
                                            provider):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/' + provider)
    assert client.get(callback).status_code == 200
    assert client.get('/login/' + provider).status_code == 302  # a new flow pending
    assert_clean_failure(client.get(callback))


# -- expiry ------------------------------------------------------------------------


class _ShiftedTime:
    """Stands in for the ``time`` module inside login_state: the clock moved on."""

    def __init__(self, seconds):
        self.seconds = seconds

    def time(self):
        return time.time() + self.seconds


@pytest.mark.parametrize('provider', PROVIDERS)
def test_login_state_older_than_session_max_age(make_app, providers_config, callback_for,
                                                local_openid_server, monkeypatch, provider):
    client = make_app(providers_config).test_client()   # default session_max_age=600
    callback = callback_for(client, start_path(provider, local_openid_server))
    monkeypatch.setattr(login_state, 'time', _ShiftedTime(601))
    body = assert_clean_failure(client.get(callback))
    assert body['error_type'] == 'LoginStateExpired', body
    assert 'session_max_age (600 s)' in body['error']


def test_login_state_just_younger_than_session_max_age_still_works(
        make_app, providers_config, callback_for, monkeypatch):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    monkeypatch.setattr(login_state, 'time', _ShiftedTime(590))
    assert client.get(callback).status_code == 200


# -- parameters the core ignores --------------------------------------------------

def _is_noop(response):
    """The core did nothing: an empty 200, no redirect, no result."""
    return (response.status_code == 200 and not response.data
            and 'Location' not in response.headers)


@pytest.mark.parametrize('query', ['state={state}&code=', 'code=&state=',
                                   'next=http://evil.example/', 'foo=bar',
                                   'state={state}'])
def test_request_the_core_ignores_gets_a_clear_4xx(make_app, providers_config, callback_for,
                                                   query):
    """Parameters the core neither starts nor continues a login with (it
    used to answer an empty 200): a 400 that says to start again, no flow
    stored, no redirect."""
    from urllib.parse import parse_qs

    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    state = parse_qs(urlsplit(callback).query)['state'][0]
    response = client.get('/login/oauth2?' + query.format(state=quote(state)))
    assert response.status_code == 400, (response.status_code, response.data)
    assert b'Start the login again' in response.data
    assert 'Location' not in response.headers
    for _ in range(10):
        client.get('/login/oauth2?' + query.format(state=quote(state)))
    with client.session_transaction() as session:
        assert len(session.get('authomatic', {}).get('oauth2', [])) <= 3


# -- oversized input ---------------------------------------------------------------


@pytest.mark.parametrize('param', ['state', 'code', 'error', 'user_state', 'extra'])
@pytest.mark.parametrize('size', [8 * 1024, 1024 * 1024])
def test_oversized_query_values(make_app, providers_config, callback_for, param, size):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    started = time.time()
    response = client.get(replace_query(callback, **{param: 'A' * size}))
    elapsed = time.time() - started
    assert response.status_code < 500
    body = response.get_json()
    assert body is None or body['user'] is None or body['user']['id'] == 'id-alice'
    assert elapsed < 10, elapsed


def test_ten_thousand_query_parameters(make_app, providers_config, callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    junk = '&'.join('p%d=%s' % (i, 'x' * 20) for i in range(10000))
    started = time.time()
    response = client.get(callback + '&' + junk)
    assert response.status_code < 500
    assert time.time() - started < 10


@pytest.mark.parametrize('size', [4 * 1024, 64 * 1024, 1024 * 1024])
def test_oversized_session_cookie(make_app, providers_config, callback_for, size):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    client.set_cookie('session', 'x' * size)
    assert_clean_failure(client.get(callback))
    # And a validly signed but huge session (SECRET_KEY leaked): bounded work.
    client.set_cookie('session', flask_cookie(
        {'authomatic': {'oauth2': ['y' * 100] * (size // 100)}}))
    started = time.time()
    assert_clean_failure(client.get(callback))
    assert time.time() - started < 10


def test_oversized_requests_over_real_http(make_app, providers_config):
    """Over a real server: too large a request line or cookie header is a 4xx."""
    import requests

    from authomatic_extras.testing import LocalAppServer

    with LocalAppServer(make_app(providers_config), host='localhost') as served:
        long_query = requests.get(served.url + '/login/oauth2?code=x&state=' + 'A' * 60000,
                                  timeout=30)
        huge_cookie = requests.get(served.url + '/login/oauth2?code=x&state=y',
                                   headers={'Cookie': 'session=' + 'x' * 200000}, timeout=30)
        try:  # Werkzeug's dev server drops a request line over 64 KiB unanswered
            too_long = requests.get(served.url + '/login/oauth2?code=x&state=' + 'A' * 200000,
                                    timeout=30).status_code
        except requests.ConnectionError:
            too_long = 'closed'
        assert requests.get(served.url + '/ping', timeout=30).text == 'pong'
    assert long_query.status_code == 401, long_query.text
    assert huge_cookie.status_code == 431, huge_cookie.status_code
    assert too_long == 'closed' or 400 <= too_long < 500


# -- provider names ------------------------------------------------------------------


@pytest.mark.parametrize('name', ['__defaults__', 'nope', 'a' * 5000, '%00', '..%2f..',
                                  '%E2%98%83', 'oauth2%00'])
def test_unknown_or_hostile_provider_name_is_404(make_app, providers_config, name):
    response = make_app(providers_config).test_client().get('/login/' + name)
    assert response.status_code == 404


# -- random bytes in every callback parameter (Hypothesis) ---------------------------

CALLBACK_PARAMS = {
    'oauth2': ['code', 'state', 'error', 'error_description', 'error_reason', 'user_state',
               'extra'],
    'oauth1': ['oauth_token', 'oauth_verifier', 'denied', 'user_state', 'extra'],
    'openid': ['openid.mode', 'openid.ns', 'openid.return_to', 'openid.identity',
               'openid.claimed_id', 'openid.sig', 'openid.signed', 'openid.assoc_handle',
               'openid.op_endpoint', 'openid.response_nonce', 'janrain_nonce', 'realm',
               'openid.sreg.email', 'openid.ax.value.ext0.1', 'extra'],
}

FUZZ_SETTINGS = settings(max_examples=50, deadline=None, derandomize=False,
                         suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow])


def _query_with(callback, name, raw):
    """The callback with parameter ``name`` replaced by the raw bytes ``raw``
    (percent-encoded, so invalid UTF-8 reaches the app)."""
    parts = urlsplit(callback)
    pairs = [p for p in parts.query.split('&') if p and p.split('=', 1)[0] != quote(name)]
    pairs.append(quote(name) + '=' + quote_from_bytes(raw, safe=''))
    return parts.path + '?' + '&'.join(pairs)


def _fuzz(provider, make_app, providers_config, callback_for, openid_server):
    app = make_app(providers_config)
    client = app.test_client()
    callback = callback_for(client, start_path(provider, openid_server))
    cookie = client.get_cookie('session').value
    seen = {'outcomes': set()}
    entry = providers_config[provider]
    provider_host = urlsplit(entry.get('provider_url') or openid_server.url).netloc

    @FUZZ_SETTINGS
    @given(name=st.sampled_from(CALLBACK_PARAMS[provider]),
           raw=st.one_of(st.binary(max_size=300),
                         st.text(max_size=100).map(lambda t: t.encode('utf-8', 'surrogatepass'))),
           drop=st.booleans())
    def check(name, raw, drop):
        client.set_cookie('session', cookie)
        url = _query_with(callback, name, raw)
        if drop:
            url = url.rsplit('&', 1)[0] if '&' in url else url  # the value goes missing
        response = client.get(url)
        assert response.status_code < 500, (url, response.data[:1000])
        assert not _is_noop(response), url
        if response.status_code in (302, 303):
            # The core starts the login over (OAuth 1.0a without oauth_token):
            # only ever towards the configured provider.
            assert urlsplit(response.headers['Location']).netloc == provider_host, url
            seen['outcomes'].add('restart')
            return
        body = response.get_json(silent=True)
        if body is not None and body['user'] is not None:
            # A login can only ever be the user who consented.
            assert body['user']['email'] == 'alice@example.org', (url, body)
            seen['outcomes'].add('user')
        else:
            assert 400 <= response.status_code < 500, (url, response.status_code)
            seen['outcomes'].add('error')

    check()
    assert 'error' in seen['outcomes']


@pytest.mark.parametrize('provider', PROVIDERS)
def test_random_bytes_in_every_callback_parameter(make_app, providers_config, callback_for,
                                                  local_openid_server, provider):
    _fuzz(provider, make_app, providers_config, callback_for, local_openid_server)


@FUZZ_SETTINGS
@given(cookie=st.binary(max_size=600).map(lambda b: b.replace(b'\r', b'').replace(b'\n', b'')))
def test_random_session_cookie_bytes_at_step_one_and_callback(make_app, providers_config,
                                                              cookie):
    client = make_app(providers_config).test_client()
    header = 'session=' + cookie.decode('latin-1')
    start = client.get('/login/oauth2', headers={'Cookie': header})
    assert start.status_code == 302
    assert urlsplit(start.headers['Location']).port == urlsplit(
        providers_config['oauth2']['provider_url']).port
    callback = client.get('/login/oauth2?code=abc&state=def', headers={'Cookie': header})
    assert_clean_failure(callback)
