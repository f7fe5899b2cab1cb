# -*- coding: utf-8 -*-
"""Whole logins on Python 2.7: a webapp2 app on this package (config in the
datastore, Webapp2Session, NDBOpenIDStore) against the local providers,
which run as Python 3 servers (started by tools/py27_testenv.py)."""
from __future__ import absolute_import

import os

import pytest
from google.appengine.api import memcache

from authomatic_extras.gae import NDBConfig
from authomatic_extras.gae import config as config_module
from py27_support import drive, login_app, providers


def add_oauth2(entry, name='local'):
    """The package's own client class, by dotted string as a gen-1 app's
    datastore config names it (PKCE on: the local server demands it)."""
    return NDBConfig(
        provider_name=name, provider_id=1,
        class_='authomatic_extras.testing.providers.LocalOAuth2',
        consumer_key=entry['consumer_key'],
        consumer_secret=entry['consumer_secret'],
        scope=', '.join(entry['scope']),
        provider_url=entry['provider_url']).put()


def add_oauth1(entry, name='local1'):
    return NDBConfig(
        provider_name=name, provider_id=2,
        class_='authomatic_extras.testing.providers.LocalOAuth1',
        consumer_key=entry['consumer_key'],
        consumer_secret=entry['consumer_secret'],
        provider_url=entry['provider_url']).put()


class StepCounter(object):
    """RPCs of each app request of a login (drive() starts every app request
    with ``new_request``)."""

    def __init__(self, rpc_counter, new_request):
        self.rpc_counter = rpc_counter
        self._new_request = new_request
        self.steps = []

    def new_request(self):
        self.flush()
        self._new_request()

    def flush(self):
        if self.rpc_counter.calls:
            self.steps.append(dict(self.rpc_counter.calls))
        self.rpc_counter.reset()

    def datastore(self):
        return [sum(n for k, n in step.items() if k.startswith('datastore'))
                for step in self.steps]


def test_oauth2_login_cold_warm_and_after_a_memcache_flush(
        testbed, rpc_counter, new_request, monkeypatch):
    monkeypatch.setattr(config_module, 'INVALIDATION_LOCK_SECONDS', 0)
    add_oauth2(providers()['oauth2'])
    counts = {}
    for run in ('cold', 'warm', 'flushed'):
        if run == 'flushed':
            memcache.flush_all()
        app = login_app()
        steps = StepCounter(rpc_counter, new_request)
        rpc_counter.reset()
        response, hops = drive(app, '/login/local', steps.new_request)
        steps.flush()
        assert response.text.startswith(u'ok id-alice Alice Liddell '
                                        u'alice@example.org'), response.text
        # app, consent page, consent answer (redirect), app.
        assert [h.app for h in hops] == [True, False, False, True], [
            (h.method, h.url, h.status) for h in hops]
        counts[run] = steps
    print('py27 RPCs per app request of a whole OAuth 2.0 login: %r' % dict(
        (run, steps.steps) for run, steps in counts.items()))
    assert counts['cold'].datastore() == [1, 0]      # one query, step one
    assert counts['warm'].datastore() == [0, 0]
    assert counts['flushed'].datastore() == [1, 0]
    # Warm: step one reads the config (Get) and saves the state (Set); the
    # callback reads config and session (2 Get), then removes the state and
    # saves the user (2 Set).
    assert counts['warm'].steps == [{'memcache.Get': 1, 'memcache.Set': 1},
                                    {'memcache.Get': 2, 'memcache.Set': 2}]


def test_oauth1_login_with_the_package_client_class(testbed, new_request):
    add_oauth1(providers()['oauth1'])
    app = login_app()
    response, hops = drive(app, '/login/local1', new_request, username='bob')
    assert response.text.startswith(u'ok '), response.text
    assert u'Bob Marley' in response.text
    assert [h.app for h in hops][0] and hops[-1].app
    assert session_keys(app) == ['user']      # the request token's secret is gone


