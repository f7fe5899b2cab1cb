# -*- coding: utf-8 -*-
"""OpenID stores that several app processes can share.

An OpenID relying party keeps two things on the server: the associations
(shared secrets with each provider, used to verify the provider's
signature) and the nonces it has already accepted (what refuses a replayed
callback). :class:`~authomatic_extras.flask.FlaskAuthomatic` uses a
python3-openid ``MemoryStore`` of its own process by default. Behind a load
balancer, with several processes or hosts, that breaks both:

* a login started on instance A and finished on B fails: B does not know
  A's association, falls back to asking the provider
  (``check_authentication``), which refuses it for a shared association
  ("Server denied check_authentication");
* B does not know which nonces A accepted.

:class:`RedisOpenIDStore` keeps both in Redis, so every instance sees the
same associations and nonces. Put it in the OpenID provider's config::

    import redis
    from authomatic_extras.openid_stores import RedisOpenIDStore

    store = RedisOpenIDStore(redis.Redis(host='redis', port=6379))
    CONFIG = {'openid': {'class_': 'authomatic.providers.openid.OpenID',
                         'store': store}}

python3-openid's own SQL stores (``openid.store.sqlstore``) work too, as does
:class:`authomatic_extras.gae.openid.NDBOpenIDStore` on App Engine.
"""
from __future__ import annotations

import time
from typing import Any, Optional

__all__ = ['RedisOpenIDStore']


def _text(value: Any) -> str:
    return value.decode('utf-8') if isinstance(value, bytes) else str(value)


class RedisOpenIDStore(object):
    """A python3-openid ``OpenIDStore`` in Redis, shared by every process that
    uses the same Redis database and ``prefix``.

    :param client: a :class:`redis.Redis` client (``redis-py``).
    :param str prefix: prefix of the keys it writes.

    Keys: ``<prefix>assoc:<server URL>`` (a hash: association handle ->
    serialized association; expires with the longest-lived association in
    it) and ``<prefix>nonces`` (a sorted set of used nonces scored by their
    time stamp; nonces too old to be accepted anyway are dropped as new ones
    arrive, and by :meth:`cleanupNonces`). Accepting a nonce is one atomic
    ``ZADD NX``, so two instances can never both accept the same one.
    """

    def __init__(self, client: Any, prefix: str = 'authomatic-extras:openid:') -> None:
        self.client = client
        self.prefix = prefix

    # -- associations ---------------------------------------------------------

    def _assoc_key(self, server_url: str) -> str:
        return '{0}assoc:{1}'.format(self.prefix, server_url)

    def storeAssociation(self, server_url: str, association: Any) -> None:  # noqa: N802
        """Store ``association`` for ``server_url`` (replacing one with the
        same handle)."""
        key = self._assoc_key(server_url)
        pipe = self.client.pipeline()
        pipe.hset(key, association.handle, association.serialize())
        remaining = int(association.expiresIn)
        if remaining > 0:
            pipe.ttl(key)
        results = pipe.execute()
        if remaining > 0:
            current = results[-1]
            if current is None or current < remaining:
                self.client.expire(key, remaining)

    def getAssociation(self, server_url: str, handle: Optional[str] = None) -> Any:  # noqa: N802
        """The association ``handle`` of ``server_url``, or without a handle
        the one issued last; ``None`` when there is none or it expired."""
        from openid.association import Association

        key = self._assoc_key(server_url)
        if handle is not None:
            raw = self.client.hget(key, handle)
            if raw is None:
                return None
            association = Association.deserialize(_text(raw))
            if association.expiresIn <= 0:
                self.client.hdel(key, handle)
                return None
            return association
        newest = None
        for raw_handle, raw in self.client.hgetall(key).items():
            association = Association.deserialize(_text(raw))
            if association.expiresIn <= 0:
                self.client.hdel(key, raw_handle)
            elif newest is None or association.issued > newest.issued:
                newest = association
        return newest

    def removeAssociation(self, server_url: str, handle: str) -> bool:  # noqa: N802
        """Remove an association; whether it was there."""
        return bool(self.client.hdel(self._assoc_key(server_url), handle))

    def cleanupAssociations(self) -> int:  # noqa: N802
        """Remove expired associations of every server; how many."""
        from openid.association import Association

        removed = 0
        for key in self.client.scan_iter(match=self._escaped(self.prefix) + 'assoc:*'):
            for handle, raw in self.client.hgetall(key).items():
                if Association.deserialize(_text(raw)).expiresIn <= 0:
                    removed += self.client.hdel(key, handle)
        return removed

    # -- nonces ---------------------------------------------------------------

    @property
    def _nonce_key(self) -> str:
        return self.prefix + 'nonces'

    def useNonce(self, server_url: str, timestamp: int, salt: str) -> bool:  # noqa: N802
        """Accept a nonce once: ``True`` the first time, ``False`` after, and
        for a time stamp further from now than python3-openid's ``SKEW``."""
        from openid.store import nonce

        now = time.time()
        if abs(timestamp - now) > nonce.SKEW:
            return False
        member = '{0}\n{1}\n{2}'.format(server_url, int(timestamp), salt)
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(self._nonce_key, '-inf', '({0}'.format(int(now - nonce.SKEW)))
        pipe.zadd(self._nonce_key, {member: int(timestamp)}, nx=True)
        return bool(pipe.execute()[-1])

    def cleanupNonces(self) -> int:  # noqa: N802
        """Remove nonces too old to be accepted again; how many."""
        from openid.store import nonce

        cutoff = int(time.time() - nonce.SKEW)
        return int(self.client.zremrangebyscore(self._nonce_key, '-inf',
                                                '({0}'.format(cutoff)))

    def cleanup(self) -> Any:
        """``(cleanupNonces(), cleanupAssociations())``."""
        return self.cleanupNonces(), self.cleanupAssociations()

    @staticmethod
    def _escaped(text: str) -> str:
        """``text`` as a literal in a Redis glob pattern."""
        return ''.join('\\' + c if c in '*?[]\\' else c for c in text)
