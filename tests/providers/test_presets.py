"""Presets: their production settings, and real logins with each against a
local look-alike (the local server in OpenID Connect mode, under the
provider's issuer path, or with its profile API look-alike)."""
from urllib.parse import parse_qs, urlsplit

import pytest
from authomatic.core import resolve_provider_class

from authomatic_extras.providers import OIDC, presets, social
from authomatic_extras.providers.pkce import PKCE
from authomatic_extras.testing import login_with_test_client, make_flask_login_app

ID, SECRET = 'local-client', 'local-secret'


def flask_login(entry, username='alice', **extension_kwargs):
    seen = []
    app = make_flask_login_app({'p': entry}, view_hook=seen.append, **extension_kwargs)
    trip = login_with_test_client(app.test_client(), '/login/p', username=username)
    assert seen, trip.response.get_data(as_text=True)
    return trip, seen[0]


def query_of(url):
    return parse_qs(urlsplit(url).query)


# -- production settings -----------------------------------------------------

def test_google_production_entry():
    entry = presets.google('cid', 'csecret', id=7)
    assert entry == {'class_': 'authomatic_extras.providers.OIDC', 'id': 7,
                     'consumer_key': 'cid', 'consumer_secret': 'csecret',
                     'scope': ['openid', 'profile', 'email'],
                     'issuer': 'https://accounts.google.com',
                     'issuer_aliases': ['accounts.google.com']}
    offline = presets.google('cid', 'csecret', id=7, offline=True)
    assert offline['user_authorization_params'] == {'access_type': 'offline',
                                                    'prompt': 'consent'}


def test_entra_production_entries():
    one = presets.entra('cid', 's', id=1, tenant='contoso.onmicrosoft.com')
    assert one['issuer'] == 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0'
    assert 'discovery_url' not in one
    common = presets.entra('cid', 's', id=1, tenant='common')
    assert common['issuer'] == 'https://login.microsoftonline.com/{tenantid}/v2.0'
    assert common['discovery_url'] == (
        'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration')
    consumers = presets.entra('cid', 's', id=1, tenant='consumers')
    assert consumers['issuer'] == ('https://login.microsoftonline.com/'
                                   '9188040d-6c67-4c5b-b112-36a304b66dad/v2.0')
    with pytest.raises(ValueError, match='needs a tenant'):
        presets.entra('cid', 's', id=1, tenant='')


def test_linkedin_and_generic_production_entries():
    assert presets.linkedin('cid', 's', id=1)['issuer'] == 'https://www.linkedin.com/oauth'
    entry = presets.oidc('https://sso.example.org/realms/main', 'cid', 's', id=3,
                         fetch_user_info=True)
    assert entry['issuer'] == 'https://sso.example.org/realms/main'
    assert entry['fetch_user_info'] is True
    assert resolve_provider_class(entry['class_']) is OIDC


def production_provider(entry):
    """An instance of the entry's class, as the core makes it for access()."""
    from authomatic import Authomatic

    class_ = resolve_provider_class(entry['class_'])
    return class_(Authomatic({'p': entry}, 'secret'), adapter=None, provider_name='p')


def test_github_production_urls_and_pkce():
    entry = presets.github('cid', 's', id=4)
    assert entry['scope'] == ['read:user', 'user:email']
    provider = production_provider(entry)
    assert isinstance(provider, PKCE) and provider.pkce
    assert provider.user_authorization_url == 'https://github.com/login/oauth/authorize'
    assert provider.access_token_url == 'https://github.com/login/oauth/access_token'
    assert provider.user_info_url == 'https://api.github.com/user'
    assert provider.access_token_headers['Accept'] == 'application/json'


def test_x_production_urls_and_pkce():
    entry = presets.x('cid', 's', id=5)
    assert entry['scope'] == ['users.read', 'tweet.read']
    provider = production_provider(entry)
    assert isinstance(provider, PKCE) and provider.pkce
    assert provider.user_authorization_url == 'https://x.com/i/oauth2/authorize'
    assert provider.access_token_url == 'https://api.x.com/2/oauth2/token'
    assert provider.user_info_url.startswith('https://api.x.com/2/users/me?user.fields=')


def test_facebook_production_urls_on_a_current_graph_version():
    provider = production_provider(presets.facebook('cid', 's', id=6))
    version = social.FACEBOOK_API_VERSION
    assert version == 'v23.0'
    assert provider.user_authorization_url == (
        'https://www.facebook.com/{0}/dialog/oauth'.format(version))
    assert provider.access_token_url == (
        'https://graph.facebook.com/{0}/oauth/access_token'.format(version))
    assert provider.user_info_url == 'https://graph.facebook.com/{0}/me'.format(version)
    pinned = production_provider(presets.facebook('cid', 's', id=6, api_version='v24.0'))
    assert pinned.user_info_url == 'https://graph.facebook.com/v24.0/me'


def test_every_preset_class_follows_the_core_rules():
    import sys

    for class_ in (OIDC, social.GitHub, social.X, social.Facebook):
        module = sys.modules[class_.__module__]
        assert class_ in module.PROVIDER_ID_MAP
        assert resolve_provider_class(class_.get_type()) is PKCE


