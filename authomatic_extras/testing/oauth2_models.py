"""What the local OAuth 2.0 server stores: clients, authorization codes and
tokens, shaped as Authlib's server mixins expect them.

Plain objects with no server logic; :mod:`.oauth2_server` keeps them in its
thread-safe stores and :mod:`.oauth2_views` hands them to Authlib.
"""
import hmac
import time
from urllib.parse import urlsplit

__all__ = ['LocalClient', 'AuthorizationCode', 'Token', 'LOOPBACK_HOSTS']

#: Host names the default client accepts in any redirect URI.
LOOPBACK_HOSTS = ('127.0.0.1', 'localhost', '::1')

#: Seconds an authorization code stays redeemable.
CODE_LIFETIME = 600


class LocalClient(object):
    """A registered OAuth 2.0 client.

    :param str client_id:
    :param str client_secret:
    :param list redirect_uris: exact redirect URIs, or ``None`` to accept any
        loopback URI (the default client does this).
    """

    def __init__(self, client_id, client_secret, redirect_uris=None):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris) if redirect_uris else None

    # -- Authlib ClientMixin ----------------------------------------------
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return scope or ''

    def check_redirect_uri(self, redirect_uri):
        if self.redirect_uris is not None:
            return redirect_uri in self.redirect_uris
        parts = urlsplit(redirect_uri)
        return (parts.scheme in ('http', 'https')
                and parts.hostname in LOOPBACK_HOSTS)

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(str(client_secret), self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ('client_secret_basic', 'client_secret_post')

    def check_response_type(self, response_type):
        return response_type == 'code'

    def check_grant_type(self, grant_type):
        return grant_type in ('authorization_code', 'refresh_token')

    def __repr__(self):
        return '<LocalClient {0}>'.format(self.client_id)


class AuthorizationCode(object):
    """An issued authorization code (Authlib's ``AuthorizationCodeMixin``,
    OpenID Connect's too: it keeps the request's ``nonce``)."""

    def __init__(self, code, client_id, redirect_uri, scope, user,
                 code_challenge, code_challenge_method, nonce=None):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.user = user
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
        self.nonce = nonce
        self.created = time.time()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return int(self.created)

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() - self.created > CODE_LIFETIME


class Token(object):
    """An issued access token and its refresh token (Authlib's
    ``TokenMixin``)."""

    def __init__(self, client, user, data):
        self.client = client
        self.user = user
        self.access_token = data['access_token']
        self.refresh_token = data.get('refresh_token')
        self.scope = data.get('scope', '')
        self.expires_in = int(data.get('expires_in') or 0)
        self.issued_at = time.time()
        self.revoked = False

    # -- Authlib TokenMixin -----------------------------------------------
    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return bool(self.expires_in) and time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.user

    def get_client(self):
        return self.client
