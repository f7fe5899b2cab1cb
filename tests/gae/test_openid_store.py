# -*- coding: utf-8 -*-
"""NDBOpenIDStore against python3-openid's own store test suite
(``testStore(store)`` from the sdist, loaded by the ``python3_openid_storetest``
fixture of tests/conftest.py), run unchanged against the real datastore stub.
"""
import subprocess
import sys
import time

import pytest

from authomatic_extras.gae import NDBOpenIDStore
from authomatic_extras.gae import openid as gae_openid


@pytest.fixture(scope='session')
def storetest(python3_openid_storetest):
    return python3_openid_storetest


def test_python3_openid_store_suite_passes(gae_testbed, storetest):
    storetest.testStore(NDBOpenIDStore())


def test_upstream_store_fails_the_same_suite(gae_testbed, storetest):
    """The reason for the rewrite: upstream accepts an hour-old nonce."""
    from google.appengine.ext import ndb

    saved = dict(ndb.Model._kind_map)
    try:
        from authomatic.extras.gae.openid import NDBOpenIDStore as Upstream
        ndb.Model._kind_map[Upstream._get_kind()] = Upstream
        with pytest.raises(AssertionError, match='Old nonce'):
            storetest.testStore(Upstream)
    finally:
        ndb.Model._kind_map.clear()
        ndb.Model._kind_map.update(saved)


def test_nonce_is_used_once_and_only_within_skew(gae_testbed):
    store = NDBOpenIDStore()
    now = int(time.time())
    assert store.useNonce('http://op', now, 'salt') is True
    assert store.useNonce('http://op', now, 'salt') is False
    assert store.useNonce('http://op', now, 'other-salt') is True
    assert store.useNonce('http://op2', now, 'salt') is True
    assert store.useNonce('http://op', now - 6 * 3600, 'old') is False
    assert store.useNonce('http://op', now + 6 * 3600, 'future') is False


def test_expired_association_is_not_returned(gae_testbed):
    from openid.association import Association

    store = NDBOpenIDStore()
    old = Association('h-old', b's' * 20, int(time.time()) - 7200, 3600,
                      'HMAC-SHA1')
    store.storeAssociation('http://op', old)
    assert store.getAssociation('http://op') is None
    assert store.getAssociation('http://op', 'h-old') is None
    assert store.cleanup() == (0, 1)


def test_implements_the_whole_store_interface():
    from openid.store.interface import OpenIDStore

    wanted = [name for name, value in vars(OpenIDStore).items()
              if callable(value) and not name.startswith('_')]
    assert wanted
    for name in wanted:
        assert callable(getattr(NDBOpenIDStore(), name)), name


BLOCK_OPENID = """
import sys
class Block(object):
    def find_spec(self, name, path=None, target=None):
        if name == 'openid' or name.startswith('openid.'):
            raise ImportError('python3-openid is not installed (blocked)')
    find_module = None
sys.meta_path.insert(0, Block())
"""


def test_package_imports_without_python3_openid(tmp_path):
    """Upstream's eager import breaks here; ours imports the library lazily.

    The subprocess blocks every ``openid`` import with a meta-path finder
    (standing in for an environment without python3-openid).
    """
    code = BLOCK_OPENID + (
        'import authomatic_extras.gae as g\n'
        'g.NDBOpenIDStore()\n'
        'assert "openid" not in sys.modules\n'
        'try:\n'
        '    import authomatic.extras.gae\n'
        'except ImportError:\n'
        '    print("upstream-breaks")\n'
        'print("ok")\n')
    # Outside the checkout: the installed authomatic_extras (with .gae).
    out = subprocess.check_output([sys.executable, '-c', code], cwd=str(tmp_path))
    assert out.split() == [b'upstream-breaks', b'ok']


def test_module_path_kept_like_upstream():
    assert gae_openid.NDBOpenIDStore is NDBOpenIDStore


# -- upstream compatibility -------------------------------------------------


def test_python3_openid_store_suite_passes_on_the_class(gae_testbed, storetest):
    storetest.testStore(NDBOpenIDStore)


def test_is_an_openid_store_and_works_as_the_class(gae_testbed):
    from openid.store.interface import OpenIDStore

    assert issubclass(NDBOpenIDStore, OpenIDStore)
    assert isinstance(NDBOpenIDStore(), OpenIDStore)
    assert NDBOpenIDStore.cleanupNonces() == 0
    assert NDBOpenIDStore.cleanup() == (0, 0)
    now = int(time.time())
    assert NDBOpenIDStore.useNonce('http://op', now, 'salt') is True
    assert NDBOpenIDStore().useNonce('http://op', now, 'salt') is False


@pytest.fixture
def upstream_store(gae_testbed):
    """Upstream's ``NDBOpenIDStore`` class, registered for kind
    ``NDBOpenIDStore`` while the test writes with it; ``restore()`` gives the
    kind back to ours."""
    from google.appengine.ext import ndb

    saved = dict(ndb.Model._kind_map)
    from authomatic.extras.gae.openid import NDBOpenIDStore as Upstream
    ndb.Model._kind_map[Upstream._get_kind()] = Upstream

    def restore():
        ndb.Model._kind_map.clear()
        ndb.Model._kind_map.update(saved)

    Upstream.restore = staticmethod(restore)
    try:
        yield Upstream
    finally:
        restore()


def test_reads_what_upstreams_store_wrote(upstream_store):
    from openid.association import Association

    now = int(time.time())
    current = Association('up-1', b's' * 20, now, 3600, 'HMAC-SHA1')
    expired = Association('up-old', b's' * 20, now - 7200, 3600, 'HMAC-SHA1')
    upstream_store.storeAssociation('http://op', current)
    upstream_store.storeAssociation('http://op', expired)
    assert upstream_store.useNonce('http://op', now, 'used-upstream') is True
    upstream_store.restore()

    assert NDBOpenIDStore.getAssociation('http://op').handle == 'up-1'
    assert NDBOpenIDStore.getAssociation('http://op', 'up-1').handle == 'up-1'
    assert NDBOpenIDStore.getAssociation('http://op', 'up-old') is None
    assert NDBOpenIDStore.useNonce('http://op', now, 'used-upstream') is False
    assert NDBOpenIDStore.useNonce('http://op', now, 'fresh') is True
    assert NDBOpenIDStore.cleanupAssociations() == 1      # up-old
    assert NDBOpenIDStore.removeAssociation('http://op', 'up-1') is True
    assert NDBOpenIDStore.getAssociation('http://op') is None


def test_byte_string_server_urls(gae_testbed):
    from openid.association import Association

    url = 'http://éxample.org/op'
    assoc = Association('h1', b's' * 20, int(time.time()), 3600, 'HMAC-SHA1')
    NDBOpenIDStore.storeAssociation(url.encode('utf-8'), assoc)
    assert NDBOpenIDStore.getAssociation(url).handle == 'h1'
    NDBOpenIDStore.storeAssociation(b'http://\xff\xfe/op', assoc)
    assert NDBOpenIDStore.getAssociation(b'http://\xff\xfe/op').handle == 'h1'
    now = int(time.time())
    assert NDBOpenIDStore.useNonce(url.encode('utf-8'), now, b'\xc3\xa9') is True
    assert NDBOpenIDStore.useNonce(url, now, 'é') is False