def session_keys(app, backend='memcache'):
    from authomatic_extras.gae import Webapp2Session
    import webapp2
    import webtest
    from py27_support import SECRET

    class Keys(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            self.response.write(u','.join(sorted(session.session_dict)))

    probe = webtest.TestApp(webapp2.WSGIApplication([('/keys', Keys)]))
    probe.cookiejar = app.cookiejar
    return probe.get('/keys').text.split(',')


@pytest.mark.parametrize('backend', ['memcache', 'datastore',
                                     'securecookie'])
def test_login_state_is_removed_and_a_reloaded_callback_is_refused(
        testbed, new_request, backend):
    add_oauth2(providers()['oauth2'])
    app = login_app(session_kwargs={'backend': backend})
    response, hops = drive(app, '/login/local', new_request)
    assert response.text.startswith(u'ok id-alice'), response.text
    assert session_keys(app, backend) == ['user']   # no authomatic:local:csrf
    callback = hops[-1].url
    new_request()
    again = app.get(callback[len('http://localhost'):])
    # Refused by the missing state, before the provider is asked.
    assert again.text == u'error Unable to retrieve stored state!'
    assert session_keys(app, backend) == ['user']


def test_a_failed_login_removes_the_state_too(testbed, new_request):
    add_oauth2(providers()['oauth2'])
    app = login_app()
    response, hops = drive(app, '/login/local', new_request, decision='deny')
    assert response.text.startswith(u'error'), response.text
    assert 'access_denied' in hops[-1].url
    assert session_keys(app) == ['']              # no authomatic:local:csrf


def test_a_forged_callback_removes_nobodys_login(testbed, new_request):
    add_oauth2(providers()['oauth2'])
    app = login_app()
    new_request()
    assert app.get('/login/local').status_int == 302
    assert session_keys(app) == ['authomatic:local:csrf', 'authomatic:local:pkce']
    new_request()
    for forged in ('?error=access_denied&state=x',
                   '?code=attackers-code&state=forged'):
        new_request()
        response = app.get('/login/local' + forged)
        assert response.text.startswith(u'error'), response.text
        assert session_keys(app) == ['authomatic:local:csrf', 'authomatic:local:pkce']


def test_rotate_on_login_defeats_a_planted_session(testbed, new_request):
    add_oauth2(providers()['oauth2'])
    attacker = login_app(rotate=True)
    attacker.get('/whoami')
    new_request()
    attacker.get('/login/local')              # the attacker gets a session id
    planted = attacker.cookies['webapp2authomatic']

    victim = login_app(rotate=True)
    victim.set_cookie('webapp2authomatic', planted)
    response, _ = drive(victim, '/login/local', new_request)
    assert response.text.startswith(u'ok id-alice'), response.text
    assert victim.cookies['webapp2authomatic'] != planted
    assert victim.get('/whoami').text == u'id-alice'
    assert attacker.get('/whoami').text == u'None'


def test_openid_login_with_ndb_openid_store(testbed, new_request):
    """python-openid 2.2.5 (through the core's OpenID provider) with
    ``NDBOpenIDStore`` from the config, against the local OpenID provider."""
    from authomatic_extras.gae.openid import OpenIDAssociation, OpenIDNonce

    NDBConfig(provider_name='oi', provider_id=3,
              class_='authomatic.providers.openid.OpenID').put()
    identifier = providers()['openid']['alice']
    app = login_app()
    response, hops = drive(app, '/login/oi?id=' + identifier, new_request)
    assert response.text.startswith(u'ok '), response.text
    assert identifier in response.text
    assert OpenIDAssociation.query().count() == 1     # stored by the store
    assert OpenIDNonce.query().count() == 1           # nonce used once
    assert not [k for k in session_keys(app)
                if k.startswith(('authomatic:', '_openid_consumer_'))]
    # The same answer again: refused (the nonce, or the missing state).
    back = [h for h in hops if h.app][-1]
    new_request()
    if back.method == 'GET':
        again = app.get(back.url[len('http://localhost'):])
        assert again.text.startswith(u'error'), again.text


def test_openid_with_the_store_class_in_a_dict_config(testbed, new_request):
    """Upstream's documented pattern: ``'store': NDBOpenIDStore`` (the
    class, not an instance) in the config entry."""
    from authomatic.providers import openid
    from authomatic_extras.gae.openid import NDBOpenIDStore, OpenIDNonce

    app = login_app(config={'oi': {'class_': openid.OpenID, 'id': 3,
                                   'store': NDBOpenIDStore}})
    identifier = providers()['openid']['alice']
    response, _ = drive(app, '/login/oi?id=' + identifier, new_request)
    assert response.text.startswith(u'ok '), response.text
    assert OpenIDNonce.query().count() == 1
    assert NDBOpenIDStore.cleanup() == (0, 0)


def test_gaeopenid_logs_in_with_the_users_api(testbed, new_request):
    NDBConfig(provider_name='google', provider_id=4,
              class_='authomatic_extras.gae.gaeopenid.GAEOpenID').put()
    app = login_app()
    new_request()
    response = app.get('/login/google?id=google.com')
    assert response.status_int == 302
    assert '/_ah/login' in response.location or \
        'accounts' in response.location, response.location
    # The users stub's sign-in: the next request carries the user.
    testbed.bed.setup_env(USER_EMAIL='carol@example.org', USER_ID='42',
                          USER_IS_ADMIN='0', overwrite=True)
    new_request()
    response = app.get('/login/google')
    assert response.text == u'ok 42 None carol@example.org', response.text
    os.environ.pop('USER_EMAIL', None)


def test_gaeopenid_other_identifier_is_a_clear_error(testbed, new_request):
    NDBConfig(provider_name='google', provider_id=4,
              class_='authomatic_extras.gae.gaeopenid.GAEOpenID').put()
    new_request()
    response = login_app().get('/login/google?id=me.yahoo.com')
    assert response.text.startswith(
        u'error App Engine no longer offers OpenID 2.0 federated login'), \
        response.text
