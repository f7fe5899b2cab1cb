# -*- coding: utf-8 -*-
"""NDBConfig / ndb_config under the testbed stubs, with RPCs counted.

RPCs are counted by an apiproxy pre-call hook (``rpc_counter`` fixture), so
the numbers below are the API calls the code really makes.
"""
import sys

import pytest
import webapp2
import webtest
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter

from authomatic_extras.gae import (GAEError, NDBConfig, NDBOpenIDStore,
                                   Webapp2Session, ndb_config)
from authomatic_extras.gae import config as config_module
from authomatic_extras.interfaces import BaseConfig

SECRET = 'test-config-secret-0123456789'


def add_github(name='gh', scope='user:email, read:org', key='client-id'):
    return NDBConfig(provider_name=name,
                     class_='authomatic.providers.oauth2.GitHub',
                     provider_id=7, consumer_key=key,
                     consumer_secret='client-secret', scope=scope).put()


def test_is_a_model_and_a_base_config():
    from google.appengine.ext import ndb

    assert issubclass(NDBConfig, ndb.Model)
    assert issubclass(NDBConfig, BaseConfig)


def test_initialize_creates_the_example_entity_and_raises(gae_testbed):
    with pytest.raises(GAEError, match='populate it with data'):
        ndb_config()
    example = NDBConfig.get_by_id('Example')
    assert example is not None
    assert example.class_.startswith('Provider class e.g.')
    assert NDBConfig.query().count() == 1
    # The kind is not empty any more: no error, no second entity.
    assert ndb_config() is NDBConfig
    assert NDBConfig.query().count() == 1


def test_get_returns_the_config_dict(gae_testbed):
    add_github()
    entry = NDBConfig.get('gh')
    assert entry['class_'] == 'authomatic.providers.oauth2.GitHub'
    assert entry['consumer_key'] == 'client-id'
    assert entry['scope'] == ['user:email', 'read:org']
    assert entry['id'] == 7 and entry['provider_id'] == 7
    assert isinstance(entry['store'], NDBOpenIDStore)
    assert NDBConfig.get('nope') is None
    assert NDBConfig.get('nope', {'x': 1}) == {'x': 1}
    # A caller changing the dict does not change the cache.
    entry['scope'].append('evil')
    assert NDBConfig.get('gh')['scope'] == ['user:email', 'read:org']


def test_extra_keys_are_stored_as_dynamic_properties(gae_testbed,
                                                     new_request):
    NDBConfig(provider_name='local',
              class_='authomatic_extras.testing.providers.LocalOAuth2',
              provider_url='http://127.0.0.1:9/', timeout=5).put()
    new_request()
    from google.appengine.ext import ndb
    ndb.get_context().clear_cache()   # read back from the datastore
    entry = NDBConfig.get('local')
    assert entry['provider_url'] == 'http://127.0.0.1:9/'
    assert entry['timeout'] == 5


def test_values_items_keys_behave_like_a_dict(gae_testbed):
    add_github('gh')
    add_github('gh2', scope='')
    assert sorted(NDBConfig.keys()) == ['gh', 'gh2']
    values = sorted(NDBConfig.values(), key=lambda v: v['provider_name'])
    assert [v['scope'] for v in values] == [['user:email', 'read:org'], None]
    assert dict(NDBConfig.items())['gh2']['provider_name'] == 'gh2'


def test_an_edit_is_seen_on_the_next_request(gae_testbed, new_request):
    key = add_github(key='old-id')
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'
    new_request()
    entity = key.get()
    entity.consumer_key = 'new-id'
    entity.put()
    new_request()
    assert NDBConfig.get('gh')['consumer_key'] == 'new-id'
    key.delete()
    new_request()
    assert NDBConfig.get('gh') is None


def test_an_edit_on_another_instance_is_seen_through_memcache(
        gae_testbed, new_request, monkeypatch):
    add_github(key='old-id')
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'
    # "Another instance" writes: its hook clears memcache; our next request
    # starts with a new NDB context and must not use anything older.
    from google.appengine.api import memcache
    entity = NDBConfig.query(NDBConfig.provider_name == 'gh').get()
    entity.consumer_key = 'new-id'
    entity.put()
    assert memcache.get(config_module.MEMCACHE_KEY) is None
    new_request()
    assert NDBConfig.get('gh')['consumer_key'] == 'new-id'


