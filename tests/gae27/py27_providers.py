# -*- coding: utf-8 -*-
"""A Python 2.7 client class for the local OAuth 2.0 provider.

A plain OAuth 2.0 authorization-code client (the local server is started
without PKCE for this job), with every URL derived from the config entry's
``provider_url``, space-separated scopes and the OpenID Connect user info
claims. The core wants the protocol class as the first base and a module
level ``PROVIDER_ID_MAP``.
"""
from __future__ import absolute_import

from authomatic.providers.oauth2 import OAuth2

__all__ = ['LocalOAuth2Py27', 'PROVIDER_ID_MAP']


class LocalOAuth2Py27(OAuth2):
    """Client of ``authomatic_extras.testing.LocalOAuth2Server``."""

    def __init__(self, *args, **kwargs):
        super(LocalOAuth2Py27, self).__init__(*args, **kwargs)
        entry = self.settings.config.get(self.name) or {}
        self.provider_url = entry['provider_url'].rstrip('/')

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
        return ' '.join(scope) if scope else ''

    @staticmethod
    def _x_user_parser(user, data):
        user.id = data.get('sub') or user.id
        user.name = data.get('name') or user.name
        user.email = data.get('email') or user.email
        user.username = data.get('preferred_username') or user.username
        return user


PROVIDER_ID_MAP = [LocalOAuth2Py27]
