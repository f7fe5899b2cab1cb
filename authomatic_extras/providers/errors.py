# -*- coding: utf-8 -*-
"""The errors an OpenID Connect login ends with, in ``result.error``.

Each is an :class:`authomatic.exceptions.BaseError` (``.message`` says what
failed and what to do), so apps that only look at ``result.error.message``
keep working. The class says which step failed::

    OIDCError (FailureError)
    +-- DiscoveryError (also FetchError)  the issuer's metadata
    +-- JWKSError (also FetchError)       the issuer's signing keys
    +-- UserInfoError                     the userinfo endpoint
    +-- IDTokenError                      the id_token; .check names the check
        +-- IDTokenMissing                  'id_token': none in the token response
        +-- IDTokenMalformed                'format': not a signed JWT with JSON claims
        +-- IDTokenAlgorithmError           'alg': none, HMAC, or not advertised
        +-- IDTokenKeyError                 'kid': no such key, even after a refetch
        +-- IDTokenSignatureError           'signature'
        +-- IDTokenIssuerError              'iss'
        +-- IDTokenAudienceError            'aud'
        +-- IDTokenAuthorizedPartyError     'azp'
        +-- IDTokenExpired                  'exp'
        +-- IDTokenIssuedAtError            'iat' (or 'nbf'): from the future
        +-- IDTokenSubjectError             'sub'
        +-- IDTokenNonceError               'nonce': missing or not this login's
            +-- IDTokenNonceReplayed          'nonce': already used once
"""
from authomatic.exceptions import FailureError, FetchError

__all__ = ['OIDCError', 'DiscoveryError', 'JWKSError', 'UserInfoError', 'IDTokenError',
           'IDTokenMissing', 'IDTokenMalformed', 'IDTokenAlgorithmError', 'IDTokenKeyError',
           'IDTokenSignatureError', 'IDTokenIssuerError', 'IDTokenAudienceError',
           'IDTokenAuthorizedPartyError', 'IDTokenExpired', 'IDTokenIssuedAtError',
           'IDTokenSubjectError', 'IDTokenNonceError', 'IDTokenNonceReplayed']


class OIDCError(FailureError):
    """An OpenID Connect login failed."""


class DiscoveryError(OIDCError, FetchError):
    """The issuer's ``.well-known/openid-configuration`` could not be fetched
    in time, is not a metadata document, or names another issuer."""


class JWKSError(OIDCError, FetchError):
    """The issuer's JWKS (``jwks_uri``) could not be fetched in time or holds
    no usable key."""


class UserInfoError(OIDCError):
    """The userinfo endpoint failed, or answered for another subject."""


class IDTokenError(OIDCError):
    """The id_token failed a check; :attr:`check` names it."""

    #: The check that failed: ``'id_token'``, ``'format'``, ``'alg'``,
    #: ``'kid'``, ``'signature'``, ``'iss'``, ``'aud'``, ``'azp'``, ``'exp'``,
    #: ``'iat'``, ``'nbf'``, ``'sub'`` or ``'nonce'``.
    check = 'id_token'

    def __init__(self, message, check=None, **kwargs):
        super(IDTokenError, self).__init__(message, **kwargs)
        if check is not None:
            self.check = check


class IDTokenMissing(IDTokenError):
    """The token response holds no id_token (was ``openid`` in the scope?)."""
    check = 'id_token'


class IDTokenMalformed(IDTokenError):
    """The id_token is not a compact JWS with a JSON object as payload."""
    check = 'format'


class IDTokenAlgorithmError(IDTokenError):
    """The id_token's ``alg`` is refused: ``none``, an HMAC algorithm (which
    would let the issuer's *public* key act as a shared secret), or one the
    issuer does not advertise."""
    check = 'alg'


class IDTokenKeyError(IDTokenError):
    """No key of the issuer's JWKS matches the id_token's ``kid``, even after
    fetching the JWKS again."""
    check = 'kid'


class IDTokenSignatureError(IDTokenError):
    """The id_token's signature does not verify with the issuer's key."""
    check = 'signature'


class IDTokenIssuerError(IDTokenError):
    """The ``iss`` claim is not the configured issuer."""
    check = 'iss'


class IDTokenAudienceError(IDTokenError):
    """The ``aud`` claim does not name this client."""
    check = 'aud'


class IDTokenAuthorizedPartyError(IDTokenError):
    """The ``azp`` claim names another client, or is missing although the
    token has several audiences."""
    check = 'azp'


class IDTokenExpired(IDTokenError):
    """The ``exp`` claim is in the past (beyond the allowed clock skew)."""
    check = 'exp'


class IDTokenIssuedAtError(IDTokenError):
    """The ``iat`` (or ``nbf``) claim is missing or lies in the future beyond
    the allowed clock skew."""
    check = 'iat'


class IDTokenSubjectError(IDTokenError):
    """The ``sub`` claim is missing or not a string."""
    check = 'sub'


class IDTokenNonceError(IDTokenError):
    """The ``nonce`` claim is missing or is not the one this login sent."""
    check = 'nonce'


class IDTokenNonceReplayed(IDTokenNonceError):
    """The ``nonce`` was already used by an earlier login: a replayed
    callback or id_token."""
