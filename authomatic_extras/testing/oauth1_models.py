"""What the local OAuth 1.0a server stores: consumers and credentials,
shaped as Authlib's OAuth 1.0a server mixins expect them.

Plain objects; :mod:`.oauth1_server` keeps them in its thread-safe stores and
:mod:`.oauth1_views` hands them to Authlib.
"""
import hmac
import time

__all__ = ['LocalOAuth1Client', 'Credential']


class LocalOAuth1Client(object):
    """A registered OAuth 1.0a client (consumer)."""

    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret

    # -- Authlib ClientMixin ----------------------------------------------
    def get_default_redirect_uri(self):
        return None

    def get_client_secret(self):
        return self.client_secret

    def get_rsa_public_key(self):
        return None

    def __repr__(self):
        return '<LocalOAuth1Client {0}>'.format(self.client_id)


class Credential(object):
    """Temporary or token credential."""

    def __init__(self, token, client_id, redirect_uri=None):
        self.oauth_token = token['oauth_token']
        self.oauth_token_secret = token['oauth_token_secret']
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.user = None
        self.verifier = None
        self.created = time.time()

    def get_client_id(self):
        return self.client_id

    def get_user_id(self):
        return self.user.sub if self.user else None

    def get_redirect_uri(self):
        return self.redirect_uri

    def check_verifier(self, verifier):
        return bool(self.verifier) and hmac.compare_digest(
            str(verifier), self.verifier)

    def get_oauth_token(self):
        return self.oauth_token

    def get_oauth_token_secret(self):
        return self.oauth_token_secret
