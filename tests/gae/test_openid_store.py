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
