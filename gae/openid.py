# -*- coding: utf-8 -*-
"""An OpenID store on NDB for the ``python3-openid`` (``python-openid``) API.

``python3-openid`` is imported only when a method needs it, so importing
this module (and :mod:`authomatic_extras.gae`) works without it.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
# Absolute imports: this module is named like the ``openid`` library.
from __future__ import absolute_import

import hashlib
import logging
import time

from google.appengine.ext import ndb

__all__ = ['NDBOpenIDStore', 'OpenIDAssociation', 'OpenIDNonce']


class OpenIDAssociation(ndb.Model):
    """One association; parent key ``('OpenIDServer', server_url)``."""

    _use_memcache = False

    serialized = ndb.TextProperty()
    issued = ndb.IntegerProperty(indexed=False)
    expires = ndb.IntegerProperty()


class OpenIDNonce(ndb.Model):
    """One used nonce; the key name hashes server URL, timestamp and salt."""

    _use_memcache = False
    _use_cache = False

    timestamp = ndb.IntegerProperty()


def _server_key(server_url):
    # Key names may not be empty; the prefix also keeps '' a valid URL.
    return ndb.Key('OpenIDServer', 'u:' + server_url)


def _association_key(server_url, handle):
    return ndb.Key(OpenIDAssociation, handle, parent=_server_key(server_url))


def _nonce_key(server_url, timestamp, salt):
    raw = u'\n'.join([server_url or u'', str(int(timestamp)), salt or u''])
    return ndb.Key(OpenIDNonce,
                   hashlib.sha256(raw.encode('utf-8')).hexdigest())


def _skew():
    # Read at call time: callers (and python3-openid's tests) change it.
    from openid.store import nonce
    return nonce.SKEW


class NDBOpenIDStore(object):
    """|gae| NDB implementation of :class:`openid.store.interface.OpenIDStore`.

    Needs no arguments. Associations are entities under one parent per
    server URL, so reading them is strongly consistent and needs no
    composite index; a nonce is used at most once (checked and stored in a
    transaction) and only within ``openid.store.nonce.SKEW`` of now.
    Expired data is ignored on read and removed by :meth:`cleanup`.
    """

    def _log(self, *args, **kwargs):
        """Replaced by the authomatic OpenID provider with its own logger."""

    # -- associations --------------------------------------------------------

    def storeAssociation(self, server_url, association):
        OpenIDAssociation(
            key=_association_key(server_url, association.handle),
            serialized=association.serialize(),
            issued=int(association.issued),
            expires=int(association.issued + association.lifetime),
        ).put()
        self._log(logging.DEBUG, u'NDBOpenIDStore: stored an association.')

    def getAssociation(self, server_url, handle=None):
        from openid.association import Association

        now = int(time.time())
        if handle is not None:
            entity = _association_key(server_url, handle).get()
            candidates = [entity] if entity is not None else []
        else:
            candidates = OpenIDAssociation.query(
                ancestor=_server_key(server_url)).fetch()
            # Most recently issued first, whatever its expiry.
            candidates.sort(key=lambda e: e.issued, reverse=True)
        for entity in candidates:
            if entity.expires is not None and entity.expires <= now:
                continue
            return Association.deserialize(entity.serialized)
        return None

    def removeAssociation(self, server_url, handle):
        key = _association_key(server_url, handle)
        if key.get() is None:
            return False
        key.delete()
        return True

    def cleanupAssociations(self):
        expired = OpenIDAssociation.query(
            OpenIDAssociation.expires <= int(time.time())).fetch(
                keys_only=True)
        ndb.delete_multi(expired)
        return len(expired)

    # -- nonces --------------------------------------------------------------

    def useNonce(self, server_url, timestamp, salt):
        if abs(int(timestamp) - time.time()) > _skew():
            self._log(logging.DEBUG, u'NDBOpenIDStore: nonce out of skew.')
            return False
        key = _nonce_key(server_url, timestamp, salt)

        @ndb.transactional(retries=3)
        def claim():
            if key.get() is not None:
                return False
            OpenIDNonce(key=key, timestamp=int(timestamp)).put()
            return True

        used = claim()
        if not used:
            self._log(logging.WARNING, u'NDBOpenIDStore: nonce reused.')
        return used

    def cleanupNonces(self):
        expired = OpenIDNonce.query(
            OpenIDNonce.timestamp < int(time.time() - _skew())).fetch(
                keys_only=True)
        ndb.delete_multi(expired)
        return len(expired)

    def cleanup(self):
        """``(cleanupNonces(), cleanupAssociations())``, as the interface."""
        return self.cleanupNonces(), self.cleanupAssociations()
