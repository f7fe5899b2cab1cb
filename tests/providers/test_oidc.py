"""authomatic_extras.providers.OIDC against the local server in OpenID Connect
mode: real Authlib issuer, real RSA-signed id_tokens, real HTTP."""
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from authomatic import Authomatic
from authomatic.core import resolve_provider_class
from werkzeug.test import Client

from authomatic_extras.providers import OIDC, errors
from authomatic_extras.providers.discovery import cache
from authomatic_extras.testing import (LocalOAuth2Server, login_with_test_client,
                                       make_flask_login_app, replace_query)
from authomatic_extras.testing.apps import make_login_app


def flask_login(config, name='local_oidc', username='alice', **extension_kwargs):
    """Log in through FlaskAuthomatic; returns (trip, result)."""
    seen = []
    app = make_flask_login_app(config, view_hook=seen.append, **extension_kwargs)
    trip = login_with_test_client(app.test_client(), '/login/' + name, username=username)
    return trip, (seen[0] if seen else None)


def authorization_query(trip):
    return parse_qs(urlsplit(trip.hops[0].location).query)


def test_class_resolves_from_its_dotted_string():
    assert resolve_provider_class('authomatic_extras.providers.OIDC') is OIDC


def test_login_maps_verified_claims_onto_the_user(local_oidc_server, oidc_config):
    trip, result = flask_login(oidc_config, username='bob')
    assert result.error is None
    user = result.user
    assert (user.id, user.name, user.email, user.username) == (
        'id-bob', 'Bob Marley', 'bob@example.org', 'bob')
    assert user.email_verified is True
    assert (user.first_name, user.last_name, user.locale) == ('Bob', 'Marley', 'en-GB')
    assert user.picture == local_oidc_server.url + '/pictures/bob.png'
    assert user.id_token_claims['iss'] == local_oidc_server.issuer
    assert user.id_token_claims['aud'] == ['local-client']
    assert user.credentials.token
    # Credentials of the class serialize and come back (the core's class rules).
    extension = Authomatic(oidc_config, 'secret')
    assert extension.credentials(user.credentials.serialize()).token == user.credentials.token


def test_authorization_request_carries_nonce_and_s256_challenge(local_oidc_server,
                                                                 oidc_config):
    trip, result = flask_login(oidc_config)
    query = authorization_query(trip)
    assert query['scope'] == ['openid profile email']
    assert query['code_challenge_method'] == ['S256']
    assert len(query['code_challenge'][0]) == 43
    nonce = query['nonce'][0]
    assert len(nonce) >= 32
    assert result.user.id_token_claims['nonce'] == nonce
    assert 'code_verifier' not in trip.hops[0].location


def test_openid_scope_is_always_requested(local_oidc_server):
    config = {'local_oidc': local_oidc_server.oidc_config_entry(scope=['profile'])}
    trip, result = flask_login(config)
    assert authorization_query(trip)['scope'] == ['openid profile']
    assert result.user.id == 'id-alice' and result.user.email is None


def test_works_with_the_plain_core_too(local_oidc_server, oidc_config):
    trip = login_with_test_client(Client(make_login_app(oidc_config)), '/login/local_oidc',
                                  username='bob')
    assert trip.json()['user']['id'] == 'id-bob'
    assert 'nonce=' in trip.hops[0].location


def test_userinfo_fetched_during_login_when_asked(local_oidc_server):
    config = {'local_oidc': local_oidc_server.oidc_config_entry(fetch_user_info=True)}
    trip, result = flask_login(config)
    assert result.error is None
    assert result.user.data['preferred_username'] == 'alice'
    assert result.user.content  # the userinfo answer


def test_userinfo_later_with_user_update(local_oidc_server, oidc_config):
    trip, result = flask_login(oidc_config)
    result.user.name = None
    result.user.update()
    assert result.user.name == 'Alice Liddell'


def test_failing_userinfo_is_a_typed_error(local_oidc_server):
    config = {'local_oidc': local_oidc_server.oidc_config_entry(fetch_user_info=True)}
    local_oidc_server.fault('userinfo', '500')
    trip, result = flask_login(config)
    assert isinstance(result.error, errors.UserInfoError)
    assert result.user is None


