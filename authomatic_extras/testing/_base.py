"""Shared machinery of the local test providers.

Not public API: :class:`LocalUser` and the fault kinds are re-exported from
:mod:`authomatic_extras.testing`; the rest is an implementation detail of the
three servers.

It holds what every local provider has in common:

* the test users (:class:`LocalUser`, a thread-safe :class:`UserDirectory`),
* fault injection (:class:`FaultInjector`),
* the consent page (:func:`render_consent_page`),
* running a WSGI app on ``127.0.0.1`` on a free port in a background thread
  with Werkzeug's threaded server (:class:`LocalServerBase`).
"""
import html
import logging
import socket
import threading
import time

__all__ = ['LocalUser', 'FAULT_KINDS', 'DEFAULT_USERS']

_log = logging.getLogger('authomatic_extras.testing')

#: Headers of every consent page: the drivers recognise the page by them.
CONSENT_HEADERS = {'X-Authomatic-Extras-Consent': '1',
                   'Cache-Control': 'no-store'}

#: The kinds of fault :meth:`LocalServerBase.fault` can inject.
FAULT_KINDS = ('500', 'html', 'garbage', 'truncated_json', 'slow')


class LocalUser(object):
    """A test user of a local provider.

    :param str username: the login name, shown in the consent page's user
        selector and returned as ``preferred_username``.
    :param str name: the full name (``name`` claim, SREG ``fullname``).
    :param str email: the e-mail address.
    :param str sub: the stable subject identifier (``sub`` claim; becomes
        ``result.user.id`` for OAuth 2.0 and OAuth 1.0a). Defaults to
        ``'id-' + username``.
    """

    def __init__(self, username, name=None, email=None, sub=None):
        self.username = username
        self.name = name if name is not None else username.title()
        self.email = email if email is not None else username + '@example.org'
        self.sub = sub if sub is not None else 'id-' + username

    def claims(self):
        """The user as the OpenID-Connect-style claims the user info
        endpoints return: ``sub``, ``name``, ``email``,
        ``preferred_username``."""
        return {'sub': self.sub, 'name': self.name, 'email': self.email,
                'preferred_username': self.username}

    def __repr__(self):
        return 'LocalUser({0!r}, {1!r}, {2!r}, sub={3!r})'.format(
            self.username, self.name, self.email, self.sub)


#: The users every local provider starts with unless ``users=`` is given.
DEFAULT_USERS = (
    ('alice', 'Alice Liddell', 'alice@example.org', 'id-alice'),
    ('bob', 'Bob Marley', 'bob@example.org', 'id-bob'),
)


class UserDirectory(object):
    """Thread-safe ordered mapping of username to :class:`LocalUser`."""

    def __init__(self, users=None):
        self._lock = threading.Lock()
        self._users = {}
        if users is None:
            users = [LocalUser(*u) for u in DEFAULT_USERS]
        for user in users:
            self.add(user)

    def add(self, user):
        if not isinstance(user, LocalUser):
            raise TypeError('expected a LocalUser, got {0!r}'.format(user))
        with self._lock:
            self._users[user.username] = user
        return user

    def get(self, username):
        with self._lock:
            return self._users.get(username)

    def all(self):
        with self._lock:
            return list(self._users.values())


class FaultInjector(object):
    """Thread-safe registry of faults per endpoint name."""

    def __init__(self, endpoints):
        self.endpoints = tuple(endpoints)
        self._lock = threading.Lock()
        self._faults = {}

    def set(self, endpoint, kind, seconds=2.0, times=None):
        if endpoint not in self.endpoints:
            raise ValueError('unknown endpoint {0!r}; this server has {1}'.format(
                endpoint, ', '.join(self.endpoints)))
        if kind not in FAULT_KINDS:
            raise ValueError('unknown fault kind {0!r}; use one of {1}'.format(
                kind, ', '.join(FAULT_KINDS)))
        with self._lock:
            self._faults[endpoint] = [kind, float(seconds), times]

    def clear(self, endpoint=None):
        with self._lock:
            if endpoint is None:
                self._faults.clear()
            else:
                self._faults.pop(endpoint, None)

    def take(self, endpoint):
        """Return ``(kind, seconds)`` of the fault to apply now, or ``None``."""
        with self._lock:
            fault = self._faults.get(endpoint)
            if fault is None:
                return None
            kind, seconds, times = fault
            if times is not None:
                fault[2] = times - 1
                if fault[2] <= 0:
                    del self._faults[endpoint]
            return kind, seconds


