# -*- coding: utf-8 -*-
"""Webapp2Session on real webapp2 apps (WebTest) under the testbed stubs."""
import pytest
import webapp2
import webtest

from authomatic_extras.gae import GAEError, Webapp2Session
from authomatic_extras.interfaces import BaseSession

SECRET = 'test-session-secret-0123456789'


def make_app(backend):
    class Put(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            session['greeting'] = self.request.get('value')
            session.save()
            self.response.write('stored')

    class Read(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            self.response.write(session.get('greeting', 'missing'))

    class Delete(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            del session['greeting']
            session.save()
            self.response.write('deleted')

    return webtest.TestApp(webapp2.WSGIApplication(
        [('/put', Put), ('/read', Read), ('/delete', Delete)]))


@pytest.mark.parametrize('backend', ['securecookie', 'memcache', 'datastore'])
def test_each_backend_round_trips_across_requests(gae_testbed, backend):
    app = make_app(backend)
    assert app.get('/read').text == 'missing'
    assert app.get('/put', {'value': 'hello'}).text == 'stored'
    assert 'webapp2authomatic' in app.cookies
    assert app.get('/read').text == 'hello'
    assert app.get('/delete').text == 'deleted'
    assert app.get('/read').text == 'missing'
    # Another browser (no cookie) does not see it.
    assert make_app(backend).get('/read').text == 'missing'


def test_datastore_backend_really_writes_the_datastore(gae_testbed):
    from webapp2_extras.appengine.sessions_ndb import Session

    app = make_app('datastore')
    app.get('/put', {'value': 'kept'})
    stored = Session.query().fetch()
    assert [s.data for s in stored] == [{'greeting': 'kept'}]


def test_wraps_a_given_session_dict(gae_testbed):
    from webapp2_extras import sessions

    class Handler(webapp2.RequestHandler):
        def dispatch(self):
            self.session_store = sessions.get_store(request=self.request)
            try:
                webapp2.RequestHandler.dispatch(self)
            finally:
                self.session_store.save_sessions(self.response)

        def get(self):
            own = self.session_store.get_session(backend='memcache')
            wrapped = Webapp2Session(self, session=own)
            assert wrapped.backend == 'memcache'
            count = wrapped.get('count', 0) + 1
            wrapped['count'] = count
            self.response.write(str(count))

    app = webtest.TestApp(webapp2.WSGIApplication(
        [('/', Handler)], config={'webapp2_extras.sessions': {
            'secret_key': SECRET}}))
    assert [app.get('/').text for _ in range(3)] == ['1', '2', '3']


def test_is_a_base_session():
    assert issubclass(Webapp2Session, BaseSession)


def test_neither_session_nor_secret_is_a_gae_error(gae_testbed):
    class Handler(webapp2.RequestHandler):
        def get(self):
            try:
                Webapp2Session(self)
            except GAEError as error:
                self.response.write(str(error))

    app = webtest.TestApp(webapp2.WSGIApplication([('/', Handler)]))
    assert app.get('/').text == 'Either session or secret must be specified!'


def test_unknown_backend_is_a_gae_error(gae_testbed):
    request = webapp2.Request.blank('/')
    request.app = webapp2.WSGIApplication()
    handler = webapp2.RequestHandler(request, webapp2.Response())
    with pytest.raises(GAEError, match="'redis'.*securecookie, memcache, "
                                       "datastore"):
        Webapp2Session(handler, secret=SECRET, backend='redis')


# -- the OpenID question: python3-openid puts non-JSON objects in the session


def _openid_endpoint():
    """The object python3-openid's Consumer stores in the session."""
    from openid.consumer.discover import OpenIDServiceEndpoint

    endpoint = OpenIDServiceEndpoint()
    endpoint.server_url = 'http://127.0.0.1:1/openid'
    endpoint.claimed_id = 'http://127.0.0.1:1/id/alice'
    endpoint.local_id = endpoint.claimed_id
    endpoint.type_uris = ['http://specs.openid.net/auth/2.0/signon']
    return endpoint


def make_openid_app(backend):
    from openid.consumer.consumer import Consumer

    class Begin(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            try:
                # Step one of a real (dumb mode: no store, no network)
                # OpenID request; it puts the endpoint in the session.
                Consumer(session, store=None).beginWithoutDiscovery(
                    _openid_endpoint())
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

    return webtest.TestApp(webapp2.WSGIApplication(
        [('/begin', Begin), ('/complete', Complete)]))


@pytest.mark.parametrize('backend', ['memcache', 'datastore'])
def test_openid_session_objects_work_with_pickling_backends(gae_testbed,
                                                           backend):
    app = make_openid_app(backend)
    assert app.get('/begin').text == 'saved'
    assert app.get('/complete').text == 'http://127.0.0.1:1/id/alice'


def test_openid_session_objects_with_securecookie_fail_clearly(gae_testbed):
    app = make_openid_app('securecookie')
    response = app.get('/begin', status=500)
    assert "'securecookie' webapp2 session backend stores only JSON" in \
        response.text
    assert 'OpenIDServiceEndpoint' in response.text
    assert "backend='memcache'" in response.text
    assert "backend='datastore'" in response.text


# -- cookies, rotation, login state ------------------------------------------


def set_cookies(response):
    return [v for k, v in response.headerlist if k.lower() == 'set-cookie']


def test_cookie_defaults_are_httponly_samesite_lax(gae_testbed):
    cookies = set_cookies(make_app('memcache').get('/put', {'value': 'x'}))
    assert len(cookies) == 1, cookies
    assert cookies[0].startswith('webapp2authomatic=')
    assert 'httponly' in cookies[0].lower()
    assert cookies[0].endswith('; SameSite=Lax')
    assert 'secure' not in cookies[0].lower()


def a_handler():
    request = webapp2.Request.blank('/')
    request.app = webapp2.WSGIApplication()
    return webapp2.RequestHandler(request, webapp2.Response())


def test_cookie_options(gae_testbed):
    session = Webapp2Session(a_handler(), secret=SECRET, secure=True,
                             samesite='Strict', httponly=False)
    session['a'] = 1
    session.save()
    cookie = set_cookies(session.handler.response)[0]
    assert 'secure' in cookie.lower() and cookie.endswith('SameSite=Strict')
    assert 'httponly' not in cookie.lower()
    with pytest.raises(GAEError, match='needs secure=True'):
        Webapp2Session(a_handler(), secret=SECRET, samesite='None')
    with pytest.raises(GAEError, match='samesite must be one of'):
        Webapp2Session(a_handler(), secret=SECRET, samesite='lax ')


def test_config_without_cookie_name_names_the_cookie_session(gae_testbed):
    session = Webapp2Session(a_handler(), config={'secret_key': SECRET})
    session['a'] = 1
    session.save()
    assert set_cookies(session.handler.response)[0].startswith('session=')
    assert session.cookie_name == 'session'


@pytest.mark.parametrize('backend', ['securecookie', 'memcache', 'datastore'])
def test_session_max_age_is_enforced_by_the_server(gae_testbed, backend,
                                                   monkeypatch):
    from webapp2_extras import securecookie

    # The signer's clock, moved instead of sleeping past the max age.
    now = [1700000000]
    monkeypatch.setattr(securecookie.SecureCookieSerializer,
                        '_get_timestamp', lambda self: now[0])

    class Put(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend,
                                     session_max_age=60)
            session['v'] = 'kept'
            session.save()

    class Read(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend,
                                     session_max_age=60)
            self.response.write(session.get('v', 'missing'))

    app = webtest.TestApp(webapp2.WSGIApplication([('/put', Put),
                                                   ('/read', Read)]))
    app.get('/put')
    now[0] += 59
    assert app.get('/read').text == 'kept'
    now[0] += 2
    assert app.get('/read').text == 'missing'


@pytest.mark.parametrize('backend', ['memcache', 'datastore'])
def test_rotate_defeats_a_planted_session_id(gae_testbed, backend):
    """Session fixation from the attacker's side: its own session cookie,
    planted in the victim's browser, must not see the victim's login."""
    class Put(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            session['greeting'] = 'planted'
            session.save()

    class Login(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            session.rotate()
            session['user'] = 'victim'
            session.save()

    class WhoAmI(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            self.response.write('%s %s' % (session.get('user'),
                                           session.get('greeting')))

    def browser():
        return webtest.TestApp(webapp2.WSGIApplication(
            [('/put', Put), ('/login', Login), ('/whoami', WhoAmI)]))

    attacker = browser()
    attacker.get('/put')
    planted = attacker.cookies['webapp2authomatic']
    victim = browser()
    victim.set_cookie('webapp2authomatic', planted)
    victim.get('/login')
    assert victim.cookies['webapp2authomatic'] != planted
    assert victim.get('/whoami').text == 'victim planted'    # data kept
    assert attacker.get('/whoami').text == 'None None'       # old id: empty


def test_rotate_webapp2_session_needs_a_webapp2_session():
    from authomatic_extras.gae import rotate_webapp2_session

    with pytest.raises(GAEError, match='needs a webapp2 SessionDict'):
        rotate_webapp2_session({})


def oauth2_login_app(server):
    """``Authomatic`` with a dict config, ``Webapp2Session`` as upstream's
    docs use it; answers ``ok <id>`` / ``error <message>`` / the keys."""
    return login_app({'local': server.config_entry(id=1)})


def login_app(config):
    from authomatic import Authomatic
    from authomatic.adapters import Webapp2Adapter

    class Login(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET)
            result = Authomatic(config, SECRET).login(
                Webapp2Adapter(self), 'local', session=session,
                session_saver=session.save)
            if result and result.error:
                self.response.write('error %s' % getattr(
                    result.error, 'message', result.error))
            elif result:
                self.response.write('ok %s' % result.user.id)

    class Keys(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET)
            self.response.write(','.join(sorted(session.session_dict)))

    return webtest.TestApp(webapp2.WSGIApplication(
        [('/login/local', Login), ('/keys', Keys)]))


def test_login_state_is_removed_when_the_login_ends(gae_testbed,
                                                   local_oauth2_server):
    app = oauth2_login_app(local_oauth2_server)
    step_one = app.get('/login/local')
    assert step_one.status_int == 302
    state = 'authomatic:local:csrf,authomatic:local:pkce'  # the PKCE seed
    assert app.get('/keys').text == state

    # A forged denial with someone else's state removes nothing.
    forged = app.get('/login/local?error=access_denied&state=x')
    assert forged.text.startswith('error')
    assert app.get('/keys').text == state

    callback = consent(step_one.location)
    done = app.get(callback)
    assert done.text == 'ok id-alice', done.text
    assert app.get('/keys').text == ''
    # The reloaded callback fails the core's state check, which comes
    # before any request to the provider (not the provider's refusal of a
    # used code, which would read "Failed to obtain OAuth 2.0 access token").
    again = app.get(callback)
    assert again.text == 'error Unable to retrieve stored state!'


def consent(authorize_url, decision='allow'):
    """Answers a local provider's consent page; the app-relative URL it
    redirects back to."""
    import requests
    from urllib.parse import urlsplit

    answer = requests.post(authorize_url, data={'username': 'alice',
                                                'decision': decision},
                           allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers['Location'])
    return location.path + '?' + location.query


def test_a_forged_oauth2_callback_removes_nothing(gae_testbed, local_oauth2_server):
    app = oauth2_login_app(local_oauth2_server)
    step_one = app.get('/login/local')
    before = app.get('/keys').text
    forged = app.get('/login/local?code=attackers-code&state=forged')
    assert forged.text.startswith('error')
    assert app.get('/keys').text == before            # the victim's flow
    assert app.get(consent(step_one.location)).text == 'ok id-alice'
    assert app.get('/keys').text == ''


def test_oauth1_state_is_removed_when_the_login_ends(gae_testbed,
                                                     local_oauth1_server):
    app = login_app({'local': local_oauth1_server.config_entry(id=2)})
    step_one = app.get('/login/local')
    assert step_one.status_int == 302
    pending = ('authomatic:local:oauth1_request_token,'
               'authomatic:local:token_secret')
    assert app.get('/keys').text == pending
    # Forged callbacks match no flow: nothing removed.
    assert app.get('/login/local?denied=x').text.startswith('error')
    assert app.get('/login/local?oauth_token=x&oauth_verifier=y').text \
        .startswith('error')
    assert app.get('/keys').text == pending

    callback = consent(step_one.location)
    assert app.get(callback).text == 'ok id-alice'
    assert app.get('/keys').text == ''
    again = app.get(callback)    # refused before the provider is asked
    assert again.text == 'error Unable to retrieve token secret from storage!'


def test_oauth1_denial_removes_its_flow(gae_testbed, local_oauth1_server):
    app = login_app({'local': local_oauth1_server.config_entry(id=2)})
    step_one = app.get('/login/local')
    callback = consent(step_one.location, decision='deny')
    assert 'denied=' in callback
    assert app.get(callback).text.startswith('error')
    assert app.get('/keys').text == ''
