"""verify_id_token on its own: edge cases a look-alike issuer rarely sends."""
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from authomatic_extras.providers import errors
from authomatic_extras.providers.id_token import verify_id_token

ISSUER, CLIENT, NONCE = 'https://issuer.example', 'client-1', 'n' * 32


@pytest.fixture(scope='module')
def rsa():
    return RSAKey.generate_key(2048, parameters={'alg': 'RS256', 'use': 'sig'}, auto_kid=True)


def public(*keys):
    return KeySet([type(k).import_key(k.as_dict(private=False)) for k in keys])


def claims(**changes):
    now = int(time.time())
    base = {'iss': ISSUER, 'aud': CLIENT, 'sub': 'user-1', 'iat': now, 'exp': now + 300,
            'nonce': NONCE}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, body, alg='RS256', kid=True):
    header = {'alg': alg}
    if kid:
        header['kid'] = key.kid
    return jwt.encode(header, body, key, algorithms=[alg])


def verify(token, keys, **kwargs):
    return verify_id_token(token, lambda refresh: keys, ISSUER, CLIENT, NONCE, **kwargs)


def test_a_good_token_passes(rsa):
    assert verify(sign(rsa, claims()), public(rsa))['sub'] == 'user-1'


def test_no_kid_with_a_single_key_passes(rsa):
    assert verify(sign(rsa, claims(), kid=False), public(rsa))['sub'] == 'user-1'


def test_an_ec_key_works_when_advertised():
    key = ECKey.generate_key('P-256', parameters={'alg': 'ES256', 'use': 'sig'}, auto_kid=True)
    token = sign(key, claims(), alg='ES256')
    assert verify(token, public(key), algorithms=['RS256', 'ES256'])['sub'] == 'user-1'
    with pytest.raises(errors.IDTokenAlgorithmError, match='does not advertise'):
        verify(token, public(key))  # RS256 only by default


@pytest.mark.parametrize('changes, error, check', [
    ({'exp': 'tomorrow'}, errors.IDTokenExpired, 'exp'),
    ({'exp': None}, errors.IDTokenExpired, 'exp'),
    ({'iat': None}, errors.IDTokenIssuedAtError, 'iat'),
    ({'nbf': int(time.time()) + 3600}, errors.IDTokenIssuedAtError, 'nbf'),
    ({'sub': None}, errors.IDTokenSubjectError, 'sub'),
    ({'sub': 42}, errors.IDTokenSubjectError, 'sub'),
    ({'aud': [CLIENT, 'other']}, errors.IDTokenAuthorizedPartyError, 'azp'),
    ({'aud': 42}, errors.IDTokenAudienceError, 'aud'),
    ({'iss': None}, errors.IDTokenIssuerError, 'iss'),
    ({'nonce': 42}, errors.IDTokenNonceError, 'nonce'),
])
def test_bad_claims(rsa, changes, error, check):
    with pytest.raises(error) as caught:
        verify(sign(rsa, claims(**changes)), public(rsa))
    assert caught.value.check == check


def test_several_audiences_with_our_azp_pass(rsa):
    body = claims(aud=[CLIENT, 'other'], azp=CLIENT)
    assert verify(sign(rsa, body), public(rsa))['azp'] == CLIENT


def test_payload_that_is_not_an_object_is_malformed(rsa):
    from joserfc import jws

    token = jws.serialize_compact({'alg': 'RS256', 'kid': rsa.kid}, b'[1, 2]', rsa)
    with pytest.raises(errors.IDTokenMalformed, match='not a JSON object'):
        verify(token, public(rsa))


def test_unknown_kid_asks_for_a_refresh_once(rsa):
    other = RSAKey.generate_key(2048, parameters={'alg': 'RS256'}, auto_kid=True)
    calls = []

    def keys(refresh):
        calls.append(refresh)
        return public(other) if not refresh else public(other, rsa)

    token = sign(rsa, claims())
    assert verify_id_token(token, keys, ISSUER, CLIENT, NONCE)['sub'] == 'user-1'
    assert calls == [False, True]
