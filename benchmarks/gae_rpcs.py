"""App Engine (gen-1 on Python 3): API calls per login, counted.

Runs in a child process (``python -m benchmarks.gae_rpcs <provider_url>``,
prints JSON) under ``google.appengine.ext.testbed`` stubs, the way
``tests/gae`` does: an apiproxy pre-call hook counts every datastore and
memcache RPC. A login is two requests to a webapp2 app (step 1, callback
after consenting on the real local provider), each in a fresh NDB context
as the gen-1 runtime gives every request.

* config lookup: ``Authomatic(config=<config>(), ...)`` with upstream's
  ``authomatic.extras.gae.ndb_config`` vs ours
  (``authomatic_extras.gae.ndb_config``); session ``securecookie`` (no RPC)
  so only the config is counted; cold (empty memcache, first login) and warm.
* sessions: our config (warm) with ``Webapp2Session`` on each backend.
"""
import collections
import json
import os
import sys

from benchmarks.client import consent
from benchmarks.gae_steps import APP_ID, PROVIDER_CLASS, SECRET, Counter
from benchmarks.gae_steps import new_request as _new_request


class Bed(object):
    """Fresh datastore + memcache stubs and an RPC counter."""

    def __enter__(self):
        from google.appengine.api import apiproxy_stub_map
        from google.appengine.datastore import datastore_stub_util
        from google.appengine.ext import testbed

        self.bed = testbed.Testbed()
        self.bed.activate()
        self.bed.setup_env(APPLICATION_ID=APP_ID, overwrite=True)
        policy = datastore_stub_util.PseudoRandomHRConsistencyPolicy(probability=1)
        self.bed.init_datastore_v3_stub(consistency_policy=policy)
        self.bed.init_memcache_stub()
        _new_request()
        self.counter = Counter()
        apiproxy_stub_map.apiproxy.GetPreCallHooks().Append(
            'benchmarks_rpc_counter', self.counter.hook)
        return self

    def __exit__(self, *exc):
        from google.appengine.ext import ndb
        ndb.get_context().clear_cache()
        self.bed.deactivate()


def _login_app(config_factory, session_class, backend):
    import webapp2
    import webtest
    from authomatic import Authomatic
    from authomatic.adapters import Webapp2Adapter

    class Login(webapp2.RequestHandler):
        def get(self, name):
            authomatic = Authomatic(config=config_factory(), secret=SECRET)
            session = session_class(self, secret=SECRET, backend=backend)
            result = authomatic.login(Webapp2Adapter(self), name, session=session,
                                      session_saver=session.save)
            if result:
                if result.error:
                    self.response.status_int = 500
                    self.response.write('ERROR %s' % result.error)
                else:
                    self.response.write('OK %s' % result.user.id)

    return webtest.TestApp(webapp2.WSGIApplication([webapp2.Route('/login/<name>', Login)]))


def _rpc_summary(calls):
    datastore = sum(n for k, n in calls.items() if k.startswith('datastore_v3.'))
    memcache = sum(n for k, n in calls.items() if k.startswith('memcache.'))
    return {'datastore': datastore, 'memcache': memcache, 'calls': calls}


def _one_login(app, counter, username='alice', sub='id-alice'):
    """Both steps, each in a new request context; RPCs per step."""
    _new_request()
    counter.take()
    first = app.get('/login/gh')
    step1 = counter.take()
    if first.status_int != 302:
        raise RuntimeError('step 1 answered %s: %s' % (first.status, first.text[:300]))
    callback = consent(first.location, username)
    path = callback.split('localhost', 1)[1]
    _new_request()
    counter.take()
    second = app.get(path, expect_errors=True)
    step2 = counter.take()
    if second.status_int != 200 or sub not in second.text:
        raise RuntimeError('callback answered %s: %s' % (second.status, second.text[:300]))
    login = collections.Counter(step1)
    login.update(step2)
    return {'redirect': _rpc_summary(step1), 'callback': _rpc_summary(step2),
            'login': _rpc_summary(dict(login))}


def _put_config(model):
    model(provider_name='gh', class_=PROVIDER_CLASS, provider_id=1,
          consumer_key='local-client', consumer_secret='local-secret',
          scope='openid, profile, email').put()


def _cold_and_warm(config_factory, model, session_class):
    from google.appengine.api import memcache
    with Bed() as bed:
        _put_config(model)
        memcache.flush_all()
        _new_request()
        app = _login_app(config_factory, session_class, 'securecookie')
        cold = _one_login(app, bed.counter)
        warm = _one_login(app, bed.counter, 'bob', 'id-bob')
        return {'cold': cold, 'warm': warm}


def measure(provider_url):
    from benchmarks import gae_provider
    gae_provider.PROVIDER_URL = provider_url.rstrip('/')

    import authomatic_extras.gae as ours
    from authomatic_extras.gae import config as ours_config
    from google.appengine.ext import ndb

    ours_config.INVALIDATION_LOCK_SECONDS = 0     # as the tests do: re-fill at once
    out = {'config': {}, 'sessions': {}}
    out['config']['ours'] = _cold_and_warm(ours.ndb_config, ours.NDBConfig, ours.Webapp2Session)

    for backend in ('securecookie', 'memcache', 'datastore'):
        with Bed() as bed:
            _put_config(ours.NDBConfig)
            app = _login_app(ours.ndb_config, ours.Webapp2Session, backend)
            _one_login(app, bed.counter)                       # warms the config
            out['sessions'][backend] = _one_login(app, bed.counter, 'bob', 'id-bob')

    saved = dict(ndb.Model._kind_map)
    try:   # upstream registers a kind named like ours: keep it to this block
        upstream = __import__('authomatic.extras.gae', fromlist=['ndb_config'])
        out['config']['upstream'] = _cold_and_warm(
            upstream.ndb_config, upstream.NDBConfig, ours.Webapp2Session)
    finally:
        ndb.Model._kind_map.clear()
        ndb.Model._kind_map.update(saved)
    return out


def main(argv):
    import logging
    logging.disable(logging.CRITICAL)
    result = measure(argv[0])
    sys.stdout.write('\nJSON ' + json.dumps(result) + '\n')
    return 0


def run(provider_url):
    import subprocess

    from benchmarks.client import REPO
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run([sys.executable, '-m', 'benchmarks.gae_rpcs', provider_url],
                          cwd=REPO, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith('JSON '):
            return json.loads(line[5:])
    raise RuntimeError('benchmarks.gae_rpcs failed ({0}):\n{1}'.format(
        proc.returncode, proc.stderr[-3000:]))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
