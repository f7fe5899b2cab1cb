"""No parameter of a request sends the user to a host the config did not name.

Checked: the step-1 redirect (``Location`` to the provider, and the
``redirect_uri`` / ``oauth_callback`` / ``return_to`` inside it) and any
``Location`` of a callback, for crafted ``redirect_uri``, ``next``,
``user_state``, ``state``, ``return_to`` values, ``Host`` and
``X-Forwarded-Host`` headers; Hypothesis drives random values through the same
places.
"""
from urllib.parse import parse_qs, quote, urlsplit

import flask
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EVIL = 'http://evil.example/steal'
HOSTILE_PARAMS = ['redirect_uri', 'next', 'user_state', 'state', 'return_to',
                  'openid.return_to', 'oauth_callback', 'url', 'continue']
APP_HOST = 'localhost'


def config_hosts(config, openid_server):
    hosts = {APP_HOST}
    for entry in config.values():
        if entry.get('provider_url'):
            hosts.add(urlsplit(entry['provider_url']).netloc)
    hosts.add(urlsplit(openid_server.url).netloc)
    return hosts


def assert_stays_home(response, hosts):
    """Any Location goes to a configured host, and so does every URL the
    provider is told to send the user back to."""
    location = response.headers.get('Location')
    if location is None:
        return
    parts = urlsplit(location)
    assert parts.netloc in hosts or not parts.netloc, location
    query = parse_qs(parts.query)
    for key in ('redirect_uri', 'oauth_callback', 'openid.return_to', 'openid.realm'):
        for value in query.get(key, []):
            assert urlsplit(value).netloc == APP_HOST, (key, value)


def step_one_path(provider, openid_server, **params):
    query = '&'.join('{0}={1}'.format(k, quote(v, safe='')) for k, v in params.items())
    if provider == 'openid':
        base = '/login/openid?id=' + quote(openid_server.identifier('alice'), '')
        return base + ('&' + query if query else '')
    return '/login/' + provider + ('?' + query if query else '')


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1', 'openid'])
@pytest.mark.parametrize('param', HOSTILE_PARAMS)
@pytest.mark.parametrize('value', [EVIL, '//evil.example/', 'https:evil.example',
                                   '\\\\evil.example', 'http://localhost@evil.example/'])
def test_crafted_parameters_at_step_one(make_app, providers_config, local_openid_server,
                                        provider, param, value):
    client = make_app(providers_config).test_client()
    response = client.get(step_one_path(provider, local_openid_server, **{param: value}))
    assert response.status_code < 500
    assert_stays_home(response, config_hosts(providers_config, local_openid_server))
    if provider == 'openid' and response.status_code == 200:
        # An auto-submitting form to the provider: its action and return_to.
        from authomatic_extras.testing.driver import _autosubmit_form

        form = _autosubmit_form(response.get_data(as_text=True), 'http://localhost/')
        assert form is not None, response.data[:300]
        _, action, fields = form
        fields = dict(fields)
        assert urlsplit(action).netloc == urlsplit(local_openid_server.url).netloc
        for key in ('openid.return_to', 'openid.realm'):
            assert urlsplit(fields[key]).netloc == APP_HOST, fields[key]


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
@pytest.mark.parametrize('param', HOSTILE_PARAMS)
def test_crafted_parameters_at_the_callback(make_app, providers_config, callback_for,
                                            local_openid_server, provider, param):
    from authomatic_extras.testing import replace_query

    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/' + provider)
    response = client.get(replace_query(callback, **{param: EVIL}))
    assert response.status_code < 500
    assert_stays_home(response, config_hosts(providers_config, local_openid_server))


def test_user_state_comes_back_as_data_never_as_a_redirect(make_app, providers_config):
    """``user_state`` travels through the provider and back into
    ``result.user_state``; the extension never redirects to it."""
    from authomatic_extras.testing import login_with_test_client

    seen = {}

    def hook(result):
        from flask import request
        seen['us'] = result.provider.decode_state(request.args['state'])

    app = make_app(providers_config, view_hook=hook)
    trip = login_with_test_client(app.test_client(),
                                  '/login/oauth2?user_state=' + quote(EVIL, safe=''))
    assert trip.response.status_code == 200
    assert seen['us'] == EVIL
    assert all('evil.example' not in urlsplit(h.location or '').netloc for h in trip.hops)


