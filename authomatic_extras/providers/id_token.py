# -*- coding: utf-8 -*-
"""Verification of OpenID Connect id_tokens (Core 1.0, section 3.1.3.7).

:func:`verify_id_token` checks, in this order, and raises the
:mod:`~authomatic_extras.providers.errors` class of the first check that
fails:

1. the token is a compact JWS whose payload is a JSON object;
2. ``alg`` is an asymmetric algorithm the issuer advertises (never
   ``none``, never HMAC: an HMAC "signed" with the issuer's public key would
   otherwise verify);
3. the issuer's JWKS has the key named by ``kid`` (an unknown ``kid``
   fetches the JWKS again, once: the issuer rotated its keys);
4. the signature verifies with that key (joserfc);
5. ``iss``, ``aud``, ``azp``, ``exp``, ``iat``/``nbf`` (with ``leeway``
   seconds of clock skew), ``sub`` and ``nonce``.
"""
from __future__ import annotations

import hmac
import json
import math
import time
from typing import Any, Callable, Collection, Dict, Optional

from joserfc import jws
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from authomatic_extras.providers.errors import (IDTokenAlgorithmError, IDTokenAudienceError,
                                                IDTokenAuthorizedPartyError, IDTokenExpired,
                                                IDTokenIssuedAtError, IDTokenIssuerError,
                                                IDTokenKeyError, IDTokenMalformed,
                                                IDTokenNonceError, IDTokenSignatureError,
                                                IDTokenSubjectError)

__all__ = ['verify_id_token', 'ASYMMETRIC_ALGORITHMS', 'DEFAULT_LEEWAY']

#: The only algorithms an id_token may be signed with.
ASYMMETRIC_ALGORITHMS = ('RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
                         'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519')

#: Seconds of clock skew allowed on ``exp``, ``iat`` and ``nbf``.
DEFAULT_LEEWAY = 60


def _allowed(advertised: Optional[Collection[str]]) -> Collection[str]:
    # Discovery 1.0: RS256 when the issuer lists nothing.
    listed = advertised if advertised else ('RS256',)
    return [alg for alg in listed if alg in ASYMMETRIC_ALGORITHMS]


def _check_alg(alg: Any, advertised: Optional[Collection[str]]) -> str:
    if not isinstance(alg, str) or not alg or alg.lower() == 'none':
        raise IDTokenAlgorithmError(
            'The id_token is unsigned (alg "none"): refused.')
    if alg.upper().startswith('HS'):
        raise IDTokenAlgorithmError(
            'The id_token is signed with HMAC ({0}): refused, only the issuer\'s '
            'asymmetric keys are accepted.'.format(alg))
    if alg not in _allowed(advertised):
        raise IDTokenAlgorithmError(
            'The id_token is signed with {0}, which the issuer does not advertise '
            '(id_token_signing_alg_values_supported: {1}).'.format(
                alg, ', '.join(advertised or ['RS256'])))
    return alg


def _matching_key(keys: KeySet, kid: Optional[str], alg: str) -> Any:
    """The signing key for ``alg`` named ``kid`` (or the only one, without a
    ``kid``), else ``None``."""
    found = [key for key in keys.keys
             if (kid is None or key.kid == kid)
             and key.get('use') in (None, 'sig') and key.get('alg') in (None, alg)]
    if kid is None and len(found) != 1:
        return None
    return found[0] if found else None


def _find_key(keys: Callable[[bool], KeySet], kid: Optional[str], alg: str) -> Any:
    for refresh in (False, True):
        key = _matching_key(keys(refresh), kid, alg)
        if key is not None:
            return key
    raise IDTokenKeyError(
        'The issuer\'s JWKS has no {0} key with kid {1!r}, even after fetching it '
        'again.'.format(alg, kid))


def _check_times(claims: Dict[str, Any], now: float, leeway: int) -> None:
    registry = JWTClaimsRegistry(now=int(now), leeway=leeway,
                                 exp={'essential': True}, iat={'essential': True})
    times = {name: claims[name] for name in ('exp', 'iat', 'nbf') if name in claims}
    try:
        registry.validate(times)
    except ExpiredTokenError as exc:
        raise IDTokenExpired('The id_token expired at {0} (now {1}, {2} s of clock skew '
                             'allowed).'.format(claims.get('exp'), int(now), leeway)) from exc
    except MissingClaimError as exc:
        check = 'exp' if 'exp' not in times else 'iat'
        error = IDTokenExpired if check == 'exp' else IDTokenIssuedAtError
        raise error('The id_token has no "{0}" claim.'.format(check)) from exc
    except (InvalidClaimError, JoseError) as exc:  # joserfc 1.0 says InvalidTokenError for nbf
        if not _numeric(claims.get('exp')):
            raise IDTokenExpired('The id_token\'s "exp" is not a time.') from exc
        nbf = claims.get('nbf')
        check = 'nbf' if 'nbf' in claims and not (
            _numeric(nbf) and nbf <= now + leeway) else 'iat'
        raise IDTokenIssuedAtError(
            'The id_token\'s "{0}" ({1}) is not a time or lies in the future (now {2}, '
            '{3} s of clock skew allowed).'.format(check, claims.get(check), int(now), leeway),
            check=check) from exc


