# -*- coding: utf-8 -*-
"""OpenID Connect for the authomatic core: :class:`OIDC`.

A config entry names the issuer; the rest comes from its discovery
document::

    CONFIG = {
        'google': {
            'class_': 'authomatic_extras.providers.OIDC',   # or the class
            'id': 10,
            'issuer': 'https://accounts.google.com',
            'consumer_key': 'CLIENT_ID',
            'consumer_secret': 'CLIENT_SECRET',
            'scope': ['openid', 'profile', 'email'],
        },
    }

The login is the authorization code flow with a ``nonce`` and PKCE
(``S256``). The id_token in the token response is verified
(:func:`~authomatic_extras.providers.id_token.verify_id_token`) and its claims
become ``result.user``: ``id`` (``sub``), ``name``, ``first_name``
(``given_name``), ``last_name`` (``family_name``), ``username``
(``preferred_username``), ``email``, ``email_verified``, ``picture``,
``locale``; ``result.user.data`` holds every claim and
``result.user.id_token_claims`` the verified id_token's. Every failure ends
in ``result.error`` as an :mod:`~authomatic_extras.providers.errors` class
that names the failed step.

Config entry settings besides the core's OAuth 2.0 ones:

``issuer`` (required)
    The issuer URL, exactly as the discovery document and the id_tokens
    spell it.
``discovery_url``
    Default ``issuer + '/.well-known/openid-configuration'``.
``issuer_aliases``
    Other spellings of the issuer accepted in an id_token's ``iss`` (Google
    documents ``accounts.google.com`` next to ``https://accounts.google.com``).
``fetch_user_info``
    ``True``: also fetch the userinfo endpoint during the login (its ``sub``
    must match the id_token's). Default ``False``: the id_token's claims are
    the user; ``result.user.update()`` fetches userinfo later.
``clock_skew``
    Seconds allowed on ``exp``/``iat``/``nbf``; default 60.
``pkce``
    Default ``True``.
``nonce_store``
    Where accepted nonces are recorded so that each works once; default
    :data:`authomatic_extras.providers.nonce_store.default_store` (this
    process). See :mod:`~authomatic_extras.providers.nonce_store`.
``timeout``
    Seconds for discovery and JWKS fetches when no ``fetch_timeout`` is in
    force (the Flask extension sets one); default 20.

This module needs Python 3 (joserfc). Gen-1 App Engine's Python 2.7
import path never imports it.
"""
from __future__ import annotations

import secrets
import time
from typing import Any, Dict, Optional

from authomatic import core
from authomatic.exceptions import ConfigError

from authomatic_extras.providers.discovery import cache
from authomatic_extras.providers.errors import (IDTokenError, IDTokenMissing,
                                                IDTokenNonceReplayed, OIDCError,
                                                UserInfoError)
from authomatic_extras.providers.id_token import DEFAULT_LEEWAY, verify_id_token
from authomatic_extras.providers.nonce_store import default_store
from authomatic_extras.providers.pkce import PKCE, setting

__all__ = ['OIDC', 'PKCE', 'PROVIDER_ID_MAP', 'OIDCError', 'IDTokenError']

#: Key of the nonce in the login state.
NONCE_KEY = 'nonce'

#: Accepted nonces are remembered at least this long (seconds).
NONCE_MIN_TTL = 3600


def _email_verified(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):  # some issuers send "true"/"false"
        return value.lower() == 'true'
    return None


def map_claims(user: core.User, claims: Dict[str, Any]) -> core.User:
    """Put standard OpenID Connect claims onto the core's ``User``."""
    get = claims.get
    user.id = get('sub') or user.id
    user.username = get('preferred_username') or get('nickname') or user.username
    user.name = get('name') or user.name
    user.first_name = get('given_name') or user.first_name
    user.last_name = get('family_name') or user.last_name
    user.nickname = get('nickname') or user.nickname
    user.email = get('email') or user.email
    verified = _email_verified(get('email_verified'))
    if verified is not None or not hasattr(user, 'email_verified'):
        user.email_verified = verified
    user.picture = get('picture') or user.picture
    user.locale = get('locale') or user.locale
    user.link = get('profile') or user.link
    user.timezone = get('zoneinfo') or user.timezone
    user.phone = get('phone_number') or user.phone
    return user


