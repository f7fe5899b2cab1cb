# -*- coding: utf-8 -*-
"""A datastore config (:class:`NDBConfig`) that costs no datastore RPC warm.

Upstream queries the datastore on every ``get()``, and the authomatic core
calls ``get()`` for every keyword argument a provider resolves: 26 to 28
queries per login request. Here all entries are read with one query, kept in
memcache (shared by all instances) and memoised on the request's NDB context
(the per-request instance cache, so a login step makes at most one memcache
call).

Freshness:

* Writing or deleting an ``NDBConfig`` entity through NDB clears both copies
  (``_post_put_hook`` / ``_post_delete_hook``), so such an edit is seen on
  the next request, on every instance.
* Every copy is at most :data:`MAX_STALENESS_SECONDS` old when used (the
  memcache value expires then and carries the time of its query; the request
  memo is dropped after as long). So an edit that bypasses NDB's hooks (the
  Datastore Viewer, a raw ``datastore.Put``, another app version) or a query
  that ran before the datastore made a write visible (eventual consistency)
  is seen at most that many seconds after the datastore's query returns it.

The memcache value is UTF-8 JSON (no pickle), so a Python 2.7 and a
Python 3 version of an app can share one memcache while the app migrates.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
from __future__ import absolute_import

import abc
import copy
import json
import logging
import time

import six
from google.appengine.api import memcache
from google.appengine.ext import ndb

from authomatic_extras.gae.errors import GAEError
from authomatic_extras.gae.openid import NDBOpenIDStore
from authomatic_extras.interfaces import BaseConfig

__all__ = ['NDBConfig', 'ndb_config']

logger = logging.getLogger(__name__)

#: Memcache key of the cached entries (bump the suffix when the format moves).
MEMCACHE_KEY = 'authomatic_extras.gae.NDBConfig:v2'
#: The longest time, in seconds, a cached copy of the entries is used: an edit
#: the NDB hooks do not see is picked up at most this long after the
#: datastore's query returns it. Read at call time, so an app may change it.
MAX_STALENESS_SECONDS = 10
#: Attribute of the NDB context that memoises the entries for one request.
_CONTEXT_ATTR = '_authomatic_extras_ndb_config'
#: After a write, memcache refuses a re-fill for this many seconds, so a
#: request that read the datastore before the write cannot put stale entries
#: back (memcache's delete lock).
INVALIDATION_LOCK_SECONDS = 1


class _NDBConfigMeta(ndb.MetaModel, abc.ABCMeta):
    """ndb's model metaclass combined with the ABC metaclass of BaseConfig."""


class NDBConfig(six.with_metaclass(_NDBConfigMeta, ndb.Expando, BaseConfig)):
    """|gae| NDB based config: one entity per provider.

    ``get(name)`` returns the dict the authomatic core wants for the entity
    whose ``provider_name`` is ``name``: its properties, ``scope`` split at
    commas into a list, ``id`` (from ``provider_id``) and ``store`` (an
    :class:`~authomatic_extras.gae.openid.NDBOpenIDStore`).

    An ``ndb.Expando`` (upstream: ``ndb.Model``, whose entities load
    unchanged): any other keyword a provider reads from its config entry,
    such as ``provider_url`` or ``timeout``, can be stored as a dynamic
    property and is returned in the dict.
    """

    # General properties
    provider_name = ndb.StringProperty()
    class_ = ndb.StringProperty()

    # AuthorizationProvider properties
    provider_id = ndb.IntegerProperty()
    consumer_key = ndb.StringProperty()
    consumer_secret = ndb.StringProperty()

    # OAuth2 properties
    scope = ndb.StringProperty()
    offline = ndb.BooleanProperty()

    # AuthenticationProvider properties
    identifier_param = ndb.StringProperty()

    # -- the dict interface --------------------------------------------------

    @classmethod
    def get(cls, key, default=None):
        """Like :meth:`dict.get`: the config dict of provider ``key``.

        ``key`` may be text or UTF-8 bytes (on Python 2, ``'caf\\xc3\\xa9'``
        and ``u'caf\\xe9'`` find the same entry). Text values come back as
        native ``str`` on both runtimes (the core tests ``class_`` with
        ``isinstance(class_, str)``).
        """
        entry = cls._entries().get(_native(key))
        if entry is None:
            return default
        return _public(entry)

    @classmethod
    def values(cls):
        """Like :meth:`dict.values`: a list of all config dicts."""
        return [_public(entry) for entry in cls._entries().values()]

    @classmethod
    def keys(cls):
        """Like :meth:`dict.keys`: the provider names."""
        return list(cls._entries().keys())

    @classmethod
    def items(cls):
        """Like :meth:`dict.items` (the core's ``id_to_name`` uses it)."""
        return [(name, _public(entry))
                for name, entry in cls._entries().items()]

    # -- setup ---------------------------------------------------------------

    @classmethod
    def initialize(cls):
        """Creates the **Example** entity if the kind is empty, then raises.

        :raises GAEError: telling you to fill in the model, when it was empty.
        """
        if cls._entries():
            return  # Warm: no datastore RPC.
        if cls.query().get(keys_only=True) is None:
            example = cls.get_or_insert('Example')
            example.class_ = ('Provider class e.g. '
                              '"authomatic.providers.oauth2.Facebook".')
            example.provider_name = 'Your custom provider name e.g. "fb".'
            example.consumer_key = 'Consumer key.'
            example.consumer_secret = 'Consumer secret'
            example.provider_id = 1
            example.scope = 'coma, separated, list, of, scopes'
            example.identifier_param = ('Querystring parameter for claimed '
                                        'id. default is "id"')
            example.put()
            raise GAEError(
                'A NDBConfig data model was created ("Example"): populate '
                'it with data, one entity per provider. Locally: restart '
                'the dev server with --seed FILE, or sign in as an '
                'administrator and open /_ah/admin/config. On App Engine: '
                'the Datastore page of the Google Cloud console.')

    # -- cache ---------------------------------------------------------------

    @classmethod
    def _entries(cls):
        """``{provider_name: dict}``: request memo, else memcache, else query.

        Costs nothing after the first call in a request, one memcache get
        per request warm, and one datastore query (plus a memcache add) cold
        or when the cached copy is older than :data:`MAX_STALENESS_SECONDS`.
        """
        context = ndb.get_context()
        now = _now()
        memo = getattr(context, _CONTEXT_ATTR, None)
        if memo is not None and _fresh(memo[0], now):
            return memo[1]
        loaded_at, entries = _decode(memcache.get(MEMCACHE_KEY), now)
        if entries is None:
            loaded_at, entries = now, cls._load()
            value = _encode(loaded_at, entries)
            if value is not None:
                memcache.add(MEMCACHE_KEY, value,
                             time=max(1, int(MAX_STALENESS_SECONDS)))
        setattr(context, _CONTEXT_ATTR, (loaded_at, entries))
        return entries

    @classmethod
    def _load(cls):
        entries = {}
        # Past NDB's caches: an entity cached in this context would hide a
        # write that bypassed NDB (the Datastore Viewer, a raw put).
        for entity in cls.query().fetch(use_cache=False, use_memcache=False):
            if entity.provider_name is None:
                continue
            entries[_native(entity.provider_name)] = _entry(entity)
        return entries

    @classmethod
    def invalidate_cache(cls):
        """Forgets the cached entries everywhere (memcache and this request).

        Called by the NDB hooks on every put and delete of an ``NDBConfig``.
        """
        setattr(ndb.get_context(), _CONTEXT_ATTR, None)
        memcache.delete(MEMCACHE_KEY, seconds=INVALIDATION_LOCK_SECONDS)

    def _post_put_hook(self, future):
        self.invalidate_cache()

    @classmethod
    def _post_delete_hook(cls, key, future):
        cls.invalidate_cache()


