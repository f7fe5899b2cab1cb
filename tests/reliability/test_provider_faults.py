"""Provider faults end in a clear error within a measured time bound, and the
app keeps serving other requests while one login waits on a slow provider.

Bounds are asserted on wall-clock time around the request that meets the
fault. Timeouts used: the provider config key ``timeout`` (``LocalOAuth2`` /
``LocalOAuth1``) and ``FlaskAuthomatic(fetch_timeout=...)``.
"""
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests
from reliability_support import free_port

from authomatic_extras.testing import (LocalAppServer, login_with_requests, login_with_test_client,
                                       make_flask_login_app)

#: Upper bound for a fault that answers at once (500, HTML, junk), seconds.
FAST_BOUND = 3.0
#: The timeout we configure, and the bound we accept for it to fire.
TIMEOUT = 1.0
TIMEOUT_BOUND = TIMEOUT + 1.5
#: How long a slow provider sleeps: well beyond the timeout.
SLOW = 4.0

ENDPOINTS = [('oauth2', 'token'), ('oauth2', 'userinfo'), ('oauth1', 'request_token'),
             ('oauth1', 'token'), ('oauth1', 'userinfo')]


def _server(provider, local_oauth2_server, local_oauth1_server):
    return local_oauth2_server if provider == 'oauth2' else local_oauth1_server


def _timed_login(app, provider):
    client = app.test_client()
    started = time.monotonic()
    trip = login_with_test_client(client, '/login/' + provider, timeout=30)
    return trip.response, time.monotonic() - started


def _assert_clear_error(response):
    assert response.status_code == 401, (response.status_code, response.data[:500])
    body = response.get_json()
    assert body['user'] is None and body['error'], body
    return body


@pytest.mark.parametrize('kind', ['500', 'html', 'garbage', 'truncated_json'])
@pytest.mark.parametrize('provider,endpoint', ENDPOINTS)
def test_fault_answers_with_a_clear_error_fast(providers_config, local_oauth2_server,
                                               local_oauth1_server, provider, endpoint, kind):
    _server(provider, local_oauth2_server, local_oauth1_server).fault(endpoint, kind)
    response, elapsed = _timed_login(make_flask_login_app(providers_config), provider)
    _assert_clear_error(response)
    assert elapsed < FAST_BOUND, elapsed


@pytest.mark.parametrize('provider,endpoint', ENDPOINTS)
def test_slow_endpoint_beyond_the_provider_timeout_key(providers_config, local_oauth2_server,
                                                       local_oauth1_server, provider, endpoint):
    config = dict(providers_config)
    config[provider] = dict(config[provider], timeout=TIMEOUT)
    _server(provider, local_oauth2_server, local_oauth1_server).fault(
        endpoint, 'slow', seconds=SLOW, times=1)
    app = make_flask_login_app(config, fetch_timeout=None)   # only the provider's own key
    response, elapsed = _timed_login(app, provider)
    body = _assert_clear_error(response)
    assert body['error_type'] == 'FetchError', body
    assert 'timed out' in body['error']
    assert elapsed < TIMEOUT_BOUND, elapsed


@pytest.mark.parametrize('provider,endpoint', ENDPOINTS)
def test_slow_endpoint_beyond_fetch_timeout(providers_config, local_oauth2_server,
                                            local_oauth1_server, provider, endpoint):
    _server(provider, local_oauth2_server, local_oauth1_server).fault(
        endpoint, 'slow', seconds=SLOW, times=1)
    app = make_flask_login_app(providers_config, fetch_timeout=TIMEOUT)
    response, elapsed = _timed_login(app, provider)
    body = _assert_clear_error(response)
    assert body['error_type'] == 'FetchError', body
    assert 'fetch_timeout' in body['error']
    assert elapsed < TIMEOUT_BOUND, elapsed


def test_fetch_timeout_defaults_to_a_bound():
    from authomatic_extras.flask import FlaskAuthomatic

    assert FlaskAuthomatic({}, 'x').fetch_timeout == 20


def test_without_any_timeout_the_login_waits_for_the_provider(providers_config,
                                                              local_oauth2_server):
    """The measured reason for the timeouts: the core waits as long as the
    provider takes (here it answers after 2 s and the login then succeeds)."""
    local_oauth2_server.fault('token', 'slow', seconds=2.0, times=1)
    app = make_flask_login_app(providers_config, fetch_timeout=None)
    response, elapsed = _timed_login(app, 'oauth2')
    assert response.status_code == 200
    assert elapsed >= 2.0