class OIDC(PKCE):
    """An OpenID Connect provider, configured by ``issuer`` URL (see the
    module's documentation for the config entry)."""

    supported_user_attributes = core.SupportedUserAttributes(
        id=True, name=True, first_name=True, last_name=True, username=True, nickname=True,
        email=True, picture=True, locale=True, link=True, timezone=True, phone=True)

    #: Scope used when the config entry names none.
    default_scope = ['openid', 'profile', 'email']

    def _kwarg(self, kwargs: Dict[str, Any], kwname: str, default: Any = None) -> Any:
        return setting(self, kwargs, kwname, default)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDC, self).__init__(*args, **kwargs)
        issuer = self._kwarg(kwargs, 'issuer')
        if not issuer or not isinstance(issuer, str):
            raise ConfigError('The config entry of OpenID Connect provider "{0}" needs an '
                              '"issuer" URL.'.format(self.name))
        #: The issuer URL.
        self.issuer = issuer
        self.discovery_url = (self._kwarg(kwargs, 'discovery_url')
                              or issuer.rstrip('/') + '/.well-known/openid-configuration')
        self.issuer_aliases = tuple(self._kwarg(kwargs, 'issuer_aliases') or ())
        self.fetch_user_info = bool(self._kwarg(kwargs, 'fetch_user_info', False))
        self.clock_skew = int(self._kwarg(kwargs, 'clock_skew', DEFAULT_LEEWAY))
        self.nonce_store = self._kwarg(kwargs, 'nonce_store') or default_store
        self.timeout = self._kwarg(kwargs, 'timeout')
        scope = list(self.scope or self.default_scope)
        if 'openid' not in scope:
            scope.insert(0, 'openid')
        self.scope = scope
        #: The verified id_token's claims, after a successful login.
        self.id_token_claims: Optional[Dict[str, Any]] = None

    # -- discovery --------------------------------------------------------

    @property
    def metadata(self) -> Dict[str, Any]:
        """The issuer's discovery document (cached; see
        :mod:`~authomatic_extras.providers.discovery`)."""
        return cache.metadata(self.discovery_url, self.issuer, self.timeout)

    @property
    def user_authorization_url(self) -> str:  # type: ignore[override]
        return str(self.metadata['authorization_endpoint'])

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return str(self.metadata['token_endpoint'])

    @property
    def user_info_url(self) -> str:  # type: ignore[override]
        return str(self.metadata.get('userinfo_endpoint') or '')

    def _keys(self, refresh: bool) -> Any:
        return cache.keys(self.metadata['jwks_uri'], refresh=refresh, timeout=self.timeout)

    # -- the login ----------------------------------------------------------

    def _x_scope_parser(self, scope: Any) -> str:
        # RFC 6749 section 3.3: space-delimited.
        if isinstance(scope, str):
            return scope
        return ' '.join(scope) if scope else ''

    @staticmethod
    def _x_user_parser(user: core.User, data: Dict[str, Any]) -> core.User:
        return map_claims(user, data)

    def login(self) -> Any:
        params = self.params if self.adapter is not None else None
        if self.adapter is not None and (
                not params or (len(params) == 1 and 'user_state' in params)):
            nonce = secrets.token_urlsafe(24)
            self._session_set(NONCE_KEY, nonce)
            self.user_authorization_params = dict(self.user_authorization_params or {},
                                                  nonce=nonce)
        return super(OIDC, self).login()

    def _update_or_create_user(self, data: Any, credentials: Any = None,
                               content: Any = None) -> core.User:
        if credentials is None:  # result.user.update(): a userinfo answer
            return super(OIDC, self)._update_or_create_user(data, credentials, content)
        claims = self.check_id_token(data.get('id_token') if isinstance(data, dict) else None)
        self.id_token_claims = claims
        user_data = dict(claims)
        response = None
        if self.fetch_user_info and self.user_info_url:
            response = self._fetch_user_info(claims['sub'])
            user_data.update(response.data)
        user = super(OIDC, self)._update_or_create_user(
            user_data, credentials, response.content if response is not None else content)
        user.id_token_claims = claims
        return user

    def check_id_token(self, id_token: Any) -> Dict[str, Any]:
        """Verify the id_token of this login's token response and return its
        claims; the nonce then counts as used.

        :raises authomatic_extras.providers.errors.OIDCError: a subclass
            naming what failed.
        """
        if not id_token:
            raise IDTokenMissing('The token response from {0} has no id_token (is "openid" '
                                 'in the scope?).'.format(self.access_token_url))
        nonce = self._session_get(NONCE_KEY)
        claims = verify_id_token(
            id_token, self._keys, self.issuer, self.consumer_key or '',
            nonce if nonce is not None else '',
            algorithms=self.metadata.get('id_token_signing_alg_values_supported'),
            leeway=self.clock_skew, issuer_aliases=self.issuer_aliases)
        expires = max(float(claims['exp']) + self.clock_skew, time.time() + NONCE_MIN_TTL)
        if not self.nonce_store.use(claims['nonce'], expires):
            raise IDTokenNonceReplayed(
                'The id_token\'s nonce was already used by an earlier login: a replayed '
                'callback. Start the login again.')
        return claims

    def _fetch_user_info(self, sub: str) -> Any:
        response = self._access_user_info()
        data = response.data if response.status == 200 else None
        if not isinstance(data, dict) or data.get('sub') != sub:
            self.user = None
            raise UserInfoError(
                'The userinfo endpoint {0} answered HTTP {1} {2}.'.format(
                    self.user_info_url, response.status,
                    'for another subject' if isinstance(data, dict) else 'without claims'),
                url=self.user_info_url, status=response.status)
        return response

    def _access_user_info(self) -> Any:
        if self.user is None:  # during the login, before the user exists
            self.user = core.User(self, credentials=self.credentials)
        return super(OIDC, self)._access_user_info()


#: Provider classes of this module (the core's rule for serializing credentials).
PROVIDER_ID_MAP = [OIDC]
