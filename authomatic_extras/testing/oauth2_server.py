"""A local OAuth 2.0 authorization server for tests, built on Authlib.

:class:`LocalOAuth2Server` is a real OAuth 2.0 / OpenID-Connect-style
authorization server (Authlib's Flask integration) that runs on
``127.0.0.1`` with no internet::

    from authomatic import Authomatic
    from authomatic_extras.testing import LocalOAuth2Server

    with LocalOAuth2Server() as server:
        config = {'local': server.config_entry(id=1)}
        authomatic = Authomatic(config, secret='s3cret')
        ...  # log in through /login/local as alice or bob

Endpoints (relative to :attr:`~LocalOAuth2Server.url`):

``GET /authorize``
    The consent page (see :func:`render_consent_page` for the stable field
    names). ``POST /authorize`` with ``username`` and ``decision=allow``
    redirects back with ``code`` and ``state``; ``decision=deny`` with
    ``error=access_denied`` (the core raises a ``CancellationError``).
``POST /token``
    ``authorization_code`` (PKCE ``S256`` or ``plain``; required when
    ``require_pkce=True``, the default) and ``refresh_token`` grants.
    Client authentication by HTTP Basic or ``client_id``/``client_secret``
    in the body.
``GET /userinfo``
    Bearer-protected; returns ``sub``, ``name``, ``email``,
    ``preferred_username``.
``GET /.well-known/openid-configuration``
    Discovery metadata (informational).

Redirect URIs: the default client accepts any ``http``/``https`` redirect
URI whose host is a loopback name (``127.0.0.1``, ``localhost``, ``::1``),
on any port and path. Clients made with
:meth:`LocalOAuth2Server.register_client` accept only the URIs they list.
"""
import secrets
import threading
import time
from urllib.parse import urlsplit

from ._base import LocalServerBase

__all__ = ['LocalOAuth2Server', 'LocalClient']

