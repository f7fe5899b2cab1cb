# -*- coding: utf-8 -*-
"""NDBOpenIDStore with python-openid 2.2.5 (the Python 2 OpenID library)."""
from __future__ import absolute_import

import datetime
import imp
import os
import time

import pytest
from google.appengine.ext import ndb
from openid.association import Association
from openid.store.interface import OpenIDStore

from authomatic_extras.gae import NDBOpenIDStore
from authomatic_extras.gae import openid as gae_openid

STORETEST = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), '.py27', 'python_openid_storetest.py')


@pytest.fixture(scope='module')
def storetest():
    """python-openid 2.2.5's own ``openid/test/storetest.py`` (extracted from
    its sdist by tools/py27_testenv.py)."""
    return imp.load_source('python_openid_storetest', STORETEST)


def test_python_openid_store_suite_passes_on_the_class(testbed, storetest):
    storetest.testStore(NDBOpenIDStore)


def test_python_openid_store_suite_passes_on_an_instance(testbed, storetest):
    storetest.testStore(NDBOpenIDStore())


def test_is_an_openid_store_usable_as_the_class(testbed):
    assert issubclass(NDBOpenIDStore, OpenIDStore)
    assert isinstance(NDBOpenIDStore(), OpenIDStore)
    assert NDBOpenIDStore.cleanupNonces() == 0
    assert NDBOpenIDStore.cleanup() == (0, 0)
    assert NDBOpenIDStore().cleanupAssociations() == 0
    now = int(time.time())
    assert NDBOpenIDStore.useNonce('http://op', now, 'salt') is True
    assert NDBOpenIDStore().useNonce('http://op', now, 'salt') is False


def test_the_providers_logger_is_used_on_class_and_instance(testbed):
    seen = []
    instance = NDBOpenIDStore()
    instance._log = lambda level, message: seen.append(('i', message))
    now = int(time.time())
    instance.useNonce('http://op', now, 's')
    instance.useNonce('http://op', now, 's')
    assert seen == [('i', u'NDBOpenIDStore: nonce reused.')]


def association(handle, issued=None, lifetime=3600):
    issued = int(time.time()) if issued is None else issued
    return Association(handle, 's' * 20, issued, lifetime, 'HMAC-SHA1')


def test_non_ascii_byte_string_server_urls(testbed):
    url = 'http://\xc3\xa9xample.org/op'          # UTF-8 bytes
    NDBOpenIDStore.storeAssociation(url, association('h1'))
    assert NDBOpenIDStore.getAssociation(url).handle == 'h1'
    assert NDBOpenIDStore.getAssociation(u'http://\xe9xample.org/op',
                                         'h1').handle == 'h1'
    bad = 'http://\xff\xfe/op'                    # not UTF-8 at all
    NDBOpenIDStore.storeAssociation(bad, association('h2'))
    assert NDBOpenIDStore.getAssociation(bad).handle == 'h2'
    assert NDBOpenIDStore.getAssociation(url).handle == 'h1'
    now = int(time.time())
    assert NDBOpenIDStore.useNonce(url, now, '\xc3\xa9') is True
    assert NDBOpenIDStore.useNonce(url, now, '\xc3\xa9') is False
    assert NDBOpenIDStore.removeAssociation(url, 'h1') is True
    assert NDBOpenIDStore.getAssociation(url) is None


# -- what upstream's store left in the datastore ------------------------------


def upstream_association(server_url, assoc, expired=False):
    """The entity upstream's ``storeAssociation`` writes."""
    issued = datetime.datetime.utcfromtimestamp(assoc.issued)
    entity = gae_openid.UpstreamOpenIDEntity(
        key=ndb.Key('ServerUrl', server_url, 'NDBOpenIDStore', assoc.handle),
        serialized=assoc.serialize(), issued=assoc.issued,
        expiration_date=issued + datetime.timedelta(0, assoc.lifetime))
    entity.put()
    return entity.key


def upstream_nonce(server_url, timestamp, salt):
    """The entity upstream's ``useNonce`` writes."""
    key = ndb.Key('ServerUrl', str(server_url) or 'x', 'TimeStamp',
                  str(timestamp), 'NDBOpenIDStore', str(salt))
    gae_openid.UpstreamOpenIDEntity(
        key=key, expiration_date=datetime.datetime.utcfromtimestamp(
            timestamp) + datetime.timedelta(0, 5 * 3600)).put()
    return key


def test_upstreams_associations_are_found_and_cleaned_up(testbed):
    upstream_association('http://op', association('up-1'))
    old = association('up-old', issued=int(time.time()) - 7200)
    old_key = upstream_association('http://op', old)
    assert NDBOpenIDStore.getAssociation('http://op').handle == 'up-1'
    assert NDBOpenIDStore.getAssociation('http://op', 'up-1').handle == 'up-1'
    assert NDBOpenIDStore.getAssociation('http://op', 'up-old') is None
    # A newer association of ours wins.
    NDBOpenIDStore.storeAssociation('http://op', association('ours'))
    assert NDBOpenIDStore.getAssociation('http://op').handle == 'ours'
    assert NDBOpenIDStore.cleanupAssociations() == 1
    assert old_key.get() is None
    assert NDBOpenIDStore.removeAssociation('http://op', 'up-1') is True
    assert NDBOpenIDStore.getAssociation('http://op', 'up-1') is None


def test_upstreams_nonces_still_count_as_used(testbed):
    now = int(time.time())
    upstream_nonce('http://op', now, 'used-by-upstream')
    assert NDBOpenIDStore.useNonce('http://op', now, 'used-by-upstream') \
        is False
    assert NDBOpenIDStore.useNonce('http://op', now, 'fresh') is True
    stale = upstream_nonce('http://op', now - 6 * 3600, 'stale')
    assert NDBOpenIDStore.cleanupNonces() == 1
    assert stale.get() is None
