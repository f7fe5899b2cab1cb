# -*- coding: utf-8 -*-
"""OpenID discovery that cannot be turned against the app or its network.

OpenID lets the client choose the identifier (the core reads ``?id=`` even
for an entry with a configured identifier), and the app then fetches it,
follows its redirects and Yadis documents, and sends the browser to the
provider endpoint the identifier's page declares. Inside :func:`openid_guard`
(which :class:`~authomatic_extras.flask.FlaskAuthomatic` applies around
every OpenID login):

* every fetch of python3-openid goes through :class:`GuardedFetcher`: only
  ``http(s)`` URLs, only to addresses the provider's
  :class:`~authomatic_extras.address_policy.AddressPolicy` allows (public
  ones by default), checked after DNS resolution and again on every
  redirect, connecting to the address that was checked (``Host`` and TLS
  server name stay the URL's host), each socket operation bounded by
  :func:`~authomatic_extras.fetch_timeout.fetch_timeout`;
* an identifier, and every provider endpoint discovery finds (HTML
  ``openid2.provider`` / ``openid.server`` links, Yadis XRDS ``<URI>``
  elements), must be a plain ``http(s)`` URL before the core builds a
  redirect or an auto-submitting form from it: a ``javascript:`` or
  ``data:`` endpoint ends in :class:`OpenIDEndpointRefused`;
* every failure to fetch or discover ends in the same
  :class:`OpenIDDiscoveryError` message, whatever the target answered
  (200 without OpenID, 404, connection refused, time-out, an address not
  allowed), so the login is no port scanner; the details go to the DEBUG
  log of ``authomatic_extras.openid_guard``.

How it is scoped: python3-openid has one process-wide default fetcher and
discovery function. The first :func:`openid_guard` installs stand-ins for
both that look up the policy of the current context (a
:mod:`contextvars` variable, so per thread and per task): two concurrent
logins with different policies never see each other's, and outside the
``with`` block (a fetcher an app uses on its own) the previous fetcher and
discovery run unchanged.
"""
from __future__ import annotations

import contextlib
import contextvars
import http.client
import logging
import re
import socket
import ssl
import threading
from typing import Any, Dict, Iterator, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from authomatic.exceptions import FailureError

from authomatic_extras.address_policy import AddressPolicy, AddressRefused, Target, is_http_url
from authomatic_extras.fetch_timeout import current_fetch_timeout, fetch_timeout

__all__ = ['openid_guard', 'GuardedFetcher', 'OpenIDDiscoveryError', 'OpenIDEndpointRefused',
           'check_identifier']

logger = logging.getLogger(__name__)

#: Redirects followed per fetch.
MAX_REDIRECTS = 5
#: Bytes of a discovery document read at most (python3-openid's own limit).
MAX_BODY = 1024 * 1024

_POLICY: contextvars.ContextVar[Optional[AddressPolicy]] = contextvars.ContextVar(
    'authomatic_extras_openid_policy', default=None)

#: A ``scheme:`` prefix, after dropping what browsers and urllib ignore.
_SCHEME = re.compile(r'\A([A-Za-z][A-Za-z0-9+.\-]*):')
#: ``host:port`` without a scheme (python3-openid prepends ``http://``).
_HOST_PORT = re.compile(r'\A[A-Za-z0-9.\-]+:\d+(?:[/?#]|\Z)')
_IGNORED_BY_BROWSERS = re.compile(r'[\x00-\x20\x7f]')


class OpenIDDiscoveryError(FailureError):
    """OpenID discovery found no usable provider for the identifier. The
    message is the same whatever went wrong, by design (see the module doc)."""


class OpenIDEndpointRefused(FailureError):
    """An OpenID identifier or a discovered provider endpoint is not a plain
    ``http(s)`` URL (``javascript:``, ``data:``, ...): the login stops before
    the browser is sent anywhere."""


def _generic_failure() -> OpenIDDiscoveryError:
    return OpenIDDiscoveryError(
        'OpenID discovery failed: no usable OpenID provider was found for this '
        'identifier. Check the identifier and try again.')


def check_identifier(identifier: Any) -> None:
    """Refuse an identifier with a scheme other than ``http(s)``.

    Bare host names (``example.com``, ``example.com:8080/me``) and XRIs
    (``=name``) pass, as python3-openid accepts them.

    :raises OpenIDEndpointRefused: otherwise.
    """
    if not isinstance(identifier, str) or is_http_url(identifier):
        return
    cleaned = _IGNORED_BY_BROWSERS.sub('', identifier)
    scheme = _SCHEME.match(cleaned)
    if cleaned != identifier.strip() or (scheme and not _HOST_PORT.match(cleaned)):
        raise OpenIDEndpointRefused(
            'The OpenID identifier must be an http:// or https:// URL (or a bare host '
            'name); this one is not.')


def _check_services(services: Any, policy: AddressPolicy) -> None:
    """Every discovered endpoint must be http(s), on an allowed address (the
    app posts associations and verifications to it)."""
    for service in services or ():
        server_url = getattr(service, 'server_url', None)
        if not isinstance(server_url, str) or not is_http_url(server_url):
            logger.debug('openid_guard: refused provider endpoint %r', server_url)
            raise OpenIDEndpointRefused(
                'The OpenID identifier declares a provider endpoint that is not an '
                'http:// or https:// URL; the login was stopped.')
        try:
            policy.vet(server_url)
        except AddressRefused as refused:
            raise generic_discovery_error(refused) from refused