def test_discovery_is_cached(local_oidc_server, oidc_config):
    before = local_oidc_server.requests('discovery'), local_oidc_server.requests('jwks')
    for _ in range(3):
        trip, result = flask_login(oidc_config)
        assert result.error is None
    assert local_oidc_server.requests('discovery') == before[0] + 1
    assert local_oidc_server.requests('jwks') == before[1] + 1


# -- negative id_token cases -------------------------------------------------

@pytest.mark.parametrize('fault, error, check', [
    ('wrong_aud', errors.IDTokenAudienceError, 'aud'),
    ('azp_mismatch', errors.IDTokenAuthorizedPartyError, 'azp'),
    ('wrong_iss', errors.IDTokenIssuerError, 'iss'),
    ('expired', errors.IDTokenExpired, 'exp'),
    ('future_iat', errors.IDTokenIssuedAtError, 'iat'),
    ('no_nonce', errors.IDTokenNonceError, 'nonce'),
    ('wrong_nonce', errors.IDTokenNonceError, 'nonce'),
    ('bad_signature', errors.IDTokenSignatureError, 'signature'),
    ('unknown_kid', errors.IDTokenKeyError, 'kid'),
    ('alg_none', errors.IDTokenAlgorithmError, 'alg'),
    ('hs256_public_key', errors.IDTokenAlgorithmError, 'alg'),
    ('malformed', errors.IDTokenMalformed, 'format'),
    ('no_id_token', errors.IDTokenMissing, 'id_token'),
])
def test_bad_id_token_is_refused_with_a_typed_error(local_oidc_server, oidc_config,
                                                     fault, error, check):
    local_oidc_server.id_token_fault(fault)
    trip, result = flask_login(oidc_config)
    assert type(result.error) is error, result.error
    assert isinstance(result.error, errors.IDTokenError)
    assert result.error.check == check
    assert result.user is None
    assert trip.response.status_code == 401
    assert trip.json()['error_type'] == error.__name__


def test_expired_within_clock_skew_passes_and_beyond_fails(local_oidc_server):
    local_oidc_server.id_token_lifetime = -30  # expired 30 s ago
    config = {'local_oidc': local_oidc_server.oidc_config_entry()}
    assert flask_login(config)[1].error is None  # default skew: 60 s
    config['local_oidc']['clock_skew'] = 10
    assert isinstance(flask_login(config)[1].error, errors.IDTokenExpired)


def test_rotated_key_refetches_the_jwks_once(local_oidc_server, oidc_config):
    assert flask_login(oidc_config)[1].error is None  # JWKS cached with the old key
    jwks_before = local_oidc_server.requests('jwks')
    new_kid = local_oidc_server.rotate_signing_key(keep_previous=False)
    trip, result = flask_login(oidc_config)
    assert result.error is None
    assert local_oidc_server.requests('jwks') == jwks_before + 1
    assert new_kid in [key.kid for key in cache.keys(local_oidc_server.jwks_uri)]


def test_unknown_kid_refetches_exactly_once_then_fails(local_oidc_server, oidc_config):
    assert flask_login(oidc_config)[1].error is None
    jwks_before = local_oidc_server.requests('jwks')
    local_oidc_server.id_token_fault('unknown_kid')
    trip, result = flask_login(oidc_config)
    assert isinstance(result.error, errors.IDTokenKeyError)
    assert local_oidc_server.requests('jwks') == jwks_before + 1


def test_replayed_callback_is_refused_by_the_nonce(local_oidc_server, oidc_config,
                                                  callback_for):
    """An issuer that lets a code be redeemed twice: replaying the callback
    with the session cookie of before the login must still fail."""
    local_oidc_server.reuse_codes = True
    app = make_flask_login_app(oidc_config)
    client = app.test_client()
    callback = callback_for(client, '/login/local_oidc')
    cookie = client.get_cookie('session').value
    first = client.get(callback)
    assert first.status_code == 200, first.get_json()
    client.set_cookie('session', cookie)  # the attacker's copy of the old state
    replay = client.get(callback)
    assert replay.status_code == 401
    assert replay.get_json()['error_type'] == 'IDTokenNonceReplayed'


