# -*- coding: utf-8 -*-
"""Webapp2Session on webapp2 2.5.2 / webob 1.2.3 (the python27 runtime's)."""
from __future__ import absolute_import

import pytest
import webapp2
import webtest
from webapp2_extras import securecookie, sessions

from authomatic_extras.gae import (GAEError, Webapp2Session,
                                   rotate_webapp2_session)

SECRET = 'py27-session-secret-0123456789'
BACKENDS = ['securecookie', 'memcache', 'datastore']


def make_app(**kwargs):
    class Put(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, **kwargs)
            session['greeting'] = self.request.get('value')
            session.save()
            self.response.write('stored')

    class Read(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, **kwargs)
            self.response.write(session.get('greeting', 'missing'))

    class Rotate(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, **kwargs)
            session.rotate()
            session['user'] = 'victim'
            session.save()
            self.response.write('rotated')

    class WhoAmI(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, **kwargs)
            self.response.write('%s' % session.get('user'))

    return webtest.TestApp(webapp2.WSGIApplication(
        [('/put', Put), ('/read', Read), ('/rotate', Rotate),
         ('/whoami', WhoAmI)]))


def set_cookie_headers(response):
    return [v for k, v in response.headerlist if k.lower() == 'set-cookie']


@pytest.mark.parametrize('backend', BACKENDS)
def test_each_backend_round_trips(testbed, backend):
    app = make_app(secret=SECRET, backend=backend)
    assert app.get('/read').text == 'missing'
    app.get('/put', {'value': 'hello'})
    assert 'webapp2authomatic' in app.cookies
    assert app.get('/read').text == 'hello'
    assert make_app(secret=SECRET, backend=backend).get(
        '/read').text == 'missing'


def test_cookie_defaults_httponly_samesite_lax_not_secure(testbed):
    response = make_app(secret=SECRET).get('/put', {'value': 'x'})
    cookies = set_cookie_headers(response)
    assert len(cookies) == 1, cookies
    cookie = cookies[0]
    assert cookie.startswith('webapp2authomatic=')
    assert 'HttpOnly' in cookie or 'httponly' in cookie.lower()
    assert cookie.endswith('; SameSite=Lax')
    assert 'secure' not in cookie.lower()
    assert 'Path=/' in cookie


def test_cookie_options_are_configurable(testbed):
    cookie = set_cookie_headers(make_app(
        secret=SECRET, secure=True, samesite='Strict', httponly=False,
        cookie_name='sid').get('/put', {'value': 'x'}))[0]
    assert cookie.startswith('sid=')
    assert 'secure' in cookie.lower() and 'SameSite=Strict' in cookie
    assert 'httponly' not in cookie.lower()
    cookie = set_cookie_headers(make_app(
        secret=SECRET, samesite=None).get('/put', {'value': 'x'}))[0]
    assert 'samesite' not in cookie.lower()


def a_handler():
    request = webapp2.Request.blank('/')
    request.app = webapp2.WSGIApplication()
    return webapp2.RequestHandler(request, webapp2.Response())


@pytest.mark.parametrize('samesite, secure, message', [
    ('Lousy', False, 'samesite must be one of'),
    ('None', False, "needs secure=True")])
def test_bad_cookie_options_are_a_gae_error(testbed, samesite, secure,
                                            message):
    with pytest.raises(GAEError) as raised:
        Webapp2Session(a_handler(), secret=SECRET, samesite=samesite,
                       secure=secure)
    assert message in str(raised.value)
    session = Webapp2Session(a_handler(), secret=SECRET, samesite='None',
                             secure=True)
    session['a'] = 1
    session.save()
    cookie = set_cookie_headers(session.handler.response)[0]
    assert 'SameSite=None' in cookie and 'secure' in cookie.lower()


def test_config_without_cookie_name_uses_upstreams_session_cookie(testbed):
    app = make_app(config={'secret_key': SECRET})
    app.get('/put', {'value': 'x'})
    assert list(app.cookies) == ['session']
    assert app.get('/read').text == 'x'
    app = make_app(config={'secret_key': SECRET, 'cookie_name': 'mine'})
    app.get('/put', {'value': 'x'})
    assert list(app.cookies) == ['mine']


def test_secret_in_config_only_is_enough_and_none_is_a_gae_error(testbed):
    app = make_app(config={'secret_key': SECRET, 'cookie_name': 'c'})
    app.get('/put', {'value': 'only-config'})
    assert app.get('/read').text == 'only-config'
    with pytest.raises(GAEError) as raised:
        Webapp2Session(a_handler())
    assert 'Either session or secret must be specified!' in str(raised.value)
    with pytest.raises(GAEError) as raised:
        Webapp2Session(a_handler(), secret=SECRET, backend='redis')
    assert "'redis'" in str(raised.value)


@pytest.fixture
def signing_clock(monkeypatch):
    """The time webapp2's cookie signer reads (``_get_timestamp``): moved by
    the test instead of sleeping past ``session_max_age``."""
    now = [1700000000]
    monkeypatch.setattr(securecookie.SecureCookieSerializer,
                        '_get_timestamp', lambda self: now[0])
    return now


