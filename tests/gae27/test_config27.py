# -*- coding: utf-8 -*-
"""NDBConfig / ndb_config / GAEError on Python 2.7 with the SDK's testbed."""
from __future__ import absolute_import

import json
import os

import pytest
import six
import webapp2
import webtest
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter
from google.appengine.api import datastore, memcache

from authomatic_extras.gae import (GAEError, NDBConfig, NDBOpenIDStore,
                                   Webapp2Session, ndb_config)
from authomatic_extras.gae import config as config_module
from conftest import Testbed, new_request_context

SECRET = 'py27-config-secret-0123456789'
EXCHANGE_ENV = 'AUTHOMATIC_EXTRAS_PY27_EXCHANGE'


def add_github(name='gh', key='client-id', scope=u'user:email, read:org'):
    return NDBConfig(provider_name=name,
                     class_=u'authomatic.providers.oauth2.GitHub',
                     provider_id=7, consumer_key=key,
                     consumer_secret=u'client-secret', scope=scope).put()


def test_empty_kind_raises_gae_error_and_creates_the_example(testbed):
    with pytest.raises(GAEError) as raised:
        ndb_config()
    assert isinstance(raised.value, GAEError)
    assert NDBConfig.get_by_id('Example') is not None
    assert ndb_config() is NDBConfig


def test_text_values_are_native_str(testbed):
    add_github()
    NDBConfig(provider_name=u'caf\xe9', class_=u'authomatic.providers.'
              u'oauth2.GitHub', provider_url=u'http://127.0.0.1:9/\xe9',
              timeout=5).put()
    entry = NDBConfig.get('gh')
    assert type(entry['class_']) is str            # not unicode
    assert type(entry['consumer_key']) is str
    assert [type(s) for s in entry['scope']] == [str, str]
    assert all(type(name) is str for name in NDBConfig.keys())
    other = NDBConfig.get('caf\xc3\xa9')           # UTF-8 bytes name
    assert other is not None
    assert other['provider_url'] == 'http://127.0.0.1:9/\xc3\xa9'
    assert other['timeout'] == 5
    assert NDBConfig.get(u'caf\xe9')['provider_name'] == 'caf\xc3\xa9'
    assert isinstance(NDBConfig.get('gh')['store'], NDBOpenIDStore)


def login_step_app():
    class Login(webapp2.RequestHandler):
        def get(self, name):
            authomatic = Authomatic(config=ndb_config(), secret=SECRET)
            session = Webapp2Session(self, secret=SECRET)
            result = authomatic.login(Webapp2Adapter(self), name,
                                      session=session,
                                      session_saver=session.save)
            if result and result.error:
                self.response.write('error: %s' % result.error)

    return webtest.TestApp(webapp2.WSGIApplication(
        [webapp2.Route('/login/<name>', Login)]))


def test_string_class_logs_in_on_python_2(testbed, new_request):
    """The core resolves ``class_`` only if it is a ``str``: a unicode one
    crashed with AttributeError before."""
    add_github()
    new_request()
    response = login_step_app().get('/login/gh')
    assert response.status_int == 302
    assert response.location.startswith(
        'https://github.com/login/oauth/authorize?')
    assert 'client_id=client-id' in response.location


def test_login_step_rpcs_cold_warm_and_after_a_memcache_flush(
        testbed, rpc_counter, new_request, monkeypatch):
    monkeypatch.setattr(config_module, 'INVALIDATION_LOCK_SECONDS', 0)
    add_github()
    app = login_step_app()

    def step():
        new_request()
        rpc_counter.reset()
        assert app.get('/login/gh').status_int == 302
        return dict(rpc_counter.calls)

    cold, warm = step(), step()
    memcache.flush_all()
    flushed = step()
    print('py27 RPCs per login step: cold %r warm %r after flush %r'
          % (cold, warm, flushed))
    datastore_of = lambda calls: sum(  # noqa: E731
        n for k, n in calls.items() if k.startswith('datastore'))
    assert cold.get('datastore_v3.RunQuery') == 1 and datastore_of(cold) == 1
    assert datastore_of(warm) == 0
    assert warm['memcache.Get'] == 2    # the config's Get, the session's Get
    assert flushed.get('datastore_v3.RunQuery') == 1


# -- staleness ----------------------------------------------------------------
#
# A controllable clock, for memcache's expiry (the stub's clock) and the
# module's own (its ``_now``): waiting out the bound for real would make each
# test sleep MAX_STALENESS_SECONDS.


