"""Provider classes of the authomatic core for the local test servers.

Use them through the servers' ``config_entry()``; written by hand a config
entry looks like this::

    from authomatic_extras.testing.providers import LocalOAuth2

    CONFIG = {
        'local': {
            'class_': LocalOAuth2,          # or its dotted path as a string
            'id': 1,                        # needed to serialize credentials
            'consumer_key': 'local-client',
            'consumer_secret': 'local-secret',
            'scope': ['openid', 'profile', 'email'],
            'provider_url': 'http://127.0.0.1:8765',
        },
    }

Config keys understood besides the core's own:

``provider_url``
    Base URL of the local server (required); ports vary per run, so the
    endpoints are derived from it rather than fixed on the class.
``fetch_user_info``
    ``True`` (default): the login fetches the user info endpoint itself, so
    ``result.user`` arrives with ``id``, ``name``, ``email`` and
    ``username`` and a failing user info endpoint ends the login with
    ``result.error``. ``False``: behave like the core's providers (call
    ``result.user.update()`` yourself).
``pkce`` (OAuth 2.0 only)
    ``True`` (default): send a PKCE ``S256`` code challenge
    (:class:`authomatic_extras.providers.pkce.PKCE`).
``timeout``
    Seconds to wait for each back-channel request (token, user info). The
    core's HTTP client has none; when set, a request that takes longer ends
    the login with a ``FetchError`` in ``result.error`` (the abandoned request
    finishes in a background thread). Default: no timeout, as in the core.

This module follows the core's rules for provider classes: it defines
``PROVIDER_ID_MAP``, and the protocol classes ``PKCE`` (OAuth 2.0 with PKCE)
and ``OAuth1`` (the first base of each class) are importable from it,
because serialized credentials name
``authomatic_extras.testing.providers.PKCE`` or ``...OAuth1``.

It runs on Python 2.7 too: gen-1 App Engine apps name ``LocalOAuth2`` in
their config.
"""
import threading

import six

from authomatic import core
from authomatic.exceptions import ConfigError, FailureError, FetchError
from authomatic.providers.oauth1 import OAuth1
from authomatic.providers.oauth2 import OAuth2

from authomatic_extras.providers.pkce import PKCE, code_challenge, setting

__all__ = ['LocalOAuth2', 'LocalOAuth1', 'OAuth2', 'OAuth1', 'PKCE', 'PROVIDER_ID_MAP',
           'pkce_challenge']

#: The PKCE ``S256`` code challenge of a verifier (RFC 7636), for tests that
#: talk to the local server directly.
pkce_challenge = code_challenge


def _parse_user(user, data):
    get = getattr(data, 'get', None)
    if get is None or not isinstance(data, dict):
        return user
    user.id = get('sub') or user.id
    user.username = get('preferred_username') or user.username
    user.name = get('name') or user.name
    user.email = get('email') or user.email
    return user


def _base_url(provider, kwargs):
    url = provider._kwarg(kwargs, 'provider_url')
    if not url:
        raise ConfigError('The config entry of provider "{0}" needs a '
                          '"provider_url" (the local server\'s url).'.format(
                              provider.name))
    return url.rstrip('/')


def _fetch_with_timeout(fetch, timeout, args, kwargs):
    """Run the core's ``_fetch`` and give up after ``timeout`` seconds."""
    if not timeout:
        return fetch(*args, **kwargs)
    box = {}

    def run():
        try:
            box['response'] = fetch(*args, **kwargs)
        except Exception as error:  # handed over to the caller below
            box['error'] = error

    thread = threading.Thread(target=run, name='authomatic-fetch')
    thread.daemon = True  # Python 2.7's Thread takes no ``daemon`` argument
    thread.start()
    thread.join(float(timeout))
    if thread.is_alive():
        raise FetchError('Fetching URL timed out after {0} s'.format(timeout),
                         url=args[0] if args else kwargs.get('url'))
    if 'error' in box:
        raise box['error']
    return box['response']


def _fetch_user_info(provider):
    """Fetch the user info endpoint during the login (inside the core's
    ``login_decorator``, so failures become ``result.error``)."""
    try:
        response = provider._access_user_info()
    except Exception:
        provider.user = None
        raise
    try:
        data = response.data
    except Exception:  # e.g. binary junk the core's parser cannot decode
        data = None
    if (response.status != 200 or not isinstance(data, dict)
            or not data.get('sub')):
        # No half-made user in result.user next to result.error.
        provider.user = None
        raise FailureError(
            'Failed to fetch user info from {0}! HTTP status: {1}.'.format(
                provider.user_info_url, response.status),
            original_message=_safe_content(response),
            status=response.status, url=provider.user_info_url)
    return response