def fault_response(fault):
    """Build the faulty WSGI response for ``(kind, seconds)``.

    Returns ``None`` for ``'slow'`` after sleeping: the endpoint then answers
    normally, only late.
    """
    from werkzeug.wrappers import Response

    kind, seconds = fault
    if kind == 'slow':
        time.sleep(seconds)
        return None
    if kind == '500':
        return Response('{"error": "server_error", "error_description": '
                        '"injected fault"}', status=500,
                        content_type='application/json')
    if kind == 'html':
        return Response('<!DOCTYPE html><html><head><title>Maintenance</title>'
                        '</head><body><h1>Down for maintenance</h1><p>Injected '
                        'fault.</p></body></html>', status=200,
                        content_type='text/html; charset=utf-8')
    if kind == 'garbage':
        return Response(b'\x00\xff\xfe garbage \x9c\x80 not a token \x01',
                        status=200, content_type='application/json')
    # truncated_json
    return Response('{"access_token": "trunc', status=200,
                    content_type='application/json')


#: The local providers' icon (a key), inline so no /favicon.ico is asked for.
ICON_DATA_URL = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Ccircle cx='5' cy='8' r='3.5' fill='none' stroke='%232a7d2a' stroke-width='2'/%3E"
    "%3Cpath d='M8.5 8h6.5M12.5 8v3M14.5 8v2' stroke='%232a7d2a' stroke-width='2'/%3E"
    "%3C/svg%3E")