def test_rpcs_of_get_cold_warm_and_within_a_request(
        gae_testbed, rpc_counter, new_request, monkeypatch):
    monkeypatch.setattr(config_module, 'INVALIDATION_LOCK_SECONDS', 0)
    add_github()
    new_request()
    rpc_counter.reset()
    NDBConfig.get('gh')                       # cold
    assert rpc_counter.datastore == 1, rpc_counter.calls   # one RunQuery
    assert rpc_counter.calls['datastore_v3.RunQuery'] == 1
    assert rpc_counter.memcache == 2, rpc_counter.calls    # Get + Add(Set)

    rpc_counter.reset()
    for _ in range(30):                       # same request
        NDBConfig.get('gh')
    assert sum(rpc_counter.calls.values()) == 0, rpc_counter.calls

    new_request()
    rpc_counter.reset()
    for _ in range(30):                       # next request, warm
        NDBConfig.get('gh')
    assert rpc_counter.datastore == 0, rpc_counter.calls
    assert rpc_counter.memcache == 1, rpc_counter.calls


# -- whole login steps through a real webapp2 app: upstream pattern vs ours


@pytest.fixture
def upstream_gae(gae_testbed):
    """Upstream's ``authomatic.extras.gae`` (needs python3-openid).

    It registers NDB kinds named like ours ("NDBConfig"); the kind map is
    restored afterwards so the rest of the session uses our models.
    """
    from google.appengine.ext import ndb

    saved = dict(ndb.Model._kind_map)
    module = __import__('authomatic.extras.gae', fromlist=['ndb_config'])
    try:
        yield module
    finally:
        ndb.Model._kind_map.clear()
        ndb.Model._kind_map.update(saved)


def login_app(config_factory, session_class):
    class Login(webapp2.RequestHandler):
        def get(self, name):
            authomatic = Authomatic(config=config_factory(), secret=SECRET)
            session = session_class(self, secret=SECRET)
            result = authomatic.login(Webapp2Adapter(self), name,
                                      session=session,
                                      session_saver=session.save)
            if result and result.error:
                self.response.write('error: %s' % result.error)

    return webtest.TestApp(webapp2.WSGIApplication(
        [webapp2.Route('/login/<name>', Login)]))


def count_login_step(app, rpc_counter, new_request):
    new_request()
    rpc_counter.reset()
    response = app.get('/login/gh')
    assert response.status_int == 302
    assert response.location.startswith(
        'https://github.com/login/oauth/authorize?')
    return dict(rpc_counter.calls)


def test_login_step_rpcs_upstream_pattern_vs_ours(
        gae_testbed, rpc_counter, new_request, upstream_gae, monkeypatch,
        record_property):
    monkeypatch.setattr(config_module, 'INVALIDATION_LOCK_SECONDS', 0)
    add_github()

    upstream = login_app(upstream_gae.ndb_config, upstream_gae.Webapp2Session)
    upstream_cold = count_login_step(upstream, rpc_counter, new_request)
    upstream_warm = count_login_step(upstream, rpc_counter, new_request)

    from google.appengine.api import memcache
    memcache.flush_all()
    ours = login_app(ndb_config, Webapp2Session)
    ours_cold = count_login_step(ours, rpc_counter, new_request)
    ours_warm = count_login_step(ours, rpc_counter, new_request)
    memcache.flush_all()
    ours_flushed = count_login_step(ours, rpc_counter, new_request)

    def ds(calls):
        return sum(n for k, n in calls.items() if k.startswith('datastore'))

    numbers = {'upstream_cold': upstream_cold, 'upstream_warm': upstream_warm,
               'ours_cold': ours_cold, 'ours_warm': ours_warm,
               'ours_after_memcache_flush': ours_flushed}
    record_property('rpcs_per_login_step', numbers)
    sys.stderr.write('RPCs per login step: %r\n' % (numbers,))

    # Upstream: initialize() fetches the kind, then one query per get().
    assert ds(upstream_cold) >= 20 and ds(upstream_warm) == ds(upstream_cold)
    # Ours: one query cold, nothing warm.
    assert ds(ours_cold) == 1
    assert ds(ours_warm) == 0
    assert ours_flushed.get('datastore_v3.RunQuery') == 1 and ds(ours_flushed) == 1
    # Warm: the config's one memcache Get; the memcache session backend's
    # Get (the browser now has a session cookie) and Set.
    assert ours_warm == {'memcache.Get': 2, 'memcache.Set': 1}, ours_warm
    assert upstream_warm['memcache.Get'] == 1   # the session's only


