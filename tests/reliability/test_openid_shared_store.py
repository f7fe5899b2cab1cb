"""OpenID across several app processes: a shared store in Redis.

* :class:`~authomatic_extras.openid_stores.RedisOpenIDStore` passes
  python3-openid's own store test suite on a real ``redis-server``, and two
  store objects (as two processes hold) accept a nonce exactly once.
* Two app processes (``instance_app.py``), one public host, one cookie jar,
  the same secrets, Flask's signed cookie session: an OpenID login started on
  A finishes on B with the shared store. With the per-process default
  (``MemoryStore``) it fails: B asks the provider to check the answer
  (``check_authentication``), which refuses for an association only A holds.
* The attacker's side: the victim's callback, replayed on the other instance
  with the cookie from before the callback (the pending login in it), is
  refused by the nonce check of the shared store; the message proves the
  reason (the nonce), not a failed ``check_authentication``.
"""
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import pytest
import requests
from reliability_support import free_port
from test_multi_instance import Instance  # the child-process runner

from authomatic_extras.testing import LocalOpenIDServer, LocalOAuth2Server
from authomatic_extras.testing.driver import _autosubmit_form

HERE = os.path.dirname(os.path.abspath(__file__))
PUBLIC = f'localhost:{free_port()}'   # the load balancer's host name


@pytest.fixture
def store(redis_port):
    import redis

    from authomatic_extras.openid_stores import RedisOpenIDStore

    prefix = f'test-openid-store-{time.time_ns()}:'
    return RedisOpenIDStore(redis.Redis(port=redis_port, db=3), prefix=prefix)


def test_redis_store_passes_python3_openids_store_suite(store, python3_openid_storetest):
    python3_openid_storetest.testStore(store)


def test_a_nonce_is_accepted_once_across_store_objects(redis_port):
    """20 threads over two store objects race for one nonce: one wins."""
    import redis

    from authomatic_extras.openid_stores import RedisOpenIDStore

    prefix = f'test-openid-race-{time.time_ns()}:'
    stores = [RedisOpenIDStore(redis.Redis(port=redis_port, db=3), prefix=prefix)
              for _ in range(2)]
    now = int(time.time())
    barrier = threading.Barrier(20)

    def use(i):
        barrier.wait()
        return stores[i % 2].useNonce('http://op.example/', now, 'salt')

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(use, range(20)))
    assert results.count(True) == 1


def test_associations_are_seen_by_every_store_object(redis_port):
    import redis
    from openid.association import Association

    from authomatic_extras.openid_stores import RedisOpenIDStore

    prefix = f'test-openid-assoc-{time.time_ns()}:'
    a, b = (RedisOpenIDStore(redis.Redis(port=redis_port, db=3), prefix=prefix)
            for _ in range(2))
    association = Association('handle-1', b'k' * 20, int(time.time()), 600, 'HMAC-SHA1')
    a.storeAssociation('http://op.example/', association)
    assert b.getAssociation('http://op.example/').secret == b'k' * 20
    assert 0 < redis.Redis(port=redis_port, db=3).ttl(prefix + 'assoc:http://op.example/') <= 600


# -- two app processes ---------------------------------------------------------------


@pytest.fixture(scope='module')
def openid_provider():
    with LocalOpenIDServer() as server:
        yield server


@pytest.fixture(scope='module')
def oauth2_provider():
    with LocalOAuth2Server() as server:
        yield server


def _instances(tmp, redis_port, openid_provider, oauth2_provider, store, db):
    started = []
    try:
        for name in ('A', 'B'):
            port_file = os.path.join(tmp, f'port-{store}-{name}')
            started.append(Instance(name, [
                sys.executable,
                os.path.join(HERE, 'instance_app.py'), '--name', name,
                '--provider-url', oauth2_provider.url, '--redis-port', str(redis_port),
                '--redis-db', str(db), '--port-file', port_file,
                '--openid-url', openid_provider.url, '--openid-store', store,
                '--session', 'cookie'], port_file))
    except BaseException:
        for instance in started:
            instance.stop()
        raise
    return started


@pytest.fixture(scope='module')
def shared(tmp_path_factory, redis_port, openid_provider, oauth2_provider):
    a, b = _instances(str(tmp_path_factory.mktemp('shared')), redis_port, openid_provider,
                      oauth2_provider, 'redis', 4)
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture(scope='module')
def per_process(tmp_path_factory, redis_port, openid_provider, oauth2_provider):
    a, b = _instances(str(tmp_path_factory.mktemp('memory')), redis_port, openid_provider,
                      oauth2_provider, 'memory', 5)
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def openid_up_to_callback(first, provider, http, username='alice'):
    """Step 1 on ``first`` (an auto-submitting form), the provider's consent;
    returns the callback path (for the public host), undelivered."""
    headers = {'Host': PUBLIC}
    start = http.get(first.url + '/login/openid?id=' + quote(provider.identifier(username), ''),
                     headers=headers, allow_redirects=False, timeout=30)
    assert start.status_code == 200, start.text[:500]
    assert start.headers['X-Instance'] == first.name
    method, action, fields = _autosubmit_form(start.text, first.url)
    consent = http.request(method, action, data=fields, timeout=30)
    assert consent.status_code == 200, consent.text[:300]
    back = http.post(consent.url, data={'username': username, 'decision': 'allow'},
                     allow_redirects=False, timeout=30)
    location = urlsplit(back.headers['Location'])
    assert location.netloc == PUBLIC, location
    return location.path + '?' + location.query


def deliver(instance, callback, http):
    return http.get(instance.url + callback, headers={'Host': PUBLIC}, allow_redirects=False,
                    timeout=30)


@pytest.mark.parametrize('order', ['A-then-B', 'B-then-A'])
def test_openid_login_started_on_one_instance_finishes_on_the_other(shared, openid_provider,
                                                                    order):
    a, b = shared
    first, second = (a, b) if order == 'A-then-B' else (b, a)
    http = requests.Session()
    callback = openid_up_to_callback(first, openid_provider, http)
    response = deliver(second, callback, http)
    body = response.json()
    assert response.status_code == 200, body
    assert body['instance'] == second.name
    assert body['user']['name'] == 'Alice Liddell', body


def test_control_the_per_process_default_fails_across_instances(per_process, openid_provider):
    """What the default does with two instances (documented in docs/flask.md)."""
    a, b = per_process
    http = requests.Session()
    callback = openid_up_to_callback(a, openid_provider, http)
    response = deliver(b, callback, http)
    body = response.json()
    assert response.status_code == 401, body
    assert body['error'] == 'Server denied check_authentication', body


def test_replay_on_the_other_instance_is_refused_by_the_nonce(shared, openid_provider):
    a, b = shared
    victim = requests.Session()
    callback = openid_up_to_callback(a, openid_provider, victim)
    cookies_before = victim.cookies.copy()         # the pending login is in them
    first = deliver(b, callback, victim)
    assert first.status_code == 200, first.json()

    attacker = requests.Session()
    attacker.cookies.update(cookies_before)
    replay = deliver(a, callback, attacker)
    body = replay.json()
    assert replay.status_code == 401, body
    assert body['instance'] == 'A'
    assert body['user'] is None
    assert 'Nonce already used' in body['error'], body
    assert 'check_authentication' not in body['error']