_CONSENT_HTML = u"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{icon}">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 32em; margin: 3em auto; color: #222; }}
h1 {{ font-size: 1.4em; }}
.client {{ font-family: monospace; }}
label, select, button {{ font-size: 1.1em; }}
button {{ margin: 1em 0.5em 0 0; padding: 0.4em 1.4em; }}
#allow {{ background: #2a7d2a; color: white; border: 0; }}
#deny {{ background: #b33; color: white; border: 0; }}
.note {{ color: #666; font-size: 0.9em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>The application <span class="client" id="client">{client}</span> wants to
sign you in{purpose}.</p>
<form id="consent-form" method="post" action="">
{hidden}
<p><label for="username">Sign in as</label>
<select name="username" id="username">
{options}
</select></p>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
<p class="note">{server} &mdash; a local test provider of
authomatic-extras. No password is needed: pick a test user.</p>
</body>
</html>
"""


def render_consent_page(title, client, users, server, purpose='',
                        hidden=None, selected=None):
    """Render the consent page shared by all local providers.

    The form posts back to the page's own URL (``action=""``). Stable names:
    form ``id="consent-form"``, ``<select name="username" id="username">``,
    buttons ``name="decision"`` with ``value="allow"`` (``id="allow"``) or
    ``value="deny"`` (``id="deny"``).
    """
    esc = html.escape
    options = '\n'.join(
        '<option value="{0}"{2}>{1} ({0})</option>'.format(
            esc(u.username), esc(u.name),
            ' selected' if u.username == selected else '')
        for u in users)
    hidden = '\n'.join(
        '<input type="hidden" name="{0}" value="{1}">'.format(esc(k), esc(v))
        for k, v in (hidden or {}).items())
    return _CONSENT_HTML.format(
        title=esc(title), client=esc(client or ''), options=options,
        hidden=hidden, server=esc(server), icon=esc(ICON_DATA_URL),
        purpose=(' and ' + esc(purpose)) if purpose else '')


class LocalServerBase(object):
    """Run a WSGI app on a free port of ``host`` in a daemon thread.

    Subclasses implement :meth:`_make_app` and set ``_fault_endpoints``.
    """

    _fault_endpoints = ()

    #: Called with the server once it listens, in :meth:`serve_forever`.
    on_bind = None

    def __init__(self, users=None, host='127.0.0.1', port=0):
        self.host = host
        self.port = port
        self.users = UserDirectory(users)
        self._faults = FaultInjector(self._fault_endpoints)
        self._server = None
        self._thread = None
        self._app = None

    # -- users ------------------------------------------------------------
    def add_user(self, username, name=None, email=None, sub=None):
        """Add (or replace) a test user and return the :class:`LocalUser`."""
        return self.users.add(LocalUser(username, name, email, sub))

    def get_user(self, username):
        """Return the :class:`LocalUser` named ``username`` or ``None``."""
        return self.users.get(username)

    # -- faults -----------------------------------------------------------
    def fault(self, endpoint, kind, seconds=2.0, times=None):
        """Make ``endpoint`` misbehave until :meth:`clear_faults`.

        :param str endpoint: one of the server's ``FAULT_ENDPOINTS``.
        :param str kind: ``'500'`` (HTTP 500 with a JSON error), ``'html'``
            (HTTP 200 with an HTML maintenance page), ``'garbage'`` (HTTP 200
            with binary junk), ``'truncated_json'`` (HTTP 200 with JSON cut
            off in the middle) or ``'slow'`` (sleep ``seconds``, then answer
            normally).
        :param float seconds: the delay of ``'slow'``.
        :param int times: apply the fault this many times only
            (default: until cleared).
        """
        self._faults.set(endpoint, kind, seconds, times)

    def clear_faults(self, endpoint=None):
        """Remove the fault of ``endpoint``, or all faults."""
        self._faults.clear(endpoint)

    def _check_fault(self, endpoint):
        fault = self._faults.take(endpoint)
        if fault is None:
            return None
        _log.debug('Injecting fault %s into %s.', fault[0], endpoint)
        return fault_response(fault)

    # -- running ----------------------------------------------------------
    @property
    def wsgi_app(self):
        """The provider's WSGI application (built on first access)."""
        if self._app is None:
            self._app = self._make_app()
        return self._app

    def _make_app(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def url(self):
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash).

        Available after :meth:`start` (or when a fixed ``port`` was given).
        """
        if not self.port:
            raise RuntimeError('The server has no port yet: call start() first.')
        host = self.host
        if ':' in host:
            host = '[' + host + ']'
        return 'http://{0}:{1}'.format(host, self.port)

    @property
    def running(self):
        return self._server is not None

    def start(self):
        """Serve on ``host`` (port ``port``, or a free one) in a daemon thread
        with a threaded WSGI server. Returns ``self``."""
        if self._server is not None:
            return self
        server = _make_wsgi_server(self.host, self.port, self.wsgi_app)
        self.port = server.server_port
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={'poll_interval': 0.05},
            name='{0}:{1}'.format(type(self).__name__, self.port), daemon=True)
        self._thread.start()
        _log.info('%s serving on %s', type(self).__name__, self.url)
        return self

    def serve_forever(self):
        """Serve in the calling thread until interrupted (used by
        ``python -m authomatic_extras.testing``)."""
        server = _make_wsgi_server(self.host, self.port, self.wsgi_app)
        self.port = server.server_port
        self._server = server
        if self.on_bind is not None:
            self.on_bind(self)
        try:
            server.serve_forever()
        finally:
            server.server_close()
            self._server = None

    def stop(self):
        """Stop serving and close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def __repr__(self):
        state = self.url if self.port else 'not started'
        return '<{0} {1}>'.format(type(self).__name__, state)


def _listening_socket(host, port, backlog):
    """A socket bound to ``host:port`` and listening. A busy port raises
    :class:`OSError` (``EADDRINUSE``) here, before Werkzeug would print its
    own message and exit."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def _make_wsgi_server(host, port, app):
    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    class _QuietHandler(WSGIRequestHandler):
        # Werkzeug logs every request with its query string at INFO; ours
        # carry codes, tokens and signatures, so log the path at DEBUG only.
        def log_request(self, code='-', size='-'):
            _log.debug('%s %s -> %s', self.command, self.path.split('?')[0], code)

        def log(self, type, message, *args):
            _log.debug(message, *args)

    class _Server(ThreadedWSGIServer):
        daemon_threads = True
        request_queue_size = 1024

    sock = _listening_socket(host, port, _Server.request_queue_size)
    try:
        # Werkzeug duplicates the descriptor it is given.
        server = _Server(host, sock.getsockname()[1], app, handler=_QuietHandler,
                         fd=sock.fileno())
        server.server_port = sock.getsockname()[1]  # set by server_bind(), skipped here
        return server
    finally:
        sock.close()


class LocalAppServer(LocalServerBase):
    """Serve any WSGI ``app`` like the local providers are served: on a free
    port of ``host`` in a daemon thread with a threaded server.

    Handy to run the app under test for real (``login_with_requests``)::

        with LocalAppServer(app, host='localhost') as served:
            trip = login_with_requests(served.url + '/login/local')
    """

    def __init__(self, app, host='localhost', port=0):
        super(LocalAppServer, self).__init__(users=[], host=host, port=port)
        self._app = app

    def _make_app(self):
        return self._app