class WebTestClient(object):
    """Lets the testing driver talk to a WebTest app (a werkzeug-like
    ``open()``); each app request starts a new gen-1 request context."""

    def __init__(self, app, new_request):
        self.app = app
        self.new_request = new_request

    def open(self, target, method='GET', data=None, base_url=None,
             follow_redirects=False):
        self.new_request()
        if method == 'POST':
            response = self.app.post(target, data or {}, expect_errors=True)
        else:
            response = self.app.get(target, expect_errors=True)
        response.status_code = response.status_int
        response.get_data = lambda as_text=False: (
            response.text if as_text else response.body)
        return response


def test_whole_login_rpcs_ours_cold_and_warm(
        gae_testbed, rpc_counter, new_request, monkeypatch):
    """A complete OAuth 2.0 login (step one and the callback) against a real
    local provider; the provider side goes over HTTP, the app through WebTest.
    """
    from authomatic_extras.testing import LocalOAuth2Server
    from authomatic_extras.testing.driver import login_with_test_client

    monkeypatch.setattr(config_module, 'INVALIDATION_LOCK_SECONDS', 0)
    server = LocalOAuth2Server()
    server.start()
    try:
        entry = server.config_entry(id=1)
        NDBConfig(provider_name='gh', provider_id=1,
                  class_='authomatic_extras.testing.providers.LocalOAuth2',
                  consumer_key=entry['consumer_key'],
                  consumer_secret=entry['consumer_secret'],
                  scope=', '.join(entry['scope']),
                  provider_url=entry['provider_url']).put()
        results = []
        for run in ('cold', 'warm', 'flushed'):
            if run == 'flushed':
                from google.appengine.api import memcache
                memcache.flush_all()
            app = login_app(ndb_config, Webapp2Session)
            rpc_counter.reset()
            trip = login_with_test_client(WebTestClient(app, new_request),
                                          '/login/gh')
            assert trip.response.status_int == 200, trip.response.text
            assert 'error' not in trip.response.text
            results.append(dict(rpc_counter.calls))
    finally:
        server.stop()
    cold, warm, flushed = results
    sys.stderr.write('RPCs per whole login (ours): cold %r, warm %r, after '
                     'a memcache flush %r\n' % (cold, warm, flushed))
    # Cold: one query (step one); the callback request reads memcache.
    assert cold.get('datastore_v3.RunQuery') == 1, cold
    assert flushed.get('datastore_v3.RunQuery') == 1, flushed
    assert sum(n for k, n in warm.items() if k.startswith('datastore')) == 0
    # Warm: per app request (2) one config Get; the session's Get on the
    # callback, its Set in step one and the Set that removes the login state
    # when the login ends.
    assert warm == {'memcache.Get': 3, 'memcache.Set': 2}, warm


# -- Python 2/3 text, the staleness bound, the memcache format ---------------


def test_text_values_are_str_and_a_utf8_bytes_name_is_found(gae_testbed):
    NDBConfig(provider_name='café', class_='authomatic.providers.oauth2.GitHub',
              provider_url='http://127.0.0.1:9/é').put()
    entry = NDBConfig.get('café'.encode('utf-8'))
    assert entry is not None
    assert type(entry['class_']) is str
    assert entry['provider_url'] == 'http://127.0.0.1:9/é'   # was bytes
    assert NDBConfig.get('café')['provider_name'] == 'café'


