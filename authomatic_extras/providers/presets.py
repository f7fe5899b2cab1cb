# -*- coding: utf-8 -*-
"""Ready config entries for well-known providers.

Each function returns one entry for the core's config (a plain ``dict``
whose ``class_`` is a dotted string, so it can also be stored as text)::

    from authomatic_extras.providers import presets

    CONFIG = {
        'google': presets.google(GOOGLE_ID, GOOGLE_SECRET, id=1),
        'microsoft': presets.entra(MS_ID, MS_SECRET, id=2, tenant='contoso.onmicrosoft.com'),
        'github': presets.github(GH_ID, GH_SECRET, id=3),
    }

Every function takes ``client_id``, ``client_secret``, ``id`` (the unique
integer the core needs to serialize credentials), ``scope``, and any further
config settings as keyword arguments (they go into the entry as they are,
e.g. ``fetch_user_info=True`` or ``pkce=False``). PKCE is on in all of them.
The endpoints default to the providers' production URLs; ``issuer=`` (OpenID
Connect presets) or ``authorization_endpoint=``/``token_endpoint=``/
``userinfo_endpoint=`` (the others) point them elsewhere, e.g. at a local
test server.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

__all__ = ['oidc', 'google', 'entra', 'linkedin', 'github', 'x', 'facebook',
           'GOOGLE_ISSUER', 'ENTRA_AUTHORITY', 'LINKEDIN_ISSUER', 'OIDC_CLASS']

#: ``class_`` of the OpenID Connect presets.
OIDC_CLASS = 'authomatic_extras.providers.OIDC'

GOOGLE_ISSUER = 'https://accounts.google.com'
ENTRA_AUTHORITY = 'https://login.microsoftonline.com'
LINKEDIN_ISSUER = 'https://www.linkedin.com/oauth'

#: Entra ID tenants whose id_tokens name the user's own tenant as issuer.
ENTRA_MULTI_TENANT = ('common', 'organizations')

Entry = Dict[str, Any]


def _entry(class_: str, client_id: str, client_secret: str, id: int,
           scope: Iterable[str], settings: Dict[str, Any]) -> Entry:
    entry: Entry = {
        'class_': class_,
        'id': id,
        'consumer_key': client_id,
        'consumer_secret': client_secret,
        'scope': list(scope),
    }
    entry.update(settings)
    return entry


def oidc(issuer: str, client_id: str, client_secret: str, id: int,
         scope: Iterable[str] = ('openid', 'profile', 'email'), **settings: Any) -> Entry:
    """Any OpenID Connect issuer (Keycloak, Auth0, Okta, Authentik,
    Dex, ...), by its issuer URL."""
    return _entry(OIDC_CLASS, client_id, client_secret, id, scope,
                  dict(settings, issuer=issuer))


def google(client_id: str, client_secret: str, id: int,
           scope: Iterable[str] = ('openid', 'profile', 'email'), offline: bool = False,
           issuer: str = GOOGLE_ISSUER, **settings: Any) -> Entry:
    """Google (OpenID Connect). ``offline=True`` asks for a refresh token
    (``access_type=offline`` with ``prompt=consent``, which Google needs to
    send one again). Google's id_tokens may name the issuer without its
    scheme; both spellings are accepted."""
    if issuer == GOOGLE_ISSUER:
        settings.setdefault('issuer_aliases', ['accounts.google.com'])
    if offline:
        params = dict(settings.pop('user_authorization_params', None) or {})
        params.setdefault('access_type', 'offline')
        params.setdefault('prompt', 'consent')
        settings['user_authorization_params'] = params
    return oidc(issuer, client_id, client_secret, id, scope, **settings)


def entra(client_id: str, client_secret: str, id: int, tenant: str,
          scope: Iterable[str] = ('openid', 'profile', 'email'),
          authority: str = ENTRA_AUTHORITY, **settings: Any) -> Entry:
    """Microsoft Entra ID (Azure AD) v2.0 for ``tenant``: a tenant id (GUID)
    or domain for one organisation, ``'organizations'`` for any work or
    school account, ``'common'`` for those and personal Microsoft accounts,
    ``'consumers'`` for personal accounts only. Add ``'offline_access'`` to
    ``scope`` for a refresh token.

    With ``'common'`` and ``'organizations'`` the issuer of an id_token is
    the user's own tenant: the entry's issuer is
    ``https://login.microsoftonline.com/{tenantid}/v2.0`` and the token's
    ``tid`` claim fills it in.
    """
    if not tenant:
        raise ValueError('entra() needs a tenant: a tenant id or domain, "organizations", '
                         '"common" or "consumers".')
    authority = authority.rstrip('/')
    if tenant in ENTRA_MULTI_TENANT:
        settings.setdefault('discovery_url', '{0}/{1}/v2.0/.well-known/openid-configuration'
                            .format(authority, tenant))
        issuer = '{0}/{{tenantid}}/v2.0'.format(authority)
    else:
        issuer = '{0}/{1}/v2.0'.format(authority, tenant)
        if tenant == 'consumers':
            # Personal accounts' id_tokens name their fixed tenant.
            settings.setdefault('discovery_url', '{0}/consumers/v2.0/.well-known/'
                                'openid-configuration'.format(authority))
            issuer = '{0}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0'.format(authority)
    return oidc(issuer, client_id, client_secret, id, scope, **settings)


def linkedin(client_id: str, client_secret: str, id: int,
             scope: Iterable[str] = ('openid', 'profile', 'email'),
             issuer: str = LINKEDIN_ISSUER, **settings: Any) -> Entry:
    """LinkedIn, "Sign In with LinkedIn using OpenID Connect" (replaces the
    core's ``oauth2.LinkedIn``, whose v1 API LinkedIn switched off)."""
    return oidc(issuer, client_id, client_secret, id, scope, **settings)


def _endpoints(settings: Dict[str, Any], authorization_endpoint: Optional[str],
               token_endpoint: Optional[str],
               userinfo_endpoint: Optional[str]) -> Dict[str, Any]:
    for name, value in (('authorization_endpoint', authorization_endpoint),
                        ('token_endpoint', token_endpoint),
                        ('userinfo_endpoint', userinfo_endpoint)):
        if value:
            settings[name] = value
    return settings


def github(client_id: str, client_secret: str, id: int,
           scope: Iterable[str] = ('read:user', 'user:email'),
           authorization_endpoint: Optional[str] = None, token_endpoint: Optional[str] = None,
           userinfo_endpoint: Optional[str] = None, **settings: Any) -> Entry:
    """GitHub on OAuth 2.0 with PKCE (:class:`~authomatic_extras.providers.social.GitHub`)."""
    return _entry('authomatic_extras.providers.social.GitHub', client_id, client_secret, id,
                  scope, _endpoints(settings, authorization_endpoint, token_endpoint,
                                    userinfo_endpoint))


def x(client_id: str, client_secret: str, id: int,
      scope: Iterable[str] = ('users.read', 'tweet.read'),
      authorization_endpoint: Optional[str] = None, token_endpoint: Optional[str] = None,
      userinfo_endpoint: Optional[str] = None, **settings: Any) -> Entry:
    """X (Twitter) on OAuth 2.0 with PKCE (:class:`~authomatic_extras.providers.social.X`).
    Add ``'offline.access'`` to ``scope`` for a refresh token."""
    return _entry('authomatic_extras.providers.social.X', client_id, client_secret, id,
                  scope, _endpoints(settings, authorization_endpoint, token_endpoint,
                                    userinfo_endpoint))


def facebook(client_id: str, client_secret: str, id: int,
             scope: Iterable[str] = ('email', 'public_profile'),
             api_version: Optional[str] = None,
             authorization_endpoint: Optional[str] = None, token_endpoint: Optional[str] = None,
             userinfo_endpoint: Optional[str] = None, **settings: Any) -> Entry:
    """Facebook Login on the Graph API ``api_version`` (default
    :data:`authomatic_extras.providers.social.FACEBOOK_API_VERSION`), with
    PKCE (:class:`~authomatic_extras.providers.social.Facebook`)."""
    if api_version:
        settings['api_version'] = api_version
    return _entry('authomatic_extras.providers.social.Facebook', client_id, client_secret,
                  id, scope, _endpoints(settings, authorization_endpoint, token_endpoint,
                                        userinfo_endpoint))
