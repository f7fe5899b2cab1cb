# -*- coding: utf-8 -*-
"""Used OpenID Connect nonces, so that each is accepted once.

The nonce of a login lives in its signed login state, which the browser
holds; a replayed callback with an old cookie would bring the nonce back.
The OIDC provider therefore records every nonce it accepted in a store and
refuses one it has seen (:class:`~authomatic_extras.providers.errors.IDTokenNonceReplayed`).

:class:`MemoryNonceStore` serves one process. Apps with several processes or
hosts give the provider a shared store in the config entry's
``'nonce_store'``: any object with ``use(nonce, expires_at) -> bool``. With
Redis, for instance::

    class RedisNonceStore(object):
        def __init__(self, redis):
            self.redis = redis

        def use(self, nonce, expires_at):
            ttl = max(1, int(expires_at - time.time()))
            return bool(self.redis.set('oidc-nonce:' + nonce, 1, nx=True, ex=ttl))
"""
from __future__ import annotations

import heapq
import threading
import time
from typing import Dict, List, Tuple

__all__ = ['MemoryNonceStore', 'default_store']


class MemoryNonceStore(object):
    """Nonces used in this process, each kept until it expires.

    :param int max_entries: when full, the entries closest to expiry are
        dropped first (a nonce dropped early could be replayed only with an
        id_token that expires about as soon).
    """

    def __init__(self, max_entries: int = 100000) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._seen: Dict[str, float] = {}
        self._expiry: List[Tuple[float, str]] = []

    def use(self, nonce: str, expires_at: float) -> bool:
        """Record ``nonce`` until ``expires_at`` (a Unix time); ``False`` if it
        was recorded before and has not expired."""
        now = time.time()
        with self._lock:
            while self._expiry and (self._expiry[0][0] <= now
                                    or len(self._expiry) >= self.max_entries):
                expiry, old = heapq.heappop(self._expiry)
                if self._seen.get(old) == expiry:
                    del self._seen[old]
            seen = self._seen.get(nonce)
            if seen is not None and seen > now:
                return False
            self._seen[nonce] = expires_at
            heapq.heappush(self._expiry, (expires_at, nonce))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


#: The store OIDC providers use unless their config names one.
default_store = MemoryNonceStore()
