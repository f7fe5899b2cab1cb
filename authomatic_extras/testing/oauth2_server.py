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
    Discovery metadata (with ``jwks_uri`` and the signing algorithm in
    OpenID Connect mode).
``GET /jwks``
    OpenID Connect mode: the published public keys.
``GET /profiles/github``, ``/profiles/x``, ``/profiles/facebook``
    Bearer-protected look-alikes of those providers' profile APIs, for
    testing the presets of :mod:`authomatic_extras.providers.presets`.

OpenID Connect mode (``oidc=True``): an authorization request with the
``openid`` scope gets an id_token in the token response, signed (RS256) with
the current key of :attr:`LocalOAuth2Server.signing_keys`, carrying the
request's ``nonce``; :meth:`~LocalOAuth2Server.rotate_signing_key` rotates
the key and :meth:`~LocalOAuth2Server.id_token_fault` spoils the next
id_tokens (wrong ``aud``, expired, bad signature, ``alg: none``...).

Redirect URIs: the default client accepts any ``http``/``https`` redirect
URI whose host is a loopback name (``127.0.0.1``, ``localhost``, ``::1``),
on any port and path. Clients made with
:meth:`LocalOAuth2Server.register_client` accept only the URIs they list.
"""
import secrets
import threading
import time

from ._base import LocalServerBase
from .oauth2_models import LOOPBACK_HOSTS, LocalClient, Token

__all__ = ['LocalOAuth2Server', 'LocalClient', 'LOOPBACK_HOSTS']


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
    :param bool oidc: OpenID Connect mode: issue id_tokens and serve the
        JWKS (default ``False``).

    Thread-safe: its stores are guarded by a lock and it serves each request
    in its own thread.
    """

    #: Endpoint names accepted by :meth:`fault` (``discovery`` is
    #: ``/.well-known/openid-configuration``).
    FAULT_ENDPOINTS = ('authorize', 'token', 'userinfo', 'discovery', 'jwks')
    _fault_endpoints = FAULT_ENDPOINTS

    def __init__(self, users=None, client_id='local-client',
                 client_secret='local-secret', expires_in=3600,
                 require_pkce=True, issue_refresh_tokens=True,
                 host='127.0.0.1', port=0, oidc=False):
        super(LocalOAuth2Server, self).__init__(users=users, host=host, port=port)
        self.expires_in = expires_in
        self.require_pkce = require_pkce
        self.issue_refresh_tokens = issue_refresh_tokens
        #: OpenID Connect mode (fixed when the app is first built).
        self.oidc = oidc
        #: Seconds an id_token is valid.
        self.id_token_lifetime = 300
        #: ``True``: an authorization code may be redeemed again (a broken
        #: issuer, to test that a client refuses a replayed login itself).
        self.reuse_codes = False
        #: The ``jwks_uri`` the discovery document names instead of
        #: ``url + '/jwks'`` (e.g. an address where nobody listens).
        self.advertised_jwks_uri = None
        self._signing_keys = None
        self._lock = threading.Lock()
        self._clients = {}
        self._codes = {}
        self._tokens = {}
        self._refresh = {}
        self._nonces = set()
        self._id_token_fault = None
        self._requests = {}
        self.default_client = self.register_client(
            None, client_id=client_id, client_secret=client_secret)

    # -- OpenID Connect ---------------------------------------------------
    @property
    def issuer(self):
        """The issuer identifier: :attr:`url`."""
        return self.url

    #: The tenant id in id_tokens of the multi-tenant realms (Microsoft's
    #: ``common`` and ``organizations`` look-alikes).
    TENANT_ID = '00000000-0000-4000-8000-00000000c0de'

    #: Realms whose discovery document names ``{tenantid}`` in the issuer.
    MULTI_TENANT_REALMS = ('common', 'organizations')

    def discovery_issuer(self, realm=''):
        """The issuer the discovery document of ``realm`` names: :attr:`url`,
        plus ``/realm`` (every endpoint is also served under any path, as
        ``/<realm>/token``), with ``{tenantid}`` for a multi-tenant realm."""
        if not realm:
            return self.url
        first, _, rest = realm.partition('/')
        if first in self.MULTI_TENANT_REALMS:
            return '{0}/{{tenantid}}{1}'.format(self.url, '/' + rest if rest else '')
        return '{0}/{1}'.format(self.url, realm)

    def token_issuer(self, realm=''):
        """``(iss, tid)`` of the id_tokens issued in ``realm`` (``tid`` is
        ``None`` outside realms)."""
        if not realm:
            return self.url, None
        first = realm.partition('/')[0]
        tid = self.TENANT_ID if first in self.MULTI_TENANT_REALMS else first
        return self.discovery_issuer(realm).replace('{tenantid}', tid), tid

    @property
    def jwks_uri(self):
        """The JWKS address the discovery document names."""
        return self.advertised_jwks_uri or self.url + '/jwks'

    @property
    def signing_keys(self):
        """The :class:`~authomatic_extras.testing.oidc_issuer.SigningKeys`
        (created on first use: an RSA key takes a moment to generate)."""
        with self._lock:
            if self._signing_keys is None:
                from .oidc_issuer import SigningKeys
                self._signing_keys = SigningKeys()
            return self._signing_keys

    def rotate_signing_key(self, keep_previous=True):
        """Sign id_tokens with a new RSA key from now on and publish it;
        the previous key stays published only if ``keep_previous``. Returns
        the new ``kid``. A client that cached the old JWKS meets an unknown
        ``kid`` and must fetch the JWKS again."""
        return self.signing_keys.rotate(keep_previous)

    def id_token_fault(self, kind, times=None):
        """Spoil the next id_tokens (all of them, or ``times`` many) as
        ``kind``, one of :data:`~authomatic_extras.testing.oidc_issuer.ID_TOKEN_FAULTS`.
        :meth:`clear_faults` ends it."""
        from .oidc_issuer import ID_TOKEN_FAULTS

        if kind not in ID_TOKEN_FAULTS:
            raise ValueError('unknown id_token fault {0!r}; use one of {1}'.format(
                kind, ', '.join(ID_TOKEN_FAULTS)))
        with self._lock:
            self._id_token_fault = [kind, times]

    def clear_faults(self, endpoint=None):
        super(LocalOAuth2Server, self).clear_faults(endpoint)
        if endpoint is None:
            with self._lock:
                self._id_token_fault = None

    def _take_id_token_fault(self):
        with self._lock:
            fault = self._id_token_fault
            if fault is None:
                return None
            kind, times = fault
            if times is not None:
                fault[1] = times - 1
                if fault[1] <= 0:
                    self._id_token_fault = None
            return kind

    def _nonce_seen(self, nonce, client_id):
        """Whether a code was issued with this nonce before (a replay)."""
        with self._lock:
            return (client_id, nonce) in self._nonces

    def _count(self, endpoint):
        with self._lock:
            self._requests[endpoint] = self._requests.get(endpoint, 0) + 1

    def requests(self, endpoint):
        """How many times ``'discovery'`` or ``'jwks'`` was fetched."""
        with self._lock:
            return self._requests.get(endpoint, 0)

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
        token = Token(client, user, data)
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
            if code.nonce:
                self._nonces.add((code.client_id, code.nonce))

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

    def oidc_config_entry(self, id=1, scope=('openid', 'profile', 'email'),
                          client=None, **extra):
        """Return an entry for :class:`authomatic_extras.providers.OIDC` with
        this server as the issuer (needs ``oidc=True``).

        :param extra: more keys (e.g. ``fetch_user_info``, ``clock_skew``).
        """
        client = client or self.default_client
        entry = {
            'class_': 'authomatic_extras.providers.OIDC',
            'id': id,
            'issuer': self.issuer,
            'consumer_key': client.client_id,
            'consumer_secret': client.client_secret,
            'scope': list(scope),
        }
        entry.update(extra)
        return entry

    def endpoints(self, profile=None):
        """The endpoint URLs as preset parameters:
        ``authorization_endpoint``, ``token_endpoint`` and
        ``userinfo_endpoint`` (``/profiles/<profile>`` when ``profile`` is
        ``'github'``, ``'x'`` or ``'facebook'``)."""
        return {
            'authorization_endpoint': self.url + '/authorize',
            'token_endpoint': self.url + '/token',
            'userinfo_endpoint': self.url + (
                '/profiles/' + profile if profile else '/userinfo'),
        }

    # -- the WSGI app -----------------------------------------------------
    def _make_app(self):
        from .oauth2_views import create_app
        return create_app(self)
