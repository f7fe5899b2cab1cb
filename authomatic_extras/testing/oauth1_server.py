"""A local OAuth 1.0a provider for tests, built on Authlib.

:class:`LocalOAuth1Server` has the shape of
:class:`~authomatic_extras.testing.LocalOAuth2Server` (users, consent page,
faults, ``start()``/``stop()``, ``config_entry()``) for the core's OAuth 1.0a
code path. Endpoints (relative to :attr:`~LocalOAuth1Server.url`):

``GET /oauth/request_token``
    Temporary credentials. GET, as the core sends it (Authlib defaults to
    POST; POST works too). HMAC-SHA1 and PLAINTEXT signatures. Any absolute
    ``oauth_callback`` is accepted.
``GET /oauth/authorize``
    The consent page; ``POST`` it with ``username`` and ``decision``.
    Allow redirects to the callback with ``oauth_token`` and
    ``oauth_verifier``; Deny with ``denied=<oauth_token>`` (Twitter's style,
    the only denial the core recognises).
``GET|POST /oauth/access_token``
    Token credentials.
``GET /userinfo``
    OAuth 1.0a-signed; returns ``sub``, ``name``, ``email``,
    ``preferred_username``.
"""
import secrets
import threading

from ._base import LocalServerBase
from .oauth1_models import LocalOAuth1Client

__all__ = ['LocalOAuth1Server', 'LocalOAuth1Client']


class LocalOAuth1Server(LocalServerBase):
    """Local OAuth 1.0a provider with a consent page.

    :param users: list of :class:`~authomatic_extras.testing.LocalUser`
        (default alice and bob).
    :param str client_id: the default consumer key.
    :param str client_secret: the default consumer secret.
    :param str host: ``'127.0.0.1'`` by default.
    :param int port: ``0`` (default) picks a free port on :meth:`start`.
    """

    #: Endpoint names accepted by :meth:`fault`.
    FAULT_ENDPOINTS = ('request_token', 'authorize', 'token', 'userinfo')
    _fault_endpoints = FAULT_ENDPOINTS

    def __init__(self, users=None, client_id='local-oauth1-client',
                 client_secret='local-oauth1-secret', host='127.0.0.1', port=0):
        super(LocalOAuth1Server, self).__init__(users=users, host=host, port=port)
        self._lock = threading.Lock()
        self._clients = {}
        self._temporary = {}
        self._tokens = {}
        self._nonces = set()
        self.default_client = self.register_client(client_id, client_secret)

    def register_client(self, client_id=None, client_secret=None):
        """Register a consumer and return its :class:`LocalOAuth1Client`."""
        client = LocalOAuth1Client(client_id or 'client-' + secrets.token_hex(6),
                                   client_secret or secrets.token_urlsafe(24))
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def get_client(self, client_id):
        with self._lock:
            return self._clients.get(client_id)

    @property
    def token_count(self):
        """Number of token credentials issued so far."""
        with self._lock:
            return len(self._tokens)

    def revoke_tokens(self):
        """Forget every token credential issued so far."""
        with self._lock:
            self._tokens.clear()

    # -- stores used by the app ------------------------------------------
    def _use_nonce(self, key):
        """Return ``True`` if ``key`` was seen before (a replay)."""
        with self._lock:
            if key in self._nonces:
                return True
            self._nonces.add(key)
            return False

    def _save_temporary(self, credential):
        with self._lock:
            self._temporary[credential.oauth_token] = credential
        return credential

    def _get_temporary(self, token):
        with self._lock:
            return self._temporary.get(token)

    def _delete_temporary(self, token):
        with self._lock:
            self._temporary.pop(token, None)

    def _save_token(self, credential):
        with self._lock:
            self._tokens[credential.oauth_token] = credential
        return credential

    def _get_token(self, token):
        with self._lock:
            return self._tokens.get(token)

    # -- configuration for the core --------------------------------------
    def config_entry(self, id=2, client=None, **extra):
        """Return the provider's entry for the authomatic core's config
        (class :class:`~authomatic_extras.testing.providers.LocalOAuth1`).

        :param int id: the unique integer the core needs to serialize
            credentials.
        :param LocalOAuth1Client client: default: the default client.
        :param extra: more keys for the entry (e.g. ``timeout``).
        """
        from .providers import LocalOAuth1

        client = client or self.default_client
        entry = {
            'class_': LocalOAuth1,
            'id': id,
            'consumer_key': client.client_id,
            'consumer_secret': client.client_secret,
            'provider_url': self.url,
        }
        entry.update(extra)
        return entry

    def _make_app(self):
        from .oauth1_views import create_app
        return create_app(self)
