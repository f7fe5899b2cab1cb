# -*- coding: utf-8 -*-
"""An OpenID store on NDB (:class:`NDBOpenIDStore`) for ``python3-openid``
on Python 3 and ``python-openid`` 2.2.5 on Python 2.7.

Like upstream's ``authomatic.extras.gae.openid.NDBOpenIDStore``:

* it is an :class:`openid.store.interface.OpenIDStore` whenever the OpenID
  library is installed (without it, importing this module and
  :mod:`authomatic_extras.gae` still works; the methods need the library);
* its methods work on the class and on an instance, so ``'store':
  NDBOpenIDStore`` in a config entry, ``NDBOpenIDStore()`` and
  ``NDBOpenIDStore.cleanupNonces()`` (e.g. from a cron handler) all work;
* it reads what upstream's store wrote (entities of kind ``NDBOpenIDStore``
  under ``ServerUrl`` parents): such associations are still found, such
  nonces still count as used, and the cleanup methods delete them when
  expired. New data goes to the kinds ``OpenIDAssociation`` and
  ``OpenIDNonce``.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
# Absolute imports: this module is named like the ``openid`` library.
from __future__ import absolute_import

import binascii
import datetime
import hashlib
import logging
import time
import types

import six
from google.appengine.ext import ndb

try:
    from openid.store.interface import OpenIDStore as _StoreBase
except ImportError:  # the library is imported again, and fails, when used
    _StoreBase = object

__all__ = ['NDBOpenIDStore', 'OpenIDAssociation', 'OpenIDNonce']

#: The kind upstream's store used for associations and nonces alike.
UPSTREAM_KIND = 'NDBOpenIDStore'


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


class UpstreamOpenIDEntity(ndb.Expando):
    """Reads entities written by upstream's store (kind ``NDBOpenIDStore``).

    Associations: key ``ServerUrl/<server_url>/NDBOpenIDStore/<handle>`` with
    ``serialized``, ``issued`` and ``expiration_date``. Nonces: key
    ``ServerUrl/<url>/TimeStamp/<timestamp>/NDBOpenIDStore/<salt>`` with
    ``expiration_date``.
    """

    _use_memcache = False
    _use_cache = False

    @classmethod
    def _get_kind(cls):
        return UPSTREAM_KIND


def _text(value):
    """``value`` as text: UTF-8 bytes decoded (python-openid on Python 2
    passes byte strings); other bytes as their hex, so they never collide
    with a text URL."""
    if value is None:
        return u''
    if isinstance(value, six.binary_type):
        try:
            return value.decode('utf-8')
        except UnicodeDecodeError:
            return u'hex:' + binascii.hexlify(value).decode('ascii')
    return six.text_type(value)


def _server_key(server_url):
    # Key names may not be empty; the prefix also keeps '' a valid URL.
    return ndb.Key('OpenIDServer', u'u:' + _text(server_url))


def _association_key(server_url, handle):
    return ndb.Key(OpenIDAssociation, _text(handle),
                   parent=_server_key(server_url))


def _nonce_key(server_url, timestamp, salt):
    raw = u'\n'.join([_text(server_url), six.text_type(int(timestamp)),
                      _text(salt)])
    return ndb.Key(OpenIDNonce,
                   hashlib.sha256(raw.encode('utf-8')).hexdigest())


def _upstream_server_key(server_url):
    return ndb.Key('ServerUrl', _text(server_url))


def _upstream_association_key(server_url, handle):
    return ndb.Key(UPSTREAM_KIND, _text(handle),
                   parent=_upstream_server_key(server_url))


def _upstream_nonce_key(server_url, timestamp, salt):
    # Upstream: ('ServerUrl', str(server_url) or 'x', 'TimeStamp',
    # str(timestamp), 'NDBOpenIDStore', str(salt)).
    return ndb.Key('ServerUrl', _text(server_url) or u'x',
                   'TimeStamp', six.text_type(timestamp),
                   UPSTREAM_KIND, _text(salt))


def _skew():
    # Read at call time: callers (and the libraries' tests) change it.
    from openid.store import nonce
    return nonce.SKEW


def _deserialize(serialized):
    from openid.association import Association

    if six.PY2 and isinstance(serialized, six.text_type):
        serialized = serialized.encode('utf-8')
    return Association.deserialize(serialized)


class _class_or_instance_method(object):
    """A method bound to the instance when called on one, else to the class
    (upstream's methods are classmethods; instances must keep working)."""

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__

    def __get__(self, obj, objtype=None):
        return types.MethodType(self.func, objtype if obj is None else obj)


class NDBOpenIDStore(_StoreBase):
    """|gae| NDB implementation of :class:`openid.store.interface.OpenIDStore`.

    Use the class or an instance (``NDBOpenIDStore()`` needs no arguments).
    Associations are entities under one parent per server URL, so reading
    them is strongly consistent and needs no composite index; a nonce is
    used at most once (checked and stored in a transaction) and only within
    ``openid.store.nonce.SKEW`` of now. Expired data is ignored on read and
    removed by :meth:`cleanup`. Server URLs, handles and salts may be text or
    UTF-8 bytes.
    """

    @staticmethod
    def _log(*args, **kwargs):
        """Replaced by the authomatic OpenID provider with its own logger."""

    # -- associations --------------------------------------------------------

    @_class_or_instance_method
    def storeAssociation(self, server_url, association):
        """Stores ``association`` for ``server_url``."""
        OpenIDAssociation(
            key=_association_key(server_url, association.handle),
            serialized=_text(association.serialize()),
            issued=int(association.issued),
            expires=int(association.issued + association.lifetime),
        ).put()
        self._log(logging.DEBUG, u'NDBOpenIDStore: stored an association.')

    @_class_or_instance_method
    def getAssociation(self, server_url, handle=None):
        """The unexpired association ``handle`` of ``server_url``, or its
        most recently issued unexpired one; ``None`` if there is none."""
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
            return _deserialize(entity.serialized)
        return _upstream_association(server_url, handle)

    @_class_or_instance_method
    def removeAssociation(self, server_url, handle):
        """Removes association ``handle``; ``True`` if there was one."""
        keys = [_association_key(server_url, handle),
                _upstream_association_key(server_url, handle)]
        found = [key for key, entity in zip(keys, ndb.get_multi(keys))
                 if entity is not None]
        ndb.delete_multi(found)
        return bool(found)

    @_class_or_instance_method
    def cleanupAssociations(self):
        """Deletes expired associations; returns how many."""
        expired = OpenIDAssociation.query(
            OpenIDAssociation.expires <= int(time.time())).fetch(
                keys_only=True)
        expired += _upstream_expired(nonces=False)
        ndb.delete_multi(expired)
        return len(expired)

    # -- nonces --------------------------------------------------------------

    @_class_or_instance_method
    def useNonce(self, server_url, timestamp, salt):
        """``True`` the first time a nonce is seen within the skew, else
        ``False``."""
        if abs(int(timestamp) - time.time()) > _skew():
            self._log(logging.DEBUG, u'NDBOpenIDStore: nonce out of skew.')
            return False
        if _upstream_nonce_key(server_url, timestamp, salt).get() is not None:
            self._log(logging.WARNING, u'NDBOpenIDStore: nonce reused.')
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

    @_class_or_instance_method
    def cleanupNonces(self):
        """Deletes nonces older than the skew; returns how many."""
        expired = OpenIDNonce.query(
            OpenIDNonce.timestamp < int(time.time() - _skew())).fetch(
                keys_only=True)
        expired += _upstream_expired(nonces=True)
        ndb.delete_multi(expired)
        return len(expired)

    @_class_or_instance_method
    def cleanup(self):
        """``(cleanupNonces(), cleanupAssociations())``, as the interface."""
        return self.cleanupNonces(), self.cleanupAssociations()


def _upstream_association(server_url, handle):
    """An unexpired association upstream's store wrote, or ``None``."""
    if handle is not None:
        entity = _upstream_association_key(server_url, handle).get()
        candidates = [entity] if entity is not None else []
    else:
        candidates = UpstreamOpenIDEntity.query(
            ancestor=_upstream_server_key(server_url)).fetch()
        candidates = [e for e in candidates
                      if e.key.parent().kind() == 'ServerUrl']
        candidates.sort(key=lambda e: getattr(e, 'issued', 0) or 0,
                        reverse=True)
    for entity in candidates:
        serialized = getattr(entity, 'serialized', None)
        if not serialized:
            continue
        association = _deserialize(serialized)
        if association.issued + association.lifetime > time.time():
            return association
    return None


def _upstream_expired(nonces):
    """Keys of upstream's expired nonces (or associations)."""
    now = datetime.datetime.utcnow()
    keys = UpstreamOpenIDEntity.query(
        ndb.GenericProperty('expiration_date') <= now).fetch(keys_only=True)
    parent_kind = 'TimeStamp' if nonces else 'ServerUrl'
    return [key for key in keys
            if key.parent() is not None and key.parent().kind() == parent_kind]
