"""The OpenID Connect part of the local OAuth 2.0 server: its rotating RSA
signing keys, the claims it issues, and id_tokens it can spoil on purpose.

:class:`SigningKeys` holds the published key set (served as JWKS) and the key
new id_tokens are signed with. :func:`sign_id_token` signs claims with it, or
applies one of :data:`ID_TOKEN_FAULTS` so that a test can check that a
client refuses the token.
"""
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time

from joserfc import jwt
from joserfc.jwk import RSAKey

__all__ = ['SigningKeys', 'ID_TOKEN_FAULTS', 'sign_id_token', 'user_claims']

#: What :meth:`LocalOAuth2Server.id_token_fault` can do to the next id_tokens.
ID_TOKEN_FAULTS = (
    'wrong_aud',         # aud names another client
    'azp_mismatch',      # aud lists this client and another; azp names the other
    'wrong_iss',         # iss is another issuer
    'expired',           # exp an hour ago
    'future_iat',        # iat an hour from now
    'no_nonce',          # the nonce claim left out
    'wrong_nonce',       # a nonce the client never sent
    'bad_signature',     # signed with a key that is not the published one of its kid
    'unknown_kid',       # signed with a key that is never published
    'alg_none',          # unsigned, alg "none"
    'hs256_public_key',  # HS256 keyed with the issuer's public key (key confusion)
    'malformed',         # not a JWS at all
    'no_id_token',       # the token response has no id_token
)

_ALG = 'RS256'


def _new_key():
    return RSAKey.generate_key(2048, parameters={'use': 'sig', 'alg': _ALG}, auto_kid=True)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


class SigningKeys(object):
    """The issuer's RSA keys: the newest signs, all published ones verify."""

    def __init__(self):
        self._lock = threading.Lock()
        self._published = [_new_key()]

    @property
    def current(self):
        """The key new id_tokens are signed with."""
        with self._lock:
            return self._published[-1]

    def rotate(self, keep_previous=True):
        """Sign with a new key from now on, publish it, and keep publishing
        the previous one only if ``keep_previous``. Returns the new kid."""
        key = _new_key()
        with self._lock:
            self._published = (self._published[-1:] if keep_previous else []) + [key]
        return key.kid

    def jwks(self):
        """The published public keys as a JWKS document."""
        with self._lock:
            keys = list(self._published)
        return {'keys': [key.as_dict(private=False) for key in keys]}

    @property
    def kids(self):
        with self._lock:
            return [key.kid for key in self._published]


def user_claims(user, scope, base_url):
    """The OpenID Connect claims of a :class:`LocalUser` for ``scope``."""
    scopes = scope.split() if isinstance(scope, str) else list(scope or ())
    claims = {'sub': user.sub}
    if 'profile' in scopes:
        given, _, family = user.name.partition(' ')
        claims.update(name=user.name, given_name=given, family_name=family or None,
                      preferred_username=user.username, locale='en-GB',
                      picture='{0}/pictures/{1}.png'.format(base_url, user.username))
    if 'email' in scopes:
        claims.update(email=user.email, email_verified=True)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(header, claims):
    return '{0}.{1}.'.format(_b64(json.dumps(header).encode('utf-8')),
                             _b64(json.dumps(claims).encode('utf-8')))


def sign_id_token(keys, claims, client_id, fault=None):
    """The id_token of ``claims``, signed with the current key, or spoiled as
    ``fault`` (one of :data:`ID_TOKEN_FAULTS` except ``'no_id_token'``)."""
    claims = dict(claims)
    now = int(time.time())
    key = keys.current
    header = {'alg': _ALG, 'kid': key.kid, 'typ': 'JWT'}
    if fault == 'wrong_aud':
        claims['aud'] = ['another-client']
    elif fault == 'azp_mismatch':
        claims['aud'] = [client_id, 'another-client']
        claims['azp'] = 'another-client'
    elif fault == 'wrong_iss':
        claims['iss'] = 'https://issuer.invalid'
    elif fault == 'expired':
        claims.update(iat=now - 7200, exp=now - 3600, auth_time=now - 7200)
    elif fault == 'future_iat':
        claims.update(iat=now + 3600, exp=now + 7200)
    elif fault == 'no_nonce':
        claims.pop('nonce', None)
    elif fault == 'wrong_nonce':
        claims['nonce'] = secrets.token_urlsafe(24)
    elif fault == 'bad_signature':
        key = _new_key()
        header['kid'] = keys.current.kid  # claims to be the published key
    elif fault == 'unknown_kid':
        key = _new_key()
        header['kid'] = key.kid
    elif fault == 'malformed':
        return 'not-base64!.{0}.sig'.format(_b64(b'{}'))
    elif fault == 'alg_none':
        return _unsigned({'alg': 'none', 'typ': 'JWT'}, claims)
    elif fault == 'hs256_public_key':
        # The classic confusion: HMAC keyed with the public key's PEM, which
        # a verifier that trusts the header's alg would accept.
        public_pem = key.as_pem(private=False)
        signing_input = _unsigned({'alg': 'HS256', 'kid': key.kid, 'typ': 'JWT'},
                                  claims)[:-1]
        signature = hmac.new(public_pem, signing_input.encode('ascii'),
                             hashlib.sha256).digest()
        return signing_input + '.' + _b64(signature)
    elif fault is not None:
        raise ValueError('unknown id_token fault {0!r}; use one of {1}'.format(
            fault, ', '.join(ID_TOKEN_FAULTS)))
    return jwt.encode(header, claims, key, algorithms=[_ALG])