def _numeric(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _check_audience(claims: Dict[str, Any], client_id: str) -> None:
    aud = claims.get('aud')
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise IDTokenAudienceError(
            'The id_token is for audience {0!r}, not this client ({1!r}).'.format(
                aud, client_id))
    azp = claims.get('azp')
    if azp is not None and azp != client_id:
        raise IDTokenAuthorizedPartyError(
            'The id_token was issued to authorized party {0!r}, not this client '
            '({1!r}).'.format(azp, client_id))
    if azp is None and len(audiences) > 1:
        raise IDTokenAuthorizedPartyError(
            'The id_token has several audiences {0!r} but no "azp" claim naming this '
            'client.'.format(audiences))


def verify_id_token(id_token: Any, keys: Callable[[bool], KeySet], issuer: str,
                    client_id: str, nonce: Optional[str],
                    algorithms: Optional[Collection[str]] = None,
                    leeway: int = DEFAULT_LEEWAY, now: Optional[float] = None,
                    issuer_aliases: Collection[str] = ()) -> Dict[str, Any]:
    """Verify ``id_token`` and return its claims.

    :param keys: ``keys(refresh)`` returns the issuer's :class:`KeySet`;
        called with ``True`` at most once, when the token names a key the
        cached set lacks.
    :param issuer: the expected ``iss``. An issuer with ``{tenantid}`` in it
        (Microsoft's multi-tenant endpoints) expects the token's ``tid`` there.
    :param client_id: this client, which ``aud`` must contain.
    :param nonce: the nonce this login sent; ``None`` skips the check.
    :param algorithms: the issuer's ``id_token_signing_alg_values_supported``.
    :param leeway: seconds of clock skew allowed.
    :param issuer_aliases: other spellings of the issuer accepted in ``iss``
        (Google's id_tokens may say ``accounts.google.com``).
    :raises authomatic_extras.providers.errors.IDTokenError: a subclass
        naming the failed check.
    """
    if not isinstance(id_token, str) or id_token.count('.') != 2:
        raise IDTokenMalformed('The id_token is not a compact JWS (three dot-separated parts).')
    try:
        signed = jws.extract_compact(id_token.encode('ascii'))
        header = signed.headers()
    except (JoseError, ValueError, TypeError, UnicodeError) as exc:
        raise IDTokenMalformed('The id_token cannot be parsed ({0}).'.format(exc)) from exc
    alg = _check_alg(header.get('alg'), algorithms)
    kid = header.get('kid')
    key = _find_key(keys, kid if isinstance(kid, str) else None, alg)
    try:
        valid = jws.validate_compact(signed, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError) as exc:
        raise IDTokenSignatureError('The id_token\'s signature cannot be checked with key '
                                    '{0!r} ({1}).'.format(kid, exc)) from exc
    if not valid:
        raise IDTokenSignatureError('The id_token\'s signature is not valid for key '
                                    '{0!r} of the issuer.'.format(kid))
    try:
        claims = json.loads(signed.payload.decode('utf-8'))
    except (ValueError, UnicodeError, AttributeError) as exc:
        raise IDTokenMalformed('The id_token\'s payload is not JSON.') from exc
    if not isinstance(claims, dict):
        raise IDTokenMalformed('The id_token\'s payload is not a JSON object.')

    expected_issuer = issuer
    if '{tenantid}' in issuer and isinstance(claims.get('tid'), str):
        expected_issuer = issuer.replace('{tenantid}', claims['tid'])
    if claims.get('iss') != expected_issuer and claims.get('iss') not in issuer_aliases:
        raise IDTokenIssuerError('The id_token was issued by {0!r}, not {1!r}.'.format(
            claims.get('iss'), expected_issuer))
    _check_audience(claims, client_id)
    _check_times(claims, time.time() if now is None else now, leeway)
    sub = claims.get('sub')
    if not isinstance(sub, str) or not sub:
        raise IDTokenSubjectError('The id_token has no "sub" (subject) string.')
    if nonce is not None:
        found = claims.get('nonce')
        if found is None:
            raise IDTokenNonceError('The id_token has no "nonce": it may have been issued '
                                    'for another login.')
        if not nonce:
            raise IDTokenNonceError('This login stored no nonce (its login state was lost or '
                                    'replaced): start the login again.')
        if not isinstance(found, str) or not hmac.compare_digest(
                found.encode('utf-8'), nonce.encode('utf-8')):
            raise IDTokenNonceError('The id_token\'s "nonce" is not the one this login sent.')
    return claims