@pytest.fixture
def hr_clock(monkeypatch, new_request):
    """The high-replication datastore with probability 0 (a write reaches
    global queries only once its entity group is read) and one clock for the
    memcache stub's expiry and the module's bound: the test moves it instead
    of sleeping MAX_STALENESS_SECONDS."""
    from google.appengine.api import apiproxy_stub_map
    from google.appengine.api.memcache import memcache_stub
    from google.appengine.datastore import datastore_stub_util
    from google.appengine.ext import ndb, testbed

    now = [1000000.0]
    bed = testbed.Testbed()
    bed.activate()
    bed.setup_env(APPLICATION_ID='dev~authomatic-extras-test', overwrite=True)
    policy = datastore_stub_util.PseudoRandomHRConsistencyPolicy(probability=0)
    bed.init_datastore_v3_stub(consistency_policy=policy)
    bed.init_memcache_stub()
    # The stub takes a clock; the testbed does not pass one on.
    apiproxy_stub_map.apiproxy.ReplaceStub(
        'memcache', memcache_stub.MemcacheServiceStub(gettime=lambda: now[0]))
    monkeypatch.setattr(config_module, '_now', lambda: now[0])
    new_request()
    try:
        yield now
    finally:
        ndb.get_context().clear_cache()
        bed.deactivate()


def apply_writes(key):
    """A strongly consistent read rolls the entity group's writes forward."""
    from google.appengine.api import datastore

    datastore.Get(key.to_old_key())


def raw_put(key, **values):
    """A write that bypasses NDB and its hooks (as the Datastore Viewer)."""
    from google.appengine.api import datastore

    entity = datastore.Get(key.to_old_key())
    entity.update(values)
    datastore.Put(entity)
    apply_writes(key)


def test_a_raw_write_is_seen_within_the_staleness_bound(hr_clock, new_request):
    key = add_github(key='old-id')
    apply_writes(key)
    new_request()
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'
    raw_put(key, consumer_key='new-id')
    hr_clock[0] += 1
    new_request()
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'   # within bound
    hr_clock[0] += config_module.MAX_STALENESS_SECONDS
    new_request()
    assert NDBConfig.get('gh')['consumer_key'] == 'new-id'


def test_a_query_that_missed_a_write_is_cached_only_briefly(hr_clock, new_request):
    apply_writes(add_github('other'))
    new_request()
    assert NDBConfig.get('gh') is None
    key = add_github('gh')          # the hook clears memcache (1 s lock)
    hr_clock[0] += 2
    new_request()
    assert NDBConfig.get('gh') is None      # the query misses the write
    apply_writes(key)
    hr_clock[0] += 1
    new_request()
    assert NDBConfig.get('gh') is None      # that miss is cached...
    hr_clock[0] += config_module.MAX_STALENESS_SECONDS
    new_request()
    assert NDBConfig.get('gh')['consumer_key'] == 'client-id'   # ...briefly


def test_one_request_context_obeys_the_bound_too(hr_clock):
    key = add_github(key='old-id')
    apply_writes(key)
    assert NDBConfig.get('gh')['consumer_key'] == 'old-id'
    raw_put(key, consumer_key='new-id')
    hr_clock[0] += config_module.MAX_STALENESS_SECONDS
    assert NDBConfig.get('gh')['consumer_key'] == 'new-id'


def test_memcache_value_is_utf8_json_with_an_expiry(gae_testbed, new_request):
    import json

    from google.appengine.api import memcache

    add_github()
    NDBConfig.get('gh')
    raw = memcache.get(config_module.MEMCACHE_KEY)
    assert isinstance(raw, bytes)           # not a pickle (no protocol 5)
    data = json.loads(raw.decode('utf-8'))
    assert data['entries']['gh']['consumer_key'] == 'client-id'
    assert abs(data['loaded_at'] - __import__('time').time()) < 60
    assert config_module.MAX_STALENESS_SECONDS <= 60
    # A value of another format (an older release's pickle) is a miss.
    memcache.set(config_module.MEMCACHE_KEY, {'gh': {'class_': 'evil'}})
    new_request()
    assert NDBConfig.get('gh')['class_'] == 'authomatic.providers.oauth2.GitHub'
