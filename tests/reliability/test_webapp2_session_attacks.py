# -*- coding: utf-8 -*-
"""Attacks on the gen-1 ``Webapp2Session`` cookie, from the attacker's side.

A real webapp2 app (WebTest) on the App Engine testbed stubs, logging in
with OAuth 2.0 against the local provider as upstream's docs write it
(``Webapp2Session(self, secret=...)``, ``session_saver=session.save``), and
rotating the session on login as docs/gae.md tells users to.
"""
from urllib.parse import urlsplit

import pytest
import requests

pytest.importorskip('google.appengine.ext.testbed')

import webapp2  # noqa: E402
import webtest  # noqa: E402
from authomatic import Authomatic  # noqa: E402
from authomatic.adapters import Webapp2Adapter  # noqa: E402
from webapp2_extras import securecookie  # noqa: E402

from authomatic_extras.gae import Webapp2Session  # noqa: E402

SECRET = 'reliability-webapp2-secret-0123456789'


@pytest.fixture
def stubs():
    from google.appengine.datastore import datastore_stub_util
    from google.appengine.ext import ndb, testbed

    bed = testbed.Testbed()
    bed.activate()
    bed.setup_env(APPLICATION_ID='dev~authomatic-extras-attack', overwrite=True)
    bed.init_datastore_v3_stub(
        consistency_policy=datastore_stub_util.PseudoRandomHRConsistencyPolicy(
            probability=1))
    bed.init_memcache_stub()
    try:
        yield bed
    finally:
        ndb.get_context().clear_cache()
        bed.deactivate()


def make_browser(server, **session_kwargs):
    """A fresh browser (cookie jar) on the victim's app."""
    config = {'local': server.config_entry(id=1)}

    class Login(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, **session_kwargs)
            result = Authomatic(config, SECRET).login(
                Webapp2Adapter(self), 'local', session=session,
                session_saver=session.save)
            if result and result.user:
                session.rotate()
                session['user'] = result.user.id
                session.save()
                self.response.write('ok')
            elif result:
                self.response.write('error %s' % getattr(
                    result.error, 'message', result.error))

    class WhoAmI(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, **session_kwargs)
            self.response.write('%s' % session.get('user'))

    return webtest.TestApp(webapp2.WSGIApplication(
        [('/login/local', Login), ('/whoami', WhoAmI)]))


def log_in(browser, username='alice'):
    step_one = browser.get('/login/local')
    answer = requests.post(step_one.location, data={'username': username,
                                                    'decision': 'allow'},
                           allow_redirects=False, timeout=30)
    callback = urlsplit(answer.headers['Location'])
    assert browser.get(callback.path + '?' + callback.query).text == 'ok'


def cookie_header(response, name='webapp2authomatic'):
    return [v for k, v in response.headerlist
            if k.lower() == 'set-cookie' and v.startswith(name + '=')][-1]


def test_script_and_cross_site_requests_do_not_get_the_cookie(stubs,
                                                              local_oauth2_server):
    """A script injected into a page reads ``document.cookie``; a cross-site
    form posts with the victim's cookie. HttpOnly and SameSite=Lax stop
    both by default."""
    browser = make_browser(local_oauth2_server)
    header = cookie_header(browser.get('/login/local'))
    assert '; httponly' in header.lower()
    assert header.endswith('; SameSite=Lax')


def test_secure_option_keeps_the_cookie_off_plain_http(stubs, local_oauth2_server):
    browser = make_browser(local_oauth2_server, secure=True)
    assert '; secure' in cookie_header(browser.get('/login/local')).lower()


def test_a_stolen_cookie_expires_on_the_server(stubs, local_oauth2_server,
                                               monkeypatch):
    """The attacker copies the victim's session cookie and replays it after
    ``session_max_age``: the server refuses it, whatever the browser would
    have kept. (The signer's clock is moved instead of waiting a day.)"""
    now = [1700000000]
    monkeypatch.setattr(securecookie.SecureCookieSerializer,
                        '_get_timestamp', lambda self: now[0])
    victim = make_browser(local_oauth2_server)
    log_in(victim)
    stolen = victim.cookies['webapp2authomatic']
    attacker = make_browser(local_oauth2_server)
    attacker.set_cookie('webapp2authomatic', stolen)
    assert attacker.get('/whoami').text == 'id-alice'     # fresh: it works
    now[0] += 24 * 3600 + 1
    assert attacker.get('/whoami').text == 'None'


@pytest.mark.parametrize('backend', ['memcache', 'datastore'])
def test_a_planted_session_id_does_not_see_the_victims_login(
        stubs, local_oauth2_server, backend):
    """Session fixation: the attacker gets a session id from the app, plants
    it in the victim's browser, waits for the victim to log in, then uses
    the id."""
    attacker = make_browser(local_oauth2_server, backend=backend)
    attacker.get('/login/local')                # a session with login state
    planted = attacker.cookies['webapp2authomatic']
    victim = make_browser(local_oauth2_server, backend=backend)
    victim.set_cookie('webapp2authomatic', planted)
    log_in(victim)
    assert victim.get('/whoami').text == 'id-alice'
    assert attacker.get('/whoami').text == 'None'


@pytest.mark.parametrize('forged', [
    '?error=access_denied&state=x', '?code=attackers-code&state=forged',
    '?code=attackers-code'])
def test_a_forged_callback_does_not_end_the_victims_pending_login(
        stubs, local_oauth2_server, forged):
    """The attacker makes the victim's browser load a callback URL of its own
    while the victim's login is pending: the victim's login must still
    finish."""
    victim = make_browser(local_oauth2_server)
    step_one = victim.get('/login/local')
    assert victim.get('/login/local' + forged).text.startswith('error')
    answer = requests.post(step_one.location, data={'username': 'alice',
                                                    'decision': 'allow'},
                           allow_redirects=False, timeout=30)
    callback = urlsplit(answer.headers['Location'])
    assert victim.get(callback.path + '?' + callback.query).text == 'ok'
