# -*- coding: utf-8 -*-
"""The local OAuth 2.0 provider as the App Engine benchmarks log in with it.

Its URL is set by the benchmark, not read from the config: upstream's
``NDBConfig`` (an ``ndb.Model``) cannot store extra keys, and both config
patterns must serve the same provider class. Runs on Python 2.7 (the
``python27`` runtime, with Google's SDK) and on Python 3, so both runtimes
make the same requests: authorization code with PKCE ``S256``, then the
token and the user info.
"""
from __future__ import absolute_import

import base64
import hashlib
import os

from authomatic import core
from authomatic.providers.oauth2 import OAuth2

#: Set by the benchmark before the first login.
PROVIDER_URL = None


def _urlsafe(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')


class BenchLocalOAuth2(OAuth2):
    """``LocalOAuth2Server``'s client: spaces between scopes, PKCE, user info."""

    supported_user_attributes = core.SupportedUserAttributes(id=True, name=True, email=True)

    @property
    def user_authorization_url(self):
        return PROVIDER_URL + '/authorize'

    @property
    def access_token_url(self):
        return PROVIDER_URL + '/token'

    @property
    def user_info_url(self):
        return PROVIDER_URL + '/userinfo'

    def _x_scope_parser(self, scope):
        return ' '.join(scope) if isinstance(scope, list) else scope

    @staticmethod
    def _x_user_parser(user, data):
        user.id = data.get('sub')
        user.name = data.get('name')
        user.email = data.get('email')
        return user

    def login(self):
        params = self.params
        if not params or (len(params) == 1 and 'user_state' in params):
            verifier = _urlsafe(os.urandom(48))
            self._session_set('pkce_verifier', verifier)
            self.user_authorization_params = dict(
                self.user_authorization_params, code_challenge_method='S256',
                code_challenge=_urlsafe(hashlib.sha256(verifier.encode('ascii')).digest()))
        elif params.get('code'):
            verifier = self._session_get('pkce_verifier')
            if verifier:
                self.access_token_params = dict(self.access_token_params,
                                                code_verifier=verifier)
        return super(BenchLocalOAuth2, self).login()

    def _update_or_create_user(self, data, credentials=None, content=None):
        user = super(BenchLocalOAuth2, self)._update_or_create_user(data, credentials, content)
        if credentials is not None:
            response = self._access_user_info()
            user = super(BenchLocalOAuth2, self)._update_or_create_user(
                response.data, content=response.content)
        return user


PROVIDER_ID_MAP = [BenchLocalOAuth2]