@pytest.mark.parametrize('backend', BACKENDS)
def test_server_side_expiry(testbed, signing_clock, backend):
    app = make_app(secret=SECRET, backend=backend, session_max_age=60)
    app.get('/put', {'value': 'hello'})
    signing_clock[0] += 59
    assert app.get('/read').text == 'hello'
    signing_clock[0] += 2
    assert app.get('/read').text == 'missing'   # the cookie is still sent


def test_default_server_side_expiry_is_one_day(testbed, signing_clock):
    app = make_app(secret=SECRET)
    app.get('/put', {'value': 'hello'})
    signing_clock[0] += 24 * 3600 - 1
    assert app.get('/read').text == 'hello'
    signing_clock[0] += 2
    assert app.get('/read').text == 'missing'


@pytest.mark.parametrize('backend', ['memcache', 'datastore'])
def test_rotate_makes_a_planted_session_id_worthless(testbed, backend):
    """Session fixation: the attacker plants its own session cookie in the
    victim's browser; after the victim's login rotates the session, the
    attacker's copy of the cookie finds nothing."""
    attacker = make_app(secret=SECRET, backend=backend)
    attacker.get('/put', {'value': 'planted'})
    planted = attacker.cookies['webapp2authomatic']

    victim = make_app(secret=SECRET, backend=backend)
    victim.set_cookie('webapp2authomatic', planted)
    assert victim.get('/read').text == 'planted'      # the same session
    assert victim.get('/rotate').text == 'rotated'
    assert victim.cookies['webapp2authomatic'] != planted
    assert victim.get('/whoami').text == 'victim'
    assert victim.get('/read').text == 'planted'      # data kept
    assert attacker.get('/whoami').text == 'None'
    assert attacker.get('/read').text == 'missing'    # old id's data gone


def test_rotate_with_securecookie_keeps_the_data(testbed):
    app = make_app(secret=SECRET, backend='securecookie')
    app.get('/put', {'value': 'kept'})
    app.get('/rotate')
    assert app.get('/whoami').text == 'victim'
    assert app.get('/read').text == 'kept'


def test_rotate_webapp2_session_on_an_apps_own_session_store(testbed):
    class Handler(webapp2.RequestHandler):
        def dispatch(self):
            self.session_store = sessions.get_store(request=self.request)
            try:
                webapp2.RequestHandler.dispatch(self)
            finally:
                self.session_store.save_sessions(self.response)

        def get(self):
            own = self.session_store.get_session(backend='memcache')
            if self.request.get('rotate'):
                rotate_webapp2_session(own)
            own['count'] = own.get('count', 0) + 1
            self.response.write(str(own['count']))

    app = webtest.TestApp(webapp2.WSGIApplication(
        [('/', Handler)], config={'webapp2_extras.sessions': {
            'secret_key': SECRET}}))
    app.get('/')
    before = app.cookies['session']
    assert app.get('/', {'rotate': '1'}).text == '2'
    assert app.cookies['session'] != before
    assert app.get('/').text == '3'
    with pytest.raises(GAEError) as raised:
        rotate_webapp2_session({'a': 1})
    assert 'needs a webapp2 SessionDict' in str(raised.value)


def test_wraps_a_given_session_dict(testbed):
    class Handler(webapp2.RequestHandler):
        def dispatch(self):
            self.session_store = sessions.get_store(request=self.request)
            try:
                webapp2.RequestHandler.dispatch(self)
            finally:
                self.session_store.save_sessions(self.response)

        def get(self):
            own = self.session_store.get_session(backend='datastore')
            wrapped = Webapp2Session(self, session=own)
            assert wrapped.backend == 'datastore'
            wrapped['count'] = wrapped.get('count', 0) + 1
            self.response.write(str(wrapped['count']))

    app = webtest.TestApp(webapp2.WSGIApplication(
        [('/', Handler)], config={'webapp2_extras.sessions': {
            'secret_key': SECRET}}))
    assert [app.get('/').text for _ in range(3)] == ['1', '2', '3']


def _endpoint():
    from openid.consumer.discover import OpenIDServiceEndpoint

    endpoint = OpenIDServiceEndpoint()
    endpoint.server_url = 'http://127.0.0.1:1/openid'
    endpoint.claimed_id = 'http://127.0.0.1:1/id/alice'
    endpoint.local_id = endpoint.claimed_id
    endpoint.type_uris = ['http://specs.openid.net/auth/2.0/signon']
    return endpoint


@pytest.mark.parametrize('backend', BACKENDS)
def test_python_openid_objects_in_the_session(testbed, backend):
    from openid.consumer.consumer import Consumer

    class Begin(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            try:
                Consumer(session, store=None).beginWithoutDiscovery(
                    _endpoint())
            except GAEError as error:
                self.response.status_int = 500
                self.response.write(str(error))
                return
            session.save()
            self.response.write('saved')

    class Complete(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            key = Consumer(session, store=None)._token_key
            self.response.write(session.get(key).claimed_id)

    app = webtest.TestApp(webapp2.WSGIApplication(
        [('/begin', Begin), ('/complete', Complete)]))
    if backend == 'securecookie':
        response = app.get('/begin', status=500)
        assert "backend='memcache'" in response.text
    else:
        assert app.get('/begin').text == 'saved'
        assert app.get('/complete').text == 'http://127.0.0.1:1/id/alice'
