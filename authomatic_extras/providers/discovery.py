# -*- coding: utf-8 -*-
"""OpenID Connect discovery and JWKS, fetched with a time limit and cached.

:data:`cache` (one per process) keeps each issuer's metadata
(``.well-known/openid-configuration``) and key set for :data:`TTL` seconds.
Every fetch (as a whole, not only each socket operation) is bounded by the
``fetch_timeout`` in force
(:func:`authomatic_extras.fetch_timeout.fetch_timeout`, which
:class:`~authomatic_extras.flask.FlaskAuthomatic` applies to every login),
else by the provider's ``timeout`` setting. :func:`clear_cache` forgets
everything (after an issuer revoked a key, or between tests).
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional, Tuple

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from authomatic_extras.fetch_timeout import current_fetch_timeout
from authomatic_extras.providers.errors import DiscoveryError, JWKSError

__all__ = ['IssuerCache', 'cache', 'clear_cache', 'TTL', 'MAX_DOCUMENT_BYTES']

#: Seconds metadata and key sets stay cached.
TTL = 3600.0

#: Larger answers from a discovery or JWKS endpoint are refused.
MAX_DOCUMENT_BYTES = 512 * 1024

#: Seconds a fetch may take when no ``fetch_timeout`` is in force.
DEFAULT_TIMEOUT = 20.0


def _get(url: str, limit: float) -> bytes:
    request = urllib.request.Request(url, headers={'Accept': 'application/json'})
    with urllib.request.urlopen(request, timeout=limit) as response:
        return bytes(response.read(MAX_DOCUMENT_BYTES + 1))


def fetch_json(url: str, timeout: Optional[float], error: Callable[..., Exception],
               what: str) -> Dict[str, Any]:
    """GET ``url`` and return its JSON object, or raise ``error``.

    The whole fetch is bounded by the time limit, not only each socket
    operation: a server that trickles its answer byte by byte is given up
    on too (the abandoned fetch ends in the background at its next socket
    timeout).
    """
    limit = current_fetch_timeout() or timeout or DEFAULT_TIMEOUT
    box: Dict[str, Any] = {}

    def run() -> None:
        try:
            box['body'] = _get(url, limit)
        except Exception as exc:  # handed over below
            box['error'] = exc

    worker = threading.Thread(target=run, name='authomatic-extras-oidc-fetch')
    worker.daemon = True
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise error('The {0} at {1} did not answer within {2} s.'.format(what, url, limit),
                    url=url)
    exc = box.get('error')
    if isinstance(exc, urllib.error.HTTPError):
        raise error('The {0} at {1} answered HTTP {2}.'.format(what, url, exc.code),
                    url=url, status=exc.code) from exc
    if isinstance(exc, (OSError, ValueError)):  # refused, timed out, bad URL, TLS
        raise error('The {0} at {1} could not be fetched within {2} s ({3}).'.format(
            what, url, limit, exc), url=url) from exc
    if exc is not None:
        raise exc
    body = box['body']
    if len(body) > MAX_DOCUMENT_BYTES:
        raise error('The {0} at {1} is larger than {2} bytes.'.format(
            what, url, MAX_DOCUMENT_BYTES), url=url)
    try:
        data = json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeError) as exc:
        raise error('The {0} at {1} is not JSON.'.format(what, url), url=url) from exc
    if not isinstance(data, dict):
        raise error('The {0} at {1} is not a JSON object.'.format(what, url), url=url)
    return data


_REQUIRED_METADATA = ('issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri')


class IssuerCache(object):
    """Metadata and key sets of issuers, each kept for ``ttl`` seconds.

    Thread-safe; fetches run outside the lock (two threads may fetch the
    same document at once; the later answer wins).
    """

    def __init__(self, ttl: float = TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._metadata: Dict[str, Tuple[float, Dict[str, Any]]] = {}
        self._keys: Dict[str, Tuple[float, KeySet]] = {}

    def clear(self) -> None:
        """Forget every cached document."""
        with self._lock:
            self._metadata.clear()
            self._keys.clear()

    def _cached(self, store: Dict[str, Tuple[float, Any]], url: str) -> Any:
        with self._lock:
            entry = store.get(url)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None

    def _keep(self, store: Dict[str, Tuple[float, Any]], url: str, value: Any) -> None:
        with self._lock:
            store[url] = (time.monotonic() + self.ttl, value)

    def metadata(self, discovery_url: str, issuer: str,
                 timeout: Optional[float] = None) -> Dict[str, Any]:
        """The issuer's metadata from ``discovery_url``.

        :raises DiscoveryError: unreachable, slower than the time limit, not
            a metadata document, or naming another ``issuer`` (OpenID Connect
            Discovery 1.0, section 4.3).
        """
        found = self._cached(self._metadata, discovery_url)
        if found is not None:
            return found  # type: ignore[no-any-return]
        data = fetch_json(discovery_url, timeout, DiscoveryError, 'discovery document')
        missing = [name for name in _REQUIRED_METADATA if not isinstance(data.get(name), str)]
        if missing:
            raise DiscoveryError('The discovery document at {0} lacks {1}.'.format(
                discovery_url, ', '.join(missing)), url=discovery_url)
        if data['issuer'] != issuer:
            raise DiscoveryError(
                'The discovery document at {0} is for issuer {1!r}, not the configured '
                '{2!r}: fix "issuer" in the config entry.'.format(
                    discovery_url, data['issuer'], issuer), url=discovery_url)
        self._keep(self._metadata, discovery_url, data)
        return data

    def keys(self, jwks_uri: str, refresh: bool = False,
             timeout: Optional[float] = None) -> KeySet:
        """The issuer's signing keys from ``jwks_uri``; ``refresh`` fetches
        them even when cached (a token named a key we do not know).

        :raises JWKSError: unreachable, slower than the time limit, or no key
            set.
        """
        if not refresh:
            found = self._cached(self._keys, jwks_uri)
            if found is not None:
                return found  # type: ignore[no-any-return]
        data = fetch_json(jwks_uri, timeout, JWKSError, 'JWKS')
        try:
            keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            raise JWKSError('The JWKS at {0} holds no usable key ({1}).'.format(
                jwks_uri, exc), url=jwks_uri) from exc
        self._keep(self._keys, jwks_uri, keys)
        return keys


#: The process-wide cache the OIDC provider uses.
cache = IssuerCache()


def clear_cache() -> None:
    """Forget every issuer's cached metadata and keys."""
    cache.clear()