# -- the fetcher --------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address; ``Host`` stays the URL's host."""

    def __init__(self, target: Target, timeout: Optional[float]) -> None:
        kwargs: Dict[str, Any] = {} if timeout is None else {'timeout': timeout}
        http.client.HTTPConnection.__init__(self, target.host, target.port, **kwargs)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address; SNI and the certificate check use the
    URL's host."""

    def __init__(self, target: Target, timeout: Optional[float]) -> None:
        kwargs: Dict[str, Any] = {} if timeout is None else {'timeout': timeout}
        http.client.HTTPSConnection.__init__(self, target.host, target.port,
                                             context=ssl.create_default_context(), **kwargs)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self.host)


class GuardedFetcher(object):
    """A python3-openid ``HTTPFetcher`` that fetches only what ``policy``
    allows, following at most :data:`MAX_REDIRECTS` redirects (each checked
    again), with ``timeout`` seconds per socket operation."""

    def __init__(self, policy: AddressPolicy, timeout: Optional[float] = None) -> None:
        self.policy = policy
        self.timeout = timeout

    def fetch(self, url: str, body: Any = None, headers: Optional[Dict[str, str]] = None) -> Any:
        from openid import fetchers

        method = 'POST' if body is not None else 'GET'
        if isinstance(body, str):
            body = body.encode('utf-8')
        sent = {'User-Agent': fetchers.USER_AGENT}
        if body is not None:  # as urllib does: python3-openid posts forms
            sent['Content-Type'] = 'application/x-www-form-urlencoded'
        sent.update(headers or {})
        for _ in range(MAX_REDIRECTS + 1):
            target = self.policy.vet(url)
            status, answer_headers, content = self._request(target, method, body, sent)
            location = answer_headers.get('location')
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                if status not in (307, 308):
                    method, body = 'GET', None
                    sent.pop('Content-Type', None)
                continue
            return fetchers.HTTPResponse(url, status, answer_headers, _decoded(
                content, answer_headers.get('content-type', '')))
        raise AddressRefused('More than {0} redirects'.format(MAX_REDIRECTS))

    def _request(self, target: Target, method: str, body: Optional[bytes],
                 headers: Dict[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        connection_class = (_PinnedHTTPSConnection if target.scheme == 'https'
                            else _PinnedHTTPConnection)
        connection = connection_class(target, self.timeout)
        try:
            connection.request(method, _request_target(target.url), body=body, headers=headers)
            response = connection.getresponse()
            content = response.read(MAX_BODY)
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            return response.status, answer_headers, content
        finally:
            connection.close()


def _request_target(url: str) -> str:
    """The path and query of ``url``, as sent in the request line."""
    parts = urlsplit(url)
    return (parts.path or '/') + ('?' + parts.query if parts.query else '')


def _decoded(content: bytes, content_type: str) -> Any:
    match = re.search(r'charset=([\w.\-]+)', content_type or '', re.IGNORECASE)
    try:
        return content.decode(match.group(1) if match else 'latin1')
    except (LookupError, UnicodeError):
        return content


# -- the process-wide stand-ins that read the context ------------------------------


class _ContextFetcher(object):
    """python3-openid's default fetcher while this package is loaded: the
    guarded fetcher inside :func:`openid_guard`, else the one it replaced."""

    def __init__(self, fallback: Any) -> None:
        self.fallback = fallback

    def fetch(self, url: str, body: Any = None, headers: Optional[Dict[str, str]] = None) -> Any:
        policy = _POLICY.get()
        if policy is None:
            return self.fallback.fetch(url, body=body, headers=headers)
        try:
            return GuardedFetcher(policy, current_fetch_timeout()).fetch(url, body, headers)
        except Exception as error:
            # Only the DEBUG log learns what the target did.
            logger.debug('openid_guard: fetch of %r failed: %r', url[:200], error)
            raise


_INSTALL_LOCK = threading.Lock()


def _install() -> None:
    with _INSTALL_LOCK:
        _install_once()


def _install_once() -> None:
    from openid import fetchers
    from openid.consumer import consumer

    from authomatic_extras import fetch_timeout as timeouts

    timeouts._install()  # the fallback outside the guard keeps its timeout
    current = fetchers.getDefaultFetcher()
    if not isinstance(getattr(current, 'fetcher', current), _ContextFetcher):
        fetchers.setDefaultFetcher(_ContextFetcher(current), wrap_exceptions=True)
    for owner in (consumer.Consumer, consumer.GenericConsumer):
        original = owner.__dict__['_discover'].__func__
        if not getattr(original, '_authomatic_extras_guard', False):
            owner._discover = staticmethod(_guarded_discover(original))


def _guarded_discover(original: Any) -> Any:
    def discover(identifier: str) -> Any:
        policy = _POLICY.get()
        if policy is None:
            return original(identifier)
        check_identifier(identifier)
        claimed_id, services = original(identifier)
        _check_services(services, policy)
        return claimed_id, services

    discover._authomatic_extras_guard = True  # type: ignore[attr-defined]
    return discover


@contextlib.contextmanager
def openid_guard(policy: AddressPolicy, timeout: Optional[float] = None) -> Iterator[None]:
    """Apply ``policy`` to every OpenID fetch and discovery in this context.

    ``timeout`` bounds each socket operation as
    :func:`~authomatic_extras.fetch_timeout.fetch_timeout` does (``None``
    keeps the bound already in force).
    """
    fetch_timeout_context = (fetch_timeout(timeout) if timeout is not None
                             else contextlib.nullcontext())
    with fetch_timeout_context:
        _install()
        token = _POLICY.set(policy)
        try:
            yield
        finally:
            _POLICY.reset(token)


def generic_discovery_error(cause: Optional[BaseException] = None) -> OpenIDDiscoveryError:
    """The one client-facing error for every failed discovery; ``cause`` is
    logged at DEBUG and kept as ``__cause__``."""
    if cause is not None:
        logger.debug('openid_guard: discovery failed: %r', cause)
    error = _generic_failure()
    error.__cause__ = cause
    return error