def test_tampered_state_cannot_swap_the_nonce(local_oidc_server, oidc_config, callback_for):
    app = make_flask_login_app(oidc_config)
    client = app.test_client()
    callback = callback_for(client, '/login/local_oidc')
    client.set_cookie('session', 'forged')
    answer = client.get(callback)
    assert answer.status_code == 401
    assert answer.get_json()['user'] is None


def test_multi_tenant_issuer_takes_the_tenant_from_tid(local_oidc_server):
    """Microsoft's 'common' endpoint: discovery names {tenantid} in the issuer."""
    base = local_oidc_server.url
    config = {'local_oidc': local_oidc_server.oidc_config_entry(
        issuer=base + '/{tenantid}/v2.0',
        discovery_url=base + '/common/v2.0/.well-known/openid-configuration')}
    trip, result = flask_login(config)
    assert result.error is None, result.error
    assert result.user.id_token_claims['iss'] == (
        base + '/' + LocalOAuth2Server.TENANT_ID + '/v2.0')
    assert trip.hops[1].url.startswith(base + '/common/v2.0/authorize?')


# -- discovery and JWKS faults -----------------------------------------------

def test_wrong_issuer_in_discovery_is_refused(local_oidc_server):
    config = {'local_oidc': local_oidc_server.oidc_config_entry(
        issuer=local_oidc_server.url + '/',  # not the issuer's exact spelling
        discovery_url=local_oidc_server.url + '/.well-known/openid-configuration')}
    app = make_flask_login_app(config)
    answer = app.test_client().get('/login/local_oidc')
    assert answer.status_code == 401
    assert answer.get_json()['error_type'] == 'DiscoveryError'
    assert 'fix "issuer"' in answer.get_json()['error']


@pytest.mark.parametrize('kind', ['500', 'html', 'garbage', 'truncated_json'])
def test_broken_discovery_is_a_discovery_error(local_oidc_server, oidc_config, kind):
    local_oidc_server.fault('discovery', kind)
    answer = make_flask_login_app(oidc_config).test_client().get('/login/local_oidc')
    assert answer.status_code == 401
    assert answer.get_json()['error_type'] == 'DiscoveryError'


def test_slow_discovery_is_bounded_by_fetch_timeout(local_oidc_server, oidc_config):
    local_oidc_server.fault('discovery', 'slow', seconds=3)
    app = make_flask_login_app(oidc_config, fetch_timeout=0.5)
    started = time.monotonic()
    answer = app.test_client().get('/login/local_oidc')
    assert time.monotonic() - started < 2.5
    assert answer.get_json()['error_type'] == 'DiscoveryError'


@pytest.mark.parametrize('kind', ['500', 'html', 'garbage'])
def test_broken_jwks_is_a_jwks_error(local_oidc_server, oidc_config, kind):
    local_oidc_server.fault('jwks', kind)
    trip, result = flask_login(oidc_config)
    assert isinstance(result.error, errors.JWKSError)
    assert result.user is None


def test_unreachable_jwks_is_a_jwks_error(local_oidc_server, oidc_config):
    with socket.socket() as probe:  # a port where nobody listens
        probe.bind(('127.0.0.1', 0))
        closed = 'http://127.0.0.1:{0}/jwks'.format(probe.getsockname()[1])
    local_oidc_server.advertised_jwks_uri = closed
    trip, result = flask_login(oidc_config)
    assert isinstance(result.error, errors.JWKSError)
    assert closed in result.error.message
    assert result.user is None


