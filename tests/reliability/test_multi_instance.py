"""More than one instance, no sticky routing.

Flask: two app processes (``instance_app.py``) share one real
``redis-server`` through Flask-Session. A login starts on A and finishes on B
with one cookie jar; both see the same public host (the ``Host`` header a
load balancer passes on), so ``redirect_uri`` is the same on both.

Gen-1: two processes of ``python -m authomatic_extras.gae.devserver`` on one
``--storage-path``, with ``Webapp2Session`` on the ``memcache`` and the
``datastore`` backends. Measured here, and asserted as measured: it cannot
hold (see the test docstrings and docs/reliability.md).
"""
import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from reliability_support import free_port

from authomatic_extras.testing import LocalOAuth2Server
from authomatic_extras.testing.devserver_process import DevServerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = f'localhost:{free_port()}'   # what the load balancer would be


class Instance:
    """A child process serving one app; ``url`` is its own address."""

    def __init__(self, name, argv, port_file):
        self.name = name
        if os.path.exists(port_file):
            os.remove(port_file)
        self.proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                err = self.proc.stderr.read().decode(errors='replace') if \
                    self.proc.poll() is not None else ''
                self.stop()
                raise AssertionError(f'instance {name} did not start: {err[-2000:]}')
            time.sleep(0.05)
        with open(port_file) as handle:
            self.url = f'http://127.0.0.1:{handle.read().strip()}'

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


def flask_instance(name, provider, redis_port, tmp, redis_db=0):
    port_file = os.path.join(tmp, 'port-' + name)
    return Instance(name, [sys.executable, os.path.join(HERE, 'instance_app.py'), '--name', name,
                           '--provider-url', provider.url, '--redis-port', str(redis_port),
                           '--redis-db', str(redis_db), '--port-file', port_file], port_file)


def login_across(first, second, path='/login/local', username='alice', http=None,
                 public=PUBLIC):
    """Step 1 on ``first``, consent on the provider, callback on ``second``;
    one cookie jar. Returns (step-1 response, callback response)."""
    http = http or requests.Session()
    headers = {'Host': public}
    start = http.get(first.url + path, headers=headers, allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text[:500]
    page = http.get(start.headers['Location'], allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.text[:300]
    back = http.post(page.url, data={'username': username, 'decision': 'allow'},
                     allow_redirects=False, timeout=30)
    location = urlsplit(back.headers['Location'])
    assert location.netloc == public, location
    callback = http.get(second.url + location.path + '?' + location.query, headers=headers,
                        allow_redirects=False, timeout=30)
    return start, callback


# -- Flask + redis ---------------------------------------------------------------


@pytest.fixture(scope='module')
def provider():
    server = LocalOAuth2Server()
    server.start()
    for i in range(40):
        server.add_user(f'multi{i:02d}', name=f'Multi {i}',
                        email=f'multi{i:02d}@example.org')
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='module')
def instances(provider, redis_port, tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp('instances'))
    a = flask_instance('A', provider, redis_port, tmp)
    try:
        b = flask_instance('B', provider, redis_port, tmp)
    except BaseException:
        a.stop()
        raise
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.mark.parametrize('order', ['A-then-B', 'B-then-A'])
def test_login_started_on_one_instance_finishes_on_the_other(instances, order):
    a, b = instances
    first, second = (a, b) if order == 'A-then-B' else (b, a)
    start, callback = login_across(first, second)
    assert start.headers['X-Instance'] == first.name
    body = callback.json()
    assert callback.status_code == 200, body
    assert body['instance'] == second.name
    assert body['user']['email'] == 'alice@example.org'


def test_the_session_lives_in_redis_not_in_the_cookie(instances, redis_port):
    import redis

    a, b = instances
    http = requests.Session()
    http.get(a.url + '/login/local', headers={'Host': PUBLIC}, allow_redirects=False,
             timeout=30)
    [cookie] = list(http.cookies)
    assert len(cookie.value) < 120   # a session id, not the state
    keys = redis.Redis(port=redis_port).keys('authomatic-extras-test:*')
    assert keys


def test_many_logins_alternating_instances_no_cross_talk(instances):
    a, b = instances
    names = [f'multi{i:02d}' for i in range(40)]

    def one(index):
        first, second = (a, b) if index % 2 == 0 else (b, a)
        _, callback = login_across(first, second, username=names[index])
        return names[index], second.name, callback.status_code, callback.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(one, range(len(names))))
    for name, where, status, body in outcomes:
        assert status == 200, body
        assert body['instance'] == where
        assert body['user']['email'] == name + '@example.org'


def test_control_without_a_shared_store_the_other_instance_fails(provider, redis_port,
                                                                 tmp_path):
    """The control: B reads another redis database. The login started on A
    then fails on B with a clear error, so the tests above depend on the
    shared store."""
    a = flask_instance('A0', provider, redis_port, str(tmp_path), redis_db=1)
    try:
        b = flask_instance('B2', provider, redis_port, str(tmp_path), redis_db=2)
        try:
            _, callback = login_across(a, b)
        finally:
            b.stop()
    finally:
        a.stop()
    assert callback.status_code == 401
    assert callback.json()['error']


# -- gen-1: two dev servers on one storage path ----------------------------------

APPLICATION = 'dev~reliability-multi'