def _safe_content(response):
    try:
        return response.content
    except Exception:  # undecodable junk
        return '<undecodable content>'


_SUPPORTED = core.SupportedUserAttributes(id=True, name=True, email=True,
                                          username=True)


class LocalOAuth2(PKCE):
    """OAuth 2.0 provider for :class:`~authomatic_extras.testing.LocalOAuth2Server`.

    Authorization code flow with PKCE (``S256``), space-separated scopes,
    and a user parser mapping ``sub`` to ``id``, ``name``, ``email`` and
    ``preferred_username`` to ``username``. Works for
    ``Authomatic.credentials()``, ``Authomatic.access()`` and
    ``credentials.refresh()`` (``refresh_token`` grant), since every URL is
    derived from the config entry's ``provider_url``.
    """

    supported_user_attributes = _SUPPORTED

    def _kwarg(self, kwargs, kwname, default=None):
        return setting(self, kwargs, kwname, default)

    def __init__(self, *args, **kwargs):
        super(LocalOAuth2, self).__init__(*args, **kwargs)
        self.provider_url = _base_url(self, kwargs)
        self.fetch_user_info = self._kwarg(kwargs, 'fetch_user_info', True)
        self.timeout = self._kwarg(kwargs, 'timeout')

    @property
    def user_authorization_url(self):
        return self.provider_url + '/authorize'

    @property
    def access_token_url(self):
        return self.provider_url + '/token'

    @property
    def user_info_url(self):
        return self.provider_url + '/userinfo'

    def _x_scope_parser(self, scope):
        # RFC 6749 section 3.3: space-delimited.
        if isinstance(scope, six.string_types):
            return scope
        return ' '.join(scope) if scope else ''

    @staticmethod
    def _x_user_parser(user, data):
        return _parse_user(user, data)

    def _update_or_create_user(self, data, credentials=None, content=None):
        user = super(LocalOAuth2, self)._update_or_create_user(
            data, credentials, content)
        if credentials is not None and self.fetch_user_info:
            response = _fetch_user_info(self)
            user = super(LocalOAuth2, self)._update_or_create_user(
                response.data, content=response.content)
        return user

    def _fetch(self, *args, **kwargs):
        return _fetch_with_timeout(super(LocalOAuth2, self)._fetch,
                                   self.timeout, args, kwargs)


class LocalOAuth1(OAuth1):
    """OAuth 1.0a provider for :class:`~authomatic_extras.testing.LocalOAuth1Server`.

    HMAC-SHA1 signatures, endpoints under the config entry's
    ``provider_url`` (``/oauth/request_token``, ``/oauth/authorize``,
    ``/oauth/access_token``, ``/userinfo``), same user parser as
    :class:`LocalOAuth2`.
    """

    supported_user_attributes = _SUPPORTED

    def _kwarg(self, kwargs, kwname, default=None):
        return setting(self, kwargs, kwname, default)

    def __init__(self, *args, **kwargs):
        super(LocalOAuth1, self).__init__(*args, **kwargs)
        self.provider_url = _base_url(self, kwargs)
        self.fetch_user_info = self._kwarg(kwargs, 'fetch_user_info', True)
        self.timeout = self._kwarg(kwargs, 'timeout')

    @property
    def request_token_url(self):
        return self.provider_url + '/oauth/request_token'

    @property
    def user_authorization_url(self):
        return self.provider_url + '/oauth/authorize'

    @property
    def access_token_url(self):
        return self.provider_url + '/oauth/access_token'

    @property
    def user_info_url(self):
        return self.provider_url + '/userinfo'

    @staticmethod
    def _x_user_parser(user, data):
        return _parse_user(user, data)

    def _update_or_create_user(self, data, credentials=None, content=None):
        user = super(LocalOAuth1, self)._update_or_create_user(
            data, credentials, content)
        if credentials is not None and not (credentials.token
                                            and credentials.token_secret):
            # The core accepts any 2xx access token response, even one
            # without a token.
            self.user = None
            raise FailureError(
                'The access token response from {0} has no oauth_token and '
                'oauth_token_secret!'.format(self.access_token_url),
                url=self.access_token_url)
        if credentials is not None and self.fetch_user_info:
            response = _fetch_user_info(self)
            user = super(LocalOAuth1, self)._update_or_create_user(
                response.data, content=response.content)
        return user

    def _fetch(self, *args, **kwargs):
        return _fetch_with_timeout(super(LocalOAuth1, self)._fetch,
                                   self.timeout, args, kwargs)


#: Provider classes of this module, in the order the core uses to compute
#: ``type_id`` of serialized credentials. Append only.
PROVIDER_ID_MAP = [LocalOAuth2, LocalOAuth1]