def _now():
    """The clock of the staleness bound (a function, so tests can move it)."""
    return time.time()


def _fresh(loaded_at, now):
    return 0 <= now - loaded_at < MAX_STALENESS_SECONDS


def _native(value):
    """``value`` with every text or UTF-8 bytes string as a native ``str``.

    On Python 2 the datastore returns ``unicode`` (the core wants ``str``);
    on Python 3 NDB returns dynamic string properties as ``bytes``. Bytes
    that are not UTF-8 stay bytes.
    """
    if isinstance(value, (six.text_type, six.binary_type)):
        try:
            return six.ensure_str(value, 'utf-8')
        except UnicodeError:
            return value
    if isinstance(value, (list, tuple)):
        return [_native(item) for item in value]
    if isinstance(value, dict):
        return dict((_native(k), _native(v)) for k, v in value.items())
    return value


def _encode(loaded_at, entries):
    """The memcache value: UTF-8 JSON bytes, or ``None`` if not JSON-able.

    JSON, not pickle: Python 2.7's ``cPickle`` cannot read Python 3's
    protocols, and both runtimes may share a memcache during a migration.
    """
    try:
        text = json.dumps({'loaded_at': loaded_at, 'entries': entries},
                          sort_keys=True, separators=(',', ':'))
    except (TypeError, ValueError) as error:
        logger.warning('NDBConfig: entries are not JSON (%s); they are '
                       'cached per request only, so every request queries '
                       'the datastore. Store only strings, numbers, '
                       'booleans and lists in NDBConfig entities.', error)
        return None
    return six.ensure_binary(text, 'utf-8')


def _decode(value, now):
    """``(loaded_at, entries)`` of a fresh memcache value, else ``(None,
    None)`` (a miss, a value of another format, or one too old)."""
    if not isinstance(value, six.binary_type):
        return None, None
    try:
        data = json.loads(value.decode('utf-8'))
        loaded_at = float(data['loaded_at'])
        entries = data['entries']
    except (ValueError, KeyError, TypeError):
        return None, None
    if not isinstance(entries, dict) or not _fresh(loaded_at, now):
        return None, None
    return loaded_at, _native(entries)


def _entry(entity):
    """The cacheable dict of one entity (no store: it is added per call)."""
    result = _native(entity.to_dict())
    scope = result.get('scope')
    if scope:
        result['scope'] = [s.strip() for s in scope.split(',') if s.strip()]
    else:
        result['scope'] = None
    if result.get('provider_id') is not None:
        # The core reads a provider's id (used by credentials) from "id".
        result['id'] = result['provider_id']
    return result


def _public(entry):
    """A copy of a cached entry the caller may change, with a fresh store."""
    result = copy.deepcopy(entry)
    result['store'] = NDBOpenIDStore()
    return result


def ndb_config():
    """Returns :class:`NDBConfig` after :meth:`NDBConfig.initialize`.

    :raises GAEError: when the kind was empty (an "Example" entity was
        created for you to fill in).
    """
    NDBConfig.initialize()
    return NDBConfig
