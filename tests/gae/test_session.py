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