@pytest.mark.parametrize('header', ['X-Forwarded-Host', 'X-Forwarded-Server', 'Forwarded'])
def test_forwarded_headers_are_ignored_without_proxy_fix(make_app, providers_config, header):
    client = make_app(providers_config).test_client()
    value = 'host=evil.example' if header == 'Forwarded' else 'evil.example'
    response = client.get('/login/oauth2', headers={header: value})
    assert_stays_home(response, {APP_HOST, urlsplit(
        providers_config['oauth2']['provider_url']).netloc})


@pytest.mark.skipif('TRUSTED_HOSTS' not in flask.Flask.default_config,
                    reason='TRUSTED_HOSTS is new in Flask 3.1; older Flask: use SERVER_NAME '
                           'or the front server (docs/flask.md)')
@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_host_header_with_trusted_hosts_is_refused(make_app, providers_config, provider):
    """The deployment answer to Host-header tricks: Flask's TRUSTED_HOSTS."""
    app = make_app(providers_config)
    app.config['TRUSTED_HOSTS'] = [APP_HOST]
    client = app.test_client()
    assert client.get('/login/' + provider).status_code == 302
    response = client.get('/login/' + provider, headers={'Host': 'evil.example'})
    assert response.status_code == 400


def test_host_header_oauth2_provider_refuses_the_foreign_redirect_uri(make_app,
                                                                      local_oauth2_server):
    """Without TRUSTED_HOSTS the core builds ``redirect_uri`` from the Host
    header (measured here). The step-1 Location still goes to the provider,
    and a provider with registered redirect URIs (as OAuth 2.0 requires)
    refuses to send the user to the foreign host."""
    client_reg = local_oauth2_server.register_client(['http://localhost/login/strict'])
    app = make_app({'strict': local_oauth2_server.config_entry(id=1, client=client_reg)})
    response = app.test_client().get('/login/strict', headers={'Host': 'evil.example'})
    location = response.headers['Location']
    assert urlsplit(location).netloc == urlsplit(local_oauth2_server.url).netloc
    redirect_uri = parse_qs(urlsplit(location).query)['redirect_uri'][0]
    assert urlsplit(redirect_uri).netloc == 'evil.example'   # measured: follows Host
    at_provider = requests.get(location, allow_redirects=False, timeout=10)
    assert 'evil.example' not in at_provider.headers.get('Location', '')
    assert at_provider.status_code in (200, 400)
    if at_provider.status_code == 200:  # a consent page must not go on to evil
        back = requests.post(at_provider.url, data={'username': 'alice', 'decision': 'allow'},
                             allow_redirects=False, timeout=10)
        assert 'evil.example' not in back.headers.get('Location', '')


def test_host_header_reaches_the_oauth1_callback(make_app, providers_config):
    """Measured (reported, not ours to fix in the core): without TRUSTED_HOSTS
    the OAuth 1.0a ``oauth_callback`` follows the Host header, and a provider
    that accepts any callback (as the local one does) sends the verifier
    there. Set TRUSTED_HOSTS (test above) or SERVER_NAME in production."""
    client = make_app(providers_config).test_client()
    response = client.get('/login/oauth1', headers={'Host': 'evil.example'})
    location = response.headers['Location']
    assert urlsplit(location).netloc == urlsplit(
        providers_config['oauth1']['provider_url']).netloc
    with requests.Session() as http:
        page = http.get(location, allow_redirects=False, timeout=10)
        back = http.post(page.url, data={'username': 'alice', 'decision': 'allow'},
                         allow_redirects=False, timeout=10)
    assert urlsplit(back.headers['Location']).netloc == 'evil.example'


REDIRECT_SETTINGS = settings(max_examples=40, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])


@REDIRECT_SETTINGS
@given(params=st.dictionaries(st.sampled_from(HOSTILE_PARAMS + ['code', 'error', 'denied']),
                              st.one_of(st.just(EVIL), st.text(max_size=60)), max_size=4),
       provider=st.sampled_from(['oauth2', 'oauth1']))
def test_random_parameters_never_redirect_elsewhere(make_app, providers_config,
                                                    local_openid_server, params, provider):
    client = make_app(providers_config).test_client()
    hosts = config_hosts(providers_config, local_openid_server)
    response = client.get(step_one_path(provider, local_openid_server, **params))
    assert response.status_code < 500
    assert_stays_home(response, hosts)