def test_slow_jwks_is_bounded_by_fetch_timeout(local_oidc_server, oidc_config):
    local_oidc_server.fault('jwks', 'slow', seconds=3)
    started = time.monotonic()
    trip, result = flask_login(oidc_config, fetch_timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert isinstance(result.error, errors.JWKSError)
    assert 'within 0.5 s' in result.error.message


def test_missing_issuer_is_a_config_error():
    from authomatic.exceptions import ConfigError

    app = make_flask_login_app({'p': {'class_': OIDC, 'consumer_key': 'k',
                                      'consumer_secret': 's'}})
    app.testing = True  # let the exception through to the test
    with pytest.raises(ConfigError, match='needs an "issuer"'):
        app.test_client().get('/login/p')


def test_callback_values_are_checked_not_trusted(local_oidc_server, oidc_config, callback_for):
    app = make_flask_login_app(oidc_config)
    client = app.test_client()
    callback = callback_for(client, '/login/local_oidc')
    answer = client.get(replace_query(callback, code='forged-code'))
    assert answer.status_code == 401
    assert answer.get_json()['user'] is None


def test_oidc_credentials_refresh_through_discovery(local_oidc_server, oidc_config):
    trip, result = flask_login(oidc_config)
    serialized = result.user.credentials.serialize()
    credentials = Authomatic(oidc_config, 'secret').credentials(serialized)
    assert credentials.refresh_token
    response = credentials.refresh(force=True)
    assert response.status == 200
    assert credentials.token != result.user.credentials.token
    assert credentials.provider_class is OIDC


def test_id_token_without_stored_nonce_is_refused():
    """verify_id_token's own contract: a login that stored no nonce fails."""
    from joserfc import jwt
    from joserfc.jwk import KeySet, RSAKey

    from authomatic_extras.providers.id_token import verify_id_token

    key = RSAKey.generate_key(2048, parameters={'alg': 'RS256', 'use': 'sig'}, auto_kid=True)
    now = int(time.time())
    token = jwt.encode({'alg': 'RS256', 'kid': key.kid},
                       {'iss': 'https://i', 'aud': 'c', 'sub': 's', 'iat': now,
                        'exp': now + 60, 'nonce': 'n' * 32}, key)
    keys = KeySet([RSAKey.import_key(key.as_dict(private=False))])
    assert verify_id_token(token, lambda refresh: keys, 'https://i', 'c', 'n' * 32)['sub'] == 's'
    with pytest.raises(errors.IDTokenNonceError, match='stored no nonce'):
        verify_id_token(token, lambda refresh: keys, 'https://i', 'c', '')
    with pytest.raises(errors.IDTokenNonceError, match='not the one'):
        verify_id_token(token, lambda refresh: keys, 'https://i', 'c', 'm' * 32)


def test_two_logins_in_flight_in_one_browser_each_keep_their_nonce(local_oidc_server,
                                                                  oidc_config, callback_for):
    app = make_flask_login_app(oidc_config)
    client = app.test_client()
    first = callback_for(client, '/login/local_oidc', username='alice')
    second = callback_for(client, '/login/local_oidc', username='bob')
    answers = [client.get(second), client.get(first)]  # the later tab answers first
    assert [a.status_code for a in answers] == [200, 200], [a.get_json() for a in answers]
    assert [a.get_json()['user']['id'] for a in answers] == ['id-bob', 'id-alice']


def test_issuer_alias_is_accepted_only_when_configured():
    from joserfc import jwt
    from joserfc.jwk import KeySet, RSAKey

    from authomatic_extras.providers.id_token import verify_id_token

    key = RSAKey.generate_key(2048, parameters={'alg': 'RS256', 'use': 'sig'}, auto_kid=True)
    now = int(time.time())
    token = jwt.encode({'alg': 'RS256', 'kid': key.kid},
                       {'iss': 'accounts.google.com', 'aud': 'c', 'sub': 's', 'iat': now,
                        'exp': now + 60}, key)
    keys = KeySet([RSAKey.import_key(key.as_dict(private=False))])
    issuer = 'https://accounts.google.com'
    with pytest.raises(errors.IDTokenIssuerError):
        verify_id_token(token, lambda refresh: keys, issuer, 'c', None)
    claims = verify_id_token(token, lambda refresh: keys, issuer, 'c', None,
                             issuer_aliases=['accounts.google.com'])
    assert claims['sub'] == 's'


def test_trickling_discovery_is_bounded_as_a_whole(local_oidc_server, trickling_server):
    trickle = trickling_server(interval=0.2, total=4.0)
    config = {'local_oidc': local_oidc_server.oidc_config_entry(
        discovery_url=trickle.url + '/.well-known/openid-configuration')}
    app = make_flask_login_app(config, fetch_timeout=0.5)
    started = time.monotonic()
    answer = app.test_client().get('/login/local_oidc')
    elapsed = time.monotonic() - started
    assert answer.get_json()['error_type'] == 'DiscoveryError'
    assert 'did not answer within 0.5 s' in answer.get_json()['error']
    assert elapsed < 2.0, elapsed