class Blackhole:
    """Accepts TCP connections (the kernel's backlog) and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(50)
        self.url = f'http://127.0.0.1:{self.sock.getsockname()[1]}'

    def close(self):
        self.sock.close()


def _callback_then_swap(config, provider, new_url, callback_for, app):
    client = app.test_client()
    callback = callback_for(client, '/login/' + provider)
    config[provider]['provider_url'] = new_url   # the back channel goes elsewhere now
    return client, callback


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_provider_that_never_answers(providers_config, callback_for, provider):
    config = {k: dict(v) for k, v in providers_config.items()}
    hole = Blackhole()
    try:
        app = make_flask_login_app(config, fetch_timeout=TIMEOUT)
        client, callback = _callback_then_swap(config, provider, hole.url, callback_for, app)
        started = time.monotonic()
        body = _assert_clear_error(client.get(callback))
        elapsed = time.monotonic() - started
    finally:
        hole.close()
    assert body['error_type'] == 'FetchError', body
    assert elapsed < TIMEOUT_BOUND, elapsed


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_provider_down(providers_config, callback_for, provider):
    config = {k: dict(v) for k, v in providers_config.items()}
    app = make_flask_login_app(config)
    client, callback = _callback_then_swap(
        config, provider, f'http://127.0.0.1:{free_port()}', callback_for, app)
    started = time.monotonic()
    body = _assert_clear_error(client.get(callback))
    assert time.monotonic() - started < FAST_BOUND
    assert body['error_type'] == 'FetchError', body


def test_provider_down_at_step_one_oauth1(providers_config):
    config = {k: dict(v) for k, v in providers_config.items()}
    config['oauth1']['provider_url'] = f'http://127.0.0.1:{free_port()}'
    started = time.monotonic()
    response = make_flask_login_app(config).test_client().get('/login/oauth1')
    assert time.monotonic() - started < FAST_BOUND
    assert _assert_clear_error(response)['error_type'] == 'FetchError'


def test_app_keeps_serving_while_a_login_hangs_on_a_slow_provider(providers_config,
                                                                  local_oauth2_server):
    """One login waits 4 s on the token endpoint (no timeout at all); during
    that wait other requests and a whole other login (OAuth 1.0a) complete
    quickly."""
    app = make_flask_login_app(providers_config, fetch_timeout=None)
    local_oauth2_server.fault('token', 'slow', seconds=SLOW)
    with LocalAppServer(app, host='localhost') as served:
        with ThreadPoolExecutor(max_workers=1) as pool:
            started = time.monotonic()
            hanging = pool.submit(login_with_requests, served.url + '/login/oauth2',
                                  username='alice', timeout=30)
            time.sleep(1.0)   # step 1 and consent take well under that
            pings = []
            for _ in range(20):
                t0 = time.monotonic()
                assert requests.get(served.url + '/ping', timeout=5).text == 'pong'
                pings.append(time.monotonic() - t0)
            t0 = time.monotonic()
            other = login_with_requests(served.url + '/login/oauth1', username='bob', timeout=30)
            other_elapsed = time.monotonic() - t0
            assert not hanging.done(), 'the slow login finished too early to prove anything'
            first = hanging.result(timeout=30)
            total = time.monotonic() - started
    assert max(pings) < 0.5, pings
    assert other.response.status_code == 200, other.response.text
    assert other.response.json()['user']['name'] == 'Bob Marley'
    assert other_elapsed < 2.0, other_elapsed
    assert first.response.status_code == 200
    assert total >= SLOW


# -- measured gaps ---------------------------------------------------------------


def test_slow_openid_discovery_is_bounded(providers_config, local_openid_server):
    local_openid_server.fault('discovery', 'slow', seconds=SLOW, times=1)
    app = make_flask_login_app(providers_config, fetch_timeout=TIMEOUT)
    started = time.monotonic()
    response = app.test_client().get(
        '/login/openid?id=' + quote(local_openid_server.identifier('alice'), ''))
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT_BOUND, elapsed
    _assert_clear_error(response)


@pytest.mark.xfail(strict=True, reason=(
    'Known limit: fetch_timeout bounds each socket operation, not the whole fetch: a '
    'provider that trickles one byte per 0.5 s holds the login past fetch_timeout=1 '
    '(here for the whole 4 s it trickles). Documented limit of fetch_timeout '
    '(authomatic_extras/fetch_timeout.py, docs/flask.md, docs/reliability.md).'))
def test_trickling_provider_is_bounded_by_fetch_timeout(providers_config, callback_for,
                                                        trickling_server):
    config = {k: dict(v) for k, v in providers_config.items()}
    trickle = trickling_server(interval=0.5, total=SLOW)
    app = make_flask_login_app(config, fetch_timeout=TIMEOUT)
    client, callback = _callback_then_swap(config, 'oauth2', trickle.url, callback_for, app)
    started = time.monotonic()
    response = client.get(callback)
    elapsed = time.monotonic() - started
    assert response.status_code == 401
    assert elapsed < TIMEOUT_BOUND, elapsed
