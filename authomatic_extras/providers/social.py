# -*- coding: utf-8 -*-
"""Maintained OAuth 2.0 providers with PKCE, for providers that speak no
OpenID Connect (or whose core class has rotted):

* :class:`GitHub` -- the core's ``oauth2.GitHub`` with PKCE;
* :class:`X` -- X (Twitter) on OAuth 2.0 (the core has only OAuth 1.0a);
* :class:`Facebook` -- the Graph API on a version you choose (the core's
  class calls Graph v2.3, retired in 2017).

Each fetches the user's profile during the login (config
``'fetch_user_info': False`` waits for ``result.user.update()`` instead) and
takes its endpoints from the config entry's ``authorization_endpoint``,
``token_endpoint`` and ``userinfo_endpoint`` when given (the production URLs
otherwise), so tests can point them at a local server. Use them through
:mod:`authomatic_extras.providers.presets`.
"""
from authomatic import core
from authomatic.exceptions import FailureError
from authomatic.providers import oauth2

from authomatic_extras.providers.pkce import PKCE, setting

__all__ = ['GitHub', 'X', 'Facebook', 'PKCE', 'PROVIDER_ID_MAP', 'FACEBOOK_API_VERSION']

#: The Graph API version :class:`Facebook` uses unless ``api_version`` is set.
FACEBOOK_API_VERSION = 'v23.0'


class _Maintained(object):
    """Endpoints from the config entry, space-separated scopes, and the
    profile fetched during the login."""

    default_authorization_endpoint = ''
    default_token_endpoint = ''
    default_userinfo_endpoint = ''

    def _kwarg(self, kwargs, kwname, default=None):
        return setting(self, kwargs, kwname, default)

    def _endpoint(self, name):
        return (self._kwarg({}, name + '_endpoint')
                or getattr(self, 'default_' + name + '_endpoint').format(
                    version=self._kwarg({}, 'api_version', FACEBOOK_API_VERSION)))

    @property
    def user_authorization_url(self):
        return self._endpoint('authorization')

    @property
    def access_token_url(self):
        return self._endpoint('token')

    @property
    def user_info_url(self):
        return self._endpoint('userinfo')

    def _x_scope_parser(self, scope):
        if isinstance(scope, str):
            return scope
        return ' '.join(scope) if scope else ''

    def _update_or_create_user(self, data, credentials=None, content=None):
        user = super(_Maintained, self)._update_or_create_user(data, credentials, content)
        if credentials is not None and self._kwarg({}, 'fetch_user_info', True):
            response = self._access_user_info()
            if response.status != 200 or not isinstance(response.data, dict):
                self.user = None
                raise FailureError(
                    'Failed to fetch the user\'s profile from {0}: HTTP {1}.'.format(
                        self.user_info_url, response.status),
                    status=response.status, url=self.user_info_url)
            user = super(_Maintained, self)._update_or_create_user(
                response.data, content=response.content)
            user.id = str(user.id) if user.id is not None else None
        return user


class GitHub(PKCE, _Maintained, oauth2.GitHub):
    """GitHub (OAuth apps and GitHub apps) with PKCE. Scope
    ``['read:user', 'user:email']`` gives the name and the primary e-mail."""

    default_authorization_endpoint = 'https://github.com/login/oauth/authorize'
    default_token_endpoint = 'https://github.com/login/oauth/access_token'
    default_userinfo_endpoint = 'https://api.github.com/user'

    def __init__(self, *args, **kwargs):
        super(GitHub, self).__init__(*args, **kwargs)
        # GitHub answers the token request in JSON only when asked to.
        self.access_token_headers = dict(self.access_token_headers or {},
                                         Accept='application/json')


class X(PKCE, _Maintained, oauth2.OAuth2):
    """X (formerly Twitter) on OAuth 2.0 with PKCE (which X requires).
    Scope ``['users.read', 'tweet.read']`` (add ``'offline.access'`` for a
    refresh token). X has no e-mail in this API."""

    default_authorization_endpoint = 'https://x.com/i/oauth2/authorize'
    default_token_endpoint = 'https://api.x.com/2/oauth2/token'
    default_userinfo_endpoint = ('https://api.x.com/2/users/me'
                                 '?user.fields=id,name,username,profile_image_url')

    supported_user_attributes = core.SupportedUserAttributes(
        id=True, name=True, username=True, picture=True, link=True)

    @classmethod
    def _x_request_elements_filter(cls, request_type, request_elements, credentials):
        if request_type in (cls.ACCESS_TOKEN_REQUEST_TYPE, cls.REFRESH_TOKEN_REQUEST_TYPE):
            # Confidential clients authenticate with HTTP Basic only.
            url, method, params, headers, body = request_elements
            params.pop('client_secret', None)
            request_elements = core.RequestElements(url, method, params, headers, body)
        return request_elements

    @staticmethod
    def _x_user_parser(user, data):
        found = data.get('data') if isinstance(data.get('data'), dict) else {}
        user.id = found.get('id') or user.id
        user.name = found.get('name') or user.name
        user.username = found.get('username') or user.username
        user.picture = found.get('profile_image_url') or user.picture
        if user.username:
            user.link = 'https://x.com/' + user.username
        return user

    @classmethod
    def _x_credentials_parser(cls, credentials, data):
        if str(data.get('token_type', '')).lower() == 'bearer':
            credentials.token_type = cls.BEARER
        return credentials


class Facebook(PKCE, _Maintained, oauth2.Facebook):
    """Facebook Login on the Graph API version of the config entry's
    ``api_version`` (default :data:`FACEBOOK_API_VERSION`). Scope
    ``['email', 'public_profile']``."""

    default_authorization_endpoint = 'https://www.facebook.com/{version}/dialog/oauth'
    default_token_endpoint = 'https://graph.facebook.com/{version}/oauth/access_token'
    default_userinfo_endpoint = 'https://graph.facebook.com/{version}/me'

    #: Profile fields requested from ``/me``.
    fields = 'id,name,first_name,last_name,email,picture'

    def __init__(self, *args, **kwargs):
        super(Facebook, self).__init__(*args, **kwargs)
        if self.popup:  # the core appended it to its own URL
            self.user_authorization_params = dict(self.user_authorization_params or {},
                                                  display='popup')

    def access(self, url, params=None, **kwargs):
        params = dict(params or {})
        params.setdefault('fields', self.fields)
        return super(oauth2.Facebook, self).access(url, params, **kwargs)

    @staticmethod
    def _x_user_parser(user, data):
        picture = data.get('picture')
        if isinstance(picture, dict) and isinstance(picture.get('data'), dict):
            user.picture = picture['data'].get('url') or user.picture
        return user

    @classmethod
    def _x_credentials_parser(cls, credentials, data):
        credentials.expire_in = data.get('expires_in') or data.get('expires')
        if str(data.get('token_type', '')).lower() == 'bearer':
            credentials.token_type = cls.BEARER
        return credentials


#: Provider classes of this module (the core's rule for serializing credentials).
PROVIDER_ID_MAP = [GitHub, X, Facebook]