GEN1_APP = '''
import webapp2
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter

from authomatic_extras.gae import Webapp2Session, ndb_config

SECRET = 'gen1-shared-secret-0123456789'


class Login(webapp2.RequestHandler):
    def get(self, backend, provider_name):
        session = Webapp2Session(self, secret=SECRET, backend=backend)
        authomatic = Authomatic(config=ndb_config(), secret=SECRET, report_errors=True)
        result = authomatic.login(Webapp2Adapter(self), provider_name, session=session,
                                  session_saver=session.save)
        self.response.headers['X-Instance'] = INSTANCE
        if not result:
            return
        self.response.content_type = 'text/plain'
        if result.error:
            self.response.status_int = 401
            self.response.write('error %s: %s' % (type(result.error).__name__, result.error))
        else:
            self.response.write('user %s' % result.user.email)


import os
INSTANCE = os.environ.get('RELIABILITY_INSTANCE', '?')
app = webapp2.WSGIApplication([webapp2.Route('/login/<backend>/<provider_name>', Login)])
'''

GEN1_YAML = '''
runtime: python27
api_version: 1
threadsafe: true
handlers:
- url: /.*
  script: reliability_gen1_app.app
'''


@pytest.fixture
def gen1(tmp_path, provider):
    pytest.importorskip('webapp2')
    from authomatic_extras.gae import NDBConfig, devserver

    root = tmp_path / 'app'
    root.mkdir()
    (root / 'reliability_gen1_app.py').write_text(textwrap.dedent(GEN1_APP))
    (root / 'app.yaml').write_text(textwrap.dedent(GEN1_YAML))
    storage = str(tmp_path / 'storage')
    entry = provider.config_entry(id=1)
    with devserver.open_storage(storage, APPLICATION):
        NDBConfig(id='local', provider_name='local',
                  class_='authomatic_extras.testing.providers.LocalOAuth2',
                  provider_id=1, consumer_key=entry['consumer_key'],
                  consumer_secret=entry['consumer_secret'], scope='openid, profile, email',
                  provider_url=entry['provider_url']).put()
    started = []

    def start(name):
        server = DevServerProcess(root / 'app.yaml', storage, application=APPLICATION,
                                  env=dict(os.environ, RELIABILITY_INSTANCE=name))
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.mark.parametrize('backend', ['memcache', 'datastore'])
def test_gen1_same_instance_control(gen1, backend):
    a = gen1('A')
    _, callback = login_across(a, a, path=f'/login/{backend}/local')
    assert callback.status_code == 200, callback.text
    assert callback.text == 'user alice@example.org'


@pytest.mark.parametrize('backend', ['memcache', 'datastore'])
def test_gen1_login_across_two_dev_servers_cannot_finish(gen1, backend):
    """Measured: step 1 on A, callback on B fails for both backends.

    memcache: the memcache stub lives in each process's memory; B has no
    session under the cookie's id. datastore: webapp2's datastore sessions
    are read from memcache, then from the datastore stub, and the stub loads
    ``datastore.db`` once at start: B never sees the entity A wrote after B
    started. The callback finds no stored state and fails (401, no user)."""
    a, b = gen1('A'), gen1('B')
    start, callback = login_across(a, b, path=f'/login/{backend}/local')
    assert start.headers['X-Instance'] == 'A'
    assert callback.headers['X-Instance'] == 'B'
    assert callback.status_code == 401, callback.text
    assert callback.text.startswith('error '), callback.text
    assert 'alice' not in callback.text


def test_gen1_datastore_file_is_read_at_start_and_clobbered_by_each_writer(gen1, tmp_path):
    """Why the datastore backend cannot be shared by two live dev servers:

    1. A writes its session entity to ``datastore.db`` (save on every write);
       a dev server started *after* that (C) sees it: the login started on A
       finishes on C.
    2. But B, started before, writes the whole file from its own memory when
       it stores anything (here: a login of its own), dropping A's entity: a
       dev server started after B's write (D) no longer finds A's session."""
    path = '/login/datastore/local'
    a = gen1('A')
    b = gen1('B')
    # 1. A's write is visible to a process started afterwards.
    http = requests.Session()
    start = http.get(a.url + path, headers={'Host': PUBLIC}, allow_redirects=False, timeout=30)
    page = http.get(start.headers['Location'], allow_redirects=False, timeout=30)
    back = http.post(page.url, data={'username': 'alice', 'decision': 'allow'},
                     allow_redirects=False, timeout=30)
    location = urlsplit(back.headers['Location'])
    callback_path = location.path + '?' + location.query
    c = gen1('C')
    on_c = requests.get(c.url + callback_path, headers={'Host': PUBLIC},
                        cookies=http.cookies, timeout=30)
    assert on_c.status_code == 200 and on_c.text == 'user alice@example.org', on_c.text
    c.stop()

    # 2. A second login starts on A; then B writes (a step 1 of its own).
    http2 = requests.Session()
    start2 = http2.get(a.url + path, headers={'Host': PUBLIC}, allow_redirects=False,
                       timeout=30)
    page2 = http2.get(start2.headers['Location'], allow_redirects=False, timeout=30)
    back2 = http2.post(page2.url, data={'username': 'bob', 'decision': 'allow'},
                       allow_redirects=False, timeout=30)
    location2 = urlsplit(back2.headers['Location'])
    requests.get(b.url + path, headers={'Host': PUBLIC}, allow_redirects=False, timeout=30)
    d = gen1('D')
    on_d = requests.get(d.url + location2.path + '?' + location2.query,
                        headers={'Host': PUBLIC}, cookies=http2.cookies, timeout=30)
    assert on_d.status_code == 401, on_d.text   # A's entity was overwritten by B's file
