# -*- coding: utf-8 -*-
"""Fixtures for the gen-1 App Engine tests: real testbed stubs, empty stores.

Every test that uses ``gae_testbed`` gets fresh datastore, memcache and users
stubs (an empty datastore, an empty memcache, no user logged in) and a fresh
NDB context.
"""
import collections
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# The example app lives outside any package; tests import it by path.
GEN1_EXAMPLE = os.path.join(REPO, 'legacy_examples', 'gen1')

APP_ID = 'dev~authomatic-extras-test'


@pytest.fixture
def gae_testbed():
    from google.appengine.datastore import datastore_stub_util
    from google.appengine.ext import ndb, testbed

    bed = testbed.Testbed()
    bed.activate()
    bed.setup_env(APPLICATION_ID=APP_ID, overwrite=True)
    # Fully consistent: these tests are about our code, not HRD eventual
    # consistency.
    policy = datastore_stub_util.PseudoRandomHRConsistencyPolicy(probability=1)
    bed.init_datastore_v3_stub(consistency_policy=policy)
    bed.init_memcache_stub()
    bed.init_user_stub()
    new_request_context()  # no NDB context (nor its memo) from an earlier test
    try:
        yield bed
    finally:
        ndb.get_context().clear_cache()
        bed.deactivate()


class RPCCounter(object):
    """Counts API calls through an apiproxy pre-call hook.

    ``counter.calls`` is a Counter of ``'service.Call'``;
    ``counter.datastore`` / ``counter.memcache`` sum one service.
    """

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
def rpc_counter(gae_testbed):
    from google.appengine.api import apiproxy_stub_map

    counter = RPCCounter()
    apiproxy_stub_map.apiproxy.GetPreCallHooks().Append(
        'authomatic_extras_rpc_counter', counter.hook)
    return counter


def new_request_context():
    """Start a "new request" as the gen-1 runtime does: a fresh NDB context.

    The runtime resets ``os.environ`` per request, which drops NDB's context
    marker; WebTest requests in one process do not, so tests call this
    between requests that must not share the per-request config memo.
    """
    from google.appengine.ext import ndb

    ndb.set_context(None)
    os.environ.pop('__CONTEXT__', None)
    ndb.get_context()


@pytest.fixture
def new_request():
    return new_request_context


# -- the dev server with a sample app (test_devserver_*.py) -------------------

SAMPLE_APP_YAML = r'''
runtime: python27
api_version: 1
threadsafe: true
default_expiration: "2h"

builtins:
- deferred: on
- appstats: on

includes:
- extra

inbound_services:
- warmup

libraries:
- name: webapp2
  version: "2.5.2"
- name: ssl
  version: latest

handlers:
- url: /cached
  static_dir: cached
  expiration: "1d 2h"

- url: /admin/.*
  script: main.app
  login: admin

- url: /(.+\.[a-z]+)
  static_files: www/\1
  upload: www/(.*)

- url: /.*
  script: main.app
'''

SAMPLE_INCLUDE_YAML = '''
handlers:
- url: /included
  script: main.included
env_variables:
  FROM_INCLUDE: "yes"
'''


def make_sample_app(root):
    """A folder with app.yaml, main.py (tests/gae/devserver_sample_app.py),
    an included file, static files under www/ and cached/, and files outside
    them (secret.png, the app.yaml) that must never be served."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(HERE, 'devserver_sample_app.py'), str(root / 'main.py'))
    (root / 'app.yaml').write_text(SAMPLE_APP_YAML)
    (root / 'queue.yaml').write_text('queue:\n- name: mail-queue\n  rate: 5/s\n')
    (root / 'extra').mkdir()
    (root / 'extra' / 'include.yaml').write_text(SAMPLE_INCLUDE_YAML)
    (root / 'www' / 'img').mkdir(parents=True)
    (root / 'www' / 'hello.txt').write_text('hello from www\n')
    (root / 'www' / 'img' / 'logo.png').write_bytes(b'\x89PNG fake')
    (root / 'cached').mkdir()
    (root / 'cached' / 'style.css').write_text('body {}\n')
    (root / 'secret.png').write_bytes(b'SECRET-OUTSIDE-WWW')
    return root / 'app.yaml'


@pytest.fixture(scope='module')
def sample_devserver(tmp_path_factory):
    """The dev server (a subprocess) serving the sample app:
    ``.url``, ``.output``, ``.root``."""
    pytest.importorskip('webapp2')
    from authomatic_extras.testing.devserver_process import DevServerProcess

    base = tmp_path_factory.mktemp('sample-devserver')
    app_yaml = make_sample_app(base / 'app')
    server = DevServerProcess(str(app_yaml), str(base / 'storage'),
                              application='dev~devserver-sample')
    server.root = base / 'app'
    try:
        yield server
    finally:
        code = server.stop()
    assert code == 0, server.output
