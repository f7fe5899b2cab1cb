"""A local OpenID 2.0 provider for tests, built on python3-openid.

:class:`LocalOpenIDServer` wraps ``openid.server.server.Server`` with a
``MemoryStore``. Endpoints (relative to :attr:`~LocalOpenIDServer.url`):

``GET /id/<username>``
    The user's identity page (claimed identifier): HTML with
    ``<link rel="openid2.provider">`` and ``<link rel="openid2.local_id">``.
``GET /``
    The provider's OP identifier (identifier select): a Yadis ``X-XRDS-Location``
    header pointing to ``/xrds``; log in with it and pick the user on the
    consent page.
``GET|POST /openid``
    The OP endpoint (checkid, associate, check_authentication). An
    authentication request is parked server-side and answered by a redirect
    to ``/openid/consent?request=<key>``: the consent page (``POST`` it with
    ``username`` and ``decision``). Allow answers positively with SREG
    (``fullname``, ``email``, ``nickname``) and AX (name, e-mail, first and
    last name) data; Deny answers ``openid.mode=cancel`` (the core raises a
    ``CancellationError``). The answer always goes back by redirect, never
    by a POST form, so apps whose adapter reads only the query string (the
    core's ``WerkzeugAdapter``) work.

The core's ``OpenID`` provider takes the identifier from the login URL's
``id`` query parameter: log in at ``/login/<name>?id=<identifier>`` with
``server.identifier('alice')`` or ``server.identifier()``. The core answers
that first step with an auto-submitting POST form (because of AX/SREG);
the drivers post it.
"""
import secrets
import threading
import time

from ._base import LocalServerBase

__all__ = ['LocalOpenIDServer']


class LocalOpenIDServer(LocalServerBase):
    """Local OpenID 2.0 provider with a consent page.

    :param users: list of :class:`~authomatic_extras.testing.LocalUser`
        (default alice and bob).
    :param str host: ``'127.0.0.1'`` by default.
    :param int port: ``0`` (default) picks a free port on :meth:`start`.
    """

    #: Endpoint names accepted by :meth:`fault`: the identity / Yadis pages
    #: (``'discovery'``), the ``checkid`` request (``'authorize'``) and the
    #: direct association and verification requests (``'direct'``).
    FAULT_ENDPOINTS = ('discovery', 'authorize', 'direct')
    _fault_endpoints = FAULT_ENDPOINTS

    #: Pending authentication requests are forgotten after this many seconds.
    REQUEST_TTL = 600

    def __init__(self, users=None, host='127.0.0.1', port=0):
        super(LocalOpenIDServer, self).__init__(users=users, host=host, port=port)
        self._lock = threading.Lock()
        self._pending = {}
        self._openid = None

    @property
    def endpoint_url(self):
        """The OP endpoint URL (``<url>/openid``)."""
        return self.url + '/openid'

    def identifier(self, username=None):
        """The identifier to log in with.

        :param str username: a test user's name: their claimed identifier
            (``<url>/id/<username>``). ``None``: the provider's OP identifier
            (``<url>/``), which lets the user pick on the consent page.
        """
        if username is None:
            return self.url + '/'
        return self.url + '/id/' + username

    def username_of(self, identity):
        """Return the username of a claimed identifier of this server, or
        ``None``."""
        prefix = self.url + '/id/'
        if identity and identity.startswith(prefix):
            return identity[len(prefix):]
        return None

    def config_entry(self, id=3, **extra):
        """Return the entry for the core's config: the core's own
        ``authomatic.providers.openid.OpenID`` class. Log in with
        ``?id=`` + :meth:`identifier`.

        The entry sets ``allow_private_addresses`` to this server's address
        (``['127.0.0.1/32']`` by default), because
        :class:`~authomatic_extras.flask.FlaskAuthomatic` lets OpenID
        discovery reach only public addresses unless the config allows more
        (see :mod:`authomatic_extras.address_policy`).
        """
        from authomatic.providers.openid import OpenID

        entry = {'class_': OpenID, 'id': id,
                 'allow_private_addresses': self.allowed_networks()}
        entry.update(extra)
        return entry

    def allowed_networks(self):
        """The networks of this server's addresses, for ``allow_private_addresses``."""
        import ipaddress
        import socket

        networks = []
        for info in socket.getaddrinfo(self.host, None, type=socket.SOCK_STREAM):
            network = str(ipaddress.ip_network(info[4][0].split('%', 1)[0]))
            if network not in networks:
                networks.append(network)
        return networks

    # -- python3-openid server and pending requests ----------------------
    @property
    def openid_server(self):
        """The ``openid.server.server.Server`` (built on first use)."""
        with self._lock:
            if self._openid is None:
                from openid.server.server import Server
                from openid.store.memstore import MemoryStore
                self._openid = Server(MemoryStore(), self.endpoint_url)
            return self._openid

    def _park(self, openid_request):
        key = secrets.token_urlsafe(18)
        now = time.time()
        with self._lock:
            for old in [k for k, (t, _) in self._pending.items()
                        if now - t > self.REQUEST_TTL]:
                del self._pending[old]
            self._pending[key] = (now, openid_request)
        return key

    def _pending_request(self, key, pop=False):
        with self._lock:
            entry = self._pending.pop(key, None) if pop else self._pending.get(key)
        return entry[1] if entry else None

    def _make_app(self):
        from .openid_views import create_app
        return create_app(self)