LOOPBACK_HOSTS = ('127.0.0.1', 'localhost', '::1')


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
        return secrets.compare_digest(str(client_secret), self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ('client_secret_basic', 'client_secret_post')

    def check_response_type(self, response_type):
        return response_type == 'code'

    def check_grant_type(self, grant_type):
        return grant_type in ('authorization_code', 'refresh_token')

    def __repr__(self):
        return '<LocalClient {0}>'.format(self.client_id)


class _AuthorizationCode(object):
    def __init__(self, code, client_id, redirect_uri, scope, user,
                 code_challenge, code_challenge_method):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.user = user
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
        self.created = time.time()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def is_expired(self):
        return time.time() - self.created > 600


class _Token(object):
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


class LocalOAuth2Server(LocalServerBase):
    """Local OAuth 2.0 authorization server with a consent page.

    :param users: list of :class:`~authomatic_extras.testing.LocalUser`;
        default alice (``Alice Liddell``, ``alice@example.org``, ``sub``
        ``id-alice``) and bob (``Bob Marley``, ``bob@example.org``,
        ``id-bob``).
    :param str client_id: id of the default client (accepts any loopback
        redirect URI).
    :param str client_secret: its secret.
    :param int expires_in: access token lifetime in seconds (may be changed
        later through the attribute; see also :meth:`expire_tokens`).
    :param bool require_pkce: if ``True`` (default) an authorization request
        without ``code_challenge`` is refused with ``invalid_request``.
    :param bool issue_refresh_tokens: issue refresh tokens (default ``True``).
    :param str host: interface and host name of :attr:`url`; ``'127.0.0.1'``
        by default. Browsers treat ``127.0.0.1`` and ``localhost`` as
        different sites: put the provider and the app on different ones to
        exercise cross-site cookie rules.
    :param int port: fixed port; ``0`` (default) picks a free one on
        :meth:`start`.

    Thread-safe: its stores are guarded by a lock and it serves each request
    in its own thread.
    """

    #: Endpoint names accepted by :meth:`fault`.
    FAULT_ENDPOINTS = ('authorize', 'token', 'userinfo')
    _fault_endpoints = FAULT_ENDPOINTS

    def __init__(self, users=None, client_id='local-client',
                 client_secret='local-secret', expires_in=3600,
                 require_pkce=True, issue_refresh_tokens=True,
                 host='127.0.0.1', port=0):
        super(LocalOAuth2Server, self).__init__(users=users, host=host, port=port)
        self.expires_in = expires_in
        self.require_pkce = require_pkce
        self.issue_refresh_tokens = issue_refresh_tokens
        self._lock = threading.Lock()
        self._clients = {}
        self._codes = {}
        self._tokens = {}
        self._refresh = {}
        self.default_client = self.register_client(
            None, client_id=client_id, client_secret=client_secret)

    # -- clients ----------------------------------------------------------
    def register_client(self, redirect_uris, client_id=None, client_secret=None):
        """Register a client and return its :class:`LocalClient`.

        :param list redirect_uris: the exact redirect URIs it may use, or
            ``None`` for any loopback URI.
        :param str client_id: default: a random id.
        :param str client_secret: default: a random secret.
        """
        if isinstance(redirect_uris, str):
            redirect_uris = [redirect_uris]
        client = LocalClient(client_id or 'client-' + secrets.token_hex(6),
                             client_secret or secrets.token_urlsafe(24),
                             redirect_uris)
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def get_client(self, client_id):
        with self._lock:
            return self._clients.get(client_id)

    # -- tokens -----------------------------------------------------------
    def expire_tokens(self):
        """Make every access token issued so far expired (refresh tokens stay
        valid), so a test can exercise ``credentials.refresh()``."""
        with self._lock:
            for token in self._tokens.values():
                token.issued_at = time.time() - token.expires_in - 1
                if not token.expires_in:
                    token.expires_in = 1

    def revoke_tokens(self):
        """Revoke every access and refresh token issued so far."""
        with self._lock:
            for token in self._tokens.values():
                token.revoked = True

    @property
    def token_count(self):
        """Number of access tokens issued so far."""
        with self._lock:
            return len(self._tokens)

    def _save_token(self, data, request):
        client = request.client
        user = request.user
        token = _Token(client, user, data)
        with self._lock:
            self._tokens[token.access_token] = token
            if token.refresh_token:
                self._refresh[token.refresh_token] = token

    def _find_token(self, access_token):
        with self._lock:
            return self._tokens.get(access_token)

    def _find_refresh(self, refresh_token):
        with self._lock:
            token = self._refresh.get(refresh_token)
        if token is not None and not token.revoked:
            return token
        return None

    def _save_code(self, code):
        with self._lock:
            self._codes[code.code] = code

    def _pop_code(self, code, client):
        with self._lock:
            found = self._codes.get(code)
            if found is None or found.client_id != client.client_id:
                return None
            return found

    def _delete_code(self, code):
        with self._lock:
            self._codes.pop(code.code, None)

    # -- configuration for the core --------------------------------------
    def config_entry(self, id=1, scope=('openid', 'profile', 'email'),
                     client=None, **extra):
        """Return the provider's entry for the authomatic core's config.

        :param int id: the unique integer the core needs to serialize
            credentials.
        :param scope: list of scopes (sent space-separated).
        :param LocalClient client: default: the default client.
        :param extra: more keys for the entry (e.g. ``timeout``).

        The entry uses :class:`authomatic_extras.testing.providers.LocalOAuth2`
        with ``provider_url`` set to :attr:`url`.
        """
        from .providers import LocalOAuth2

        client = client or self.default_client
        entry = {
            'class_': LocalOAuth2,
            'id': id,
            'consumer_key': client.client_id,
            'consumer_secret': client.client_secret,
            'scope': list(scope),
            'provider_url': self.url,
        }
        entry.update(extra)
        return entry

    # -- the WSGI app -----------------------------------------------------
    def _make_app(self):
        from ._oauth2_app import create_app
        return create_app(self)