@pytest.fixture
def hr_clock(monkeypatch):
    """Eventual consistency (probability 0: a write reaches global queries
    only once its entity group is read) and a clock the test moves."""
    now = [1000000.0]
    bed = Testbed(probability=0, clock=lambda: now[0])
    monkeypatch.setattr(config_module, '_now', lambda: now[0])
    try:
        yield now
    finally:
        bed.stop()


def apply_writes(key):
    """Makes the writes to ``key``'s entity group visible to queries (a
    strongly consistent read rolls them forward in the HR stub)."""
    datastore.Get(key.to_old_key())


def test_a_raw_write_is_seen_within_the_staleness_bound(hr_clock):
    key = add_github(key='old-id')
    apply_writes(key)
    new_request_context()
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'   # cached now

    # What the Datastore Viewer does: a raw put, no NDB hook runs.
    entity = datastore.Get(key.to_old_key())
    entity['consumer_key'] = u'new-id'
    datastore.Put(entity)
    apply_writes(key)

    hr_clock[0] += 1
    new_request_context()
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'   # within bound
    hr_clock[0] += config_module.MAX_STALENESS_SECONDS
    new_request_context()
    assert NDBConfig.get('gh')['consumer_key'] == 'new-id'


def test_a_query_that_missed_a_write_is_cached_only_briefly(hr_clock):
    apply_writes(add_github('other'))
    new_request_context()
    assert NDBConfig.get('gh') is None
    key = add_github('gh')                  # the hook clears memcache...
    hr_clock[0] += 2                        # (after its 1 s delete lock)
    new_request_context()
    assert NDBConfig.get('gh') is None      # ...but the query misses it
    apply_writes(key)                       # now a query would see it
    hr_clock[0] += 1
    new_request_context()
    assert NDBConfig.get('gh') is None      # the miss is cached, briefly
    hr_clock[0] += config_module.MAX_STALENESS_SECONDS
    new_request_context()
    assert NDBConfig.get('gh')['consumer_key'] == 'client-id'


def test_one_request_context_obeys_the_bound_too(hr_clock):
    key = add_github(key='old-id')
    apply_writes(key)
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'
    entity = datastore.Get(key.to_old_key())
    entity['consumer_key'] = u'new-id'
    datastore.Put(entity)
    apply_writes(key)
    # Same NDB context (a long-running request or task): still bounded.
    hr_clock[0] += config_module.MAX_STALENESS_SECONDS
    assert NDBConfig.get('gh')['consumer_key'] == 'new-id'


# -- the memcache value both runtimes read ---------------------------------------


def test_memcache_value_is_utf8_json_and_crosses_runtimes(testbed,
                                                          rpc_counter,
                                                          monkeypatch):
    """Python 2 writes JSON bytes; a value written by the Python 3 suite
    (``$AUTHOMATIC_EXTRAS_PY27_EXCHANGE/py3-value.json``) is read here with
    no datastore RPC, and ours is left there for the Python 3 side."""
    NDBConfig(provider_name=u'caf\xe9', class_=u'authomatic.providers.'
              u'oauth2.GitHub', provider_id=3, consumer_key=u'k\xe9y',
              scope=u'a, b').put()
    NDBConfig.get('caf\xc3\xa9')
    raw = memcache.get(config_module.MEMCACHE_KEY)
    assert type(raw) is str                      # bytes, not unpickled
    data = json.loads(raw.decode('utf-8'))
    assert data['entries'][u'caf\xe9']['consumer_key'] == u'k\xe9y'

    exchange = os.environ.get(EXCHANGE_ENV)
    if not exchange:
        pytest.skip('%s not set: the Python 3 suite '
                    '(tests/gae/test_py27_runtime.py) sets it' % EXCHANGE_ENV)
    with open(os.path.join(exchange, 'py27-value.json'), 'wb') as out:
        out.write(raw)
    with open(os.path.join(exchange, 'py3-value.json'), 'rb') as source:
        theirs = source.read()
    loaded_at = json.loads(theirs.decode('utf-8'))['loaded_at']
    monkeypatch.setattr(config_module, '_now', lambda: loaded_at + 1)
    memcache.set(config_module.MEMCACHE_KEY, theirs)
    new_request_context()
    rpc_counter.reset()
    entry = NDBConfig.get(u'py3-caf\xe9')
    assert rpc_counter.datastore == 0, rpc_counter.calls
    assert entry['consumer_key'] == 'py3-k\xc3\xa9y'
    assert type(entry['class_']) is str
    assert entry['scope'] == ['x', 'y']
    assert isinstance(entry['consumer_key'], six.binary_type)
