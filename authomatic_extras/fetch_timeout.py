# -*- coding: utf-8 -*-
"""A timeout for the Authomatic core's calls to providers.

The core opens its connections with :mod:`http.client` and no timeout, so a
provider that accepts the connection and never answers holds the request
(and a server thread) forever. :func:`fetch_timeout` bounds every socket
operation (connect, send, each read) of the core's fetches made inside the
``with`` block, in the current thread or task only::

    from authomatic_extras.fetch_timeout import fetch_timeout

    with fetch_timeout(10):
        credentials.refresh()

:class:`~authomatic_extras.flask.FlaskAuthomatic` applies its
``fetch_timeout`` around every login and :meth:`access` call by itself.

The bound is per socket operation, not for a whole fetch: a provider that
keeps sending a byte just inside the timeout keeps the login going.

How: the first use replaces the ``http_client`` name inside
``authomatic.providers`` (the only place the core opens connections) with a
stand-in whose ``HTTPConnection`` / ``HTTPSConnection`` pass the timeout of
the current context, and gives python3-openid's default urllib fetcher (used
for OpenID discovery) the same timeout. Outside a ``with`` block they behave exactly like
:mod:`http.client`'s.
"""
from __future__ import annotations

import contextlib
import contextvars
import http.client
import urllib.request
from typing import Any, Dict, Iterator, Optional

import authomatic.providers as _core_providers

__all__ = ['fetch_timeout', 'current_fetch_timeout']

_TIMEOUT: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar(
    'authomatic_extras_fetch_timeout', default=None)


def current_fetch_timeout() -> Optional[float]:
    """The timeout in force for the core's fetches here, or ``None``."""
    return _TIMEOUT.get()


class _TimedHTTPClient(object):
    """:mod:`http.client`, with connections that take the context's timeout."""

    def __getattr__(self, name: str) -> Any:
        return getattr(http.client, name)

    @staticmethod
    def _with_timeout(kwargs: Dict[str, Any]) -> Dict[str, Any]:
        timeout = _TIMEOUT.get()
        if timeout is not None and 'timeout' not in kwargs:
            kwargs['timeout'] = timeout
        return kwargs

    def HTTPConnection(self, *args: Any, **kwargs: Any) -> http.client.HTTPConnection:  # noqa: N802 - http.client's name
        return http.client.HTTPConnection(*args, **self._with_timeout(kwargs))

    def HTTPSConnection(self, *args: Any, **kwargs: Any) -> http.client.HTTPSConnection:  # noqa: N802 - http.client's name
        return http.client.HTTPSConnection(*args, **self._with_timeout(kwargs))


def _timed_urlopen(request: Any) -> Any:
    timeout = _TIMEOUT.get()
    if timeout is None:
        return urllib.request.urlopen(request)
    return urllib.request.urlopen(request, timeout=timeout)


def _install_openid_fetcher() -> None:
    """OpenID discovery goes through python3-openid's own fetcher: give its
    default (urllib) fetcher the same timeout. A fetcher the app set itself
    is left alone."""
    try:
        from openid import fetchers
    except ImportError:  # OpenID not installed: nothing to bound.
        return
    current = getattr(fetchers, '_default_fetcher', None)
    inner = getattr(current, 'fetcher', current)
    if current is not None and type(inner) is not fetchers.Urllib2Fetcher:
        return  # already ours, or the app's own choice (curl, httplib2, custom)

    class TimedUrllibFetcher(fetchers.Urllib2Fetcher):  # type: ignore[misc]
        urlopen = staticmethod(_timed_urlopen)

    fetchers.setDefaultFetcher(TimedUrllibFetcher(), wrap_exceptions=True)


def _install() -> None:
    if not isinstance(getattr(_core_providers, 'http_client', None), _TimedHTTPClient):
        _core_providers.http_client = _TimedHTTPClient()
        _install_openid_fetcher()


@contextlib.contextmanager
def fetch_timeout(seconds: Optional[float]) -> Iterator[None]:
    """Bound each socket operation of the core's fetches to ``seconds``.

    ``None`` means no timeout (the core's own behaviour).
    """
    if seconds is not None and seconds <= 0:
        raise ValueError('fetch_timeout must be a positive number of seconds or None.')
    _install()
    token = _TIMEOUT.set(seconds)
    try:
        yield
    finally:
        _TIMEOUT.reset(token)