# -- offline logins against look-alikes --------------------------------------

def test_google_preset_login_sends_nonce_and_code_challenge(local_oidc_server):
    entry = presets.google(ID, SECRET, id=1, issuer=local_oidc_server.issuer)
    trip, result = flask_login(entry, username='bob')
    assert result.error is None
    assert result.user.email == 'bob@example.org' and result.user.email_verified is True
    redirect = query_of(trip.hops[0].location)
    assert redirect['code_challenge_method'] == ['S256']
    assert redirect['code_challenge'][0]
    assert redirect['nonce'][0] == result.user.id_token_claims['nonce']
    assert redirect['scope'] == ['openid profile email']


def test_google_preset_offline_asks_for_a_refresh_token(local_oidc_server):
    entry = presets.google(ID, SECRET, id=1, issuer=local_oidc_server.issuer, offline=True)
    trip, result = flask_login(entry)
    redirect = query_of(trip.hops[0].location)
    assert redirect['access_type'] == ['offline'] and redirect['prompt'] == ['consent']
    assert result.user.credentials.refresh_token


@pytest.mark.parametrize('tenant', ['contoso.example', 'common', 'organizations'])
def test_entra_preset_login_per_tenant(local_oidc_server, tenant):
    entry = presets.entra(ID, SECRET, id=2, tenant=tenant, authority=local_oidc_server.url)
    trip, result = flask_login(entry)
    assert result.error is None, result.error
    claims = result.user.id_token_claims
    expected_tid = (tenant if tenant == 'contoso.example'
                    else local_oidc_server.TENANT_ID)
    assert claims['tid'] == expected_tid
    assert claims['iss'] == '{0}/{1}/v2.0'.format(local_oidc_server.url, expected_tid)
    assert trip.hops[1].url.startswith('{0}/{1}/v2.0/authorize?'.format(
        local_oidc_server.url, tenant))


def test_entra_preset_refuses_another_tenants_discovery(local_oidc_server):
    """Discovery that names another tenant as issuer is refused."""
    entry = presets.entra(ID, SECRET, id=2, tenant='contoso.example',
                          authority=local_oidc_server.url,
                          discovery_url=local_oidc_server.url
                          + '/fabrikam.example/v2.0/.well-known/openid-configuration')
    app = make_flask_login_app({'p': entry})
    answer = app.test_client().get('/login/p')
    assert answer.get_json()['error_type'] == 'DiscoveryError'


def test_linkedin_preset_login(local_oidc_server):
    entry = presets.linkedin(ID, SECRET, id=3, issuer=local_oidc_server.url + '/oauth')
    trip, result = flask_login(entry, username='bob')
    assert result.error is None, result.error
    assert result.user.name == 'Bob Marley'
    assert result.user.id_token_claims['iss'] == local_oidc_server.url + '/oauth'


def test_generic_preset_login(local_oidc_server):
    entry = presets.oidc(local_oidc_server.issuer, ID, SECRET, id=9, fetch_user_info=True)
    trip, result = flask_login(entry)
    assert result.error is None
    assert result.user.username == 'alice'


def test_github_preset_login_against_look_alike(local_oauth2_server):
    entry = presets.github(ID, SECRET, id=4, **local_oauth2_server.endpoints('github'))
    trip, result = flask_login(entry, username='bob')
    assert result.error is None, result.error
    user = result.user
    assert (user.username, user.name, user.email) == ('bob', 'Bob Marley', 'bob@example.org')
    assert user.picture.endswith('/pictures/bob.png')
    assert user.id.isdigit()
    assert 'code_challenge_method=S256' in trip.hops[0].location  # the server requires PKCE


def test_x_preset_login_against_look_alike(local_oauth2_server):
    entry = presets.x(ID, SECRET, id=5, **local_oauth2_server.endpoints('x'))
    trip, result = flask_login(entry)
    assert result.error is None, result.error
    user = result.user
    assert (user.id, user.username, user.name) == ('id-alice', 'alice', 'Alice Liddell')
    assert user.link == 'https://x.com/alice'
    assert query_of(trip.hops[0].location)['scope'] == ['users.read tweet.read']


def test_facebook_preset_login_against_look_alike(local_oauth2_server):
    entry = presets.facebook(ID, SECRET, id=6, **local_oauth2_server.endpoints('facebook'))
    trip, result = flask_login(entry, username='bob')
    assert result.error is None, result.error
    user = result.user
    assert (user.id, user.first_name, user.last_name, user.email) == (
        'id-bob', 'Bob', 'Marley', 'bob@example.org')
    assert user.picture.endswith('/pictures/bob.png')
    assert user.credentials.expire_in > 0


@pytest.mark.parametrize('name', ['github', 'x', 'facebook'])
def test_social_preset_with_failing_profile_api_is_an_error(local_oauth2_server, name):
    entry = getattr(presets, name)(ID, SECRET, id=4, **local_oauth2_server.endpoints(name))
    local_oauth2_server.fault('userinfo', '500')
    trip, result = flask_login(entry)
    assert result.error is not None and result.user is None
    assert 'HTTP 500' in result.error.message
