# -*- coding: utf-8 -*-
"""GAEOpenID (the users-API provider) on a real webapp2 app, users stub.

The users stub reads the signed-in user from ``os.environ`` (USER_EMAIL,
USER_ID), as the gen-1 runtime sets it; the tests set those variables to
play "the user signed in on the login page".
"""
import os

import pytest
import webapp2
import webtest
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter

from authomatic_extras.gae import GAEError, GAEOpenID, Webapp2Session
from authomatic_extras.gae import gaeopenid

SECRET = 'test-gaeopenid-secret-0123456789'
CONFIG = {
    'gae': {'class_': GAEOpenID},
    'google': {'class_': 'authomatic_extras.gae.gaeopenid.Google'},
    'yahoo': {'class_': gaeopenid.Yahoo},
}


@pytest.fixture
def app(gae_testbed):
    class Login(webapp2.RequestHandler):
        def get(self, name):
            session = Webapp2Session(self, secret=SECRET)
            result = Authomatic(CONFIG, SECRET).login(
                Webapp2Adapter(self), name, session=session,
                session_saver=session.save)
            if result and result.error:
                self.response.status_int = 401
                self.response.write('%s: %s' % (
                    type(result.error).__name__, result.error))
            elif result and result.user:
                self.response.write('%s|%s|%s' % (
                    result.user.id, result.user.email,
                    result.user.gae_user.nickname()))

    return webtest.TestApp(webapp2.WSGIApplication(
        [webapp2.Route('/login/<name>', Login)]))


def sign_in(email, user_id):
    os.environ['USER_EMAIL'] = email
    os.environ['USER_ID'] = user_id


@pytest.mark.parametrize('name, identifier', [
    ('gae', 'https://www.google.com/accounts/o8/id'),
    ('google', 'google.com'),
])
def test_login_with_google_accounts(app, name, identifier):
    step1 = app.get('/login/%s' % name, {'id': identifier})
    assert step1.status_int == 302
    assert step1.location.startswith(
        'https://www.google.com/accounts/Login?continue=')
    assert step1.location.endswith('continue=http%3A//localhost/login/' + name)
    sign_in('dana@example.com', '1234567890')
    step2 = app.get('/login/%s' % name)
    # nickname() is the whole address outside the auth domain (gmail.com).
    assert step2.text == '1234567890|dana@example.com|dana@example.com'


def test_not_signed_in_is_a_failure_not_a_crash(app):
    os.environ['USER_EMAIL'] = ''
    response = app.get('/login/gae', status=401)
    assert response.text.startswith('FailureError: Unable to authenticate')


def test_federated_identity_is_a_clear_gae_error(app):
    """The stub (like production) raises NotAllowedError for OpenID 2.0."""
    response = app.get('/login/yahoo', {'id': 'me.yahoo.com'}, status=401)
    assert response.text.startswith('GAEError: App Engine no longer offers')
    assert "'me.yahoo.com'" in response.text


def test_login_url_helper(gae_testbed):
    assert gaeopenid.login_url('http://h/x', None).startswith(
        'https://www.google.com/accounts/Login?continue=')
    with pytest.raises(GAEError):
        gaeopenid.login_url('http://h/x', 'https://openid.example.org/')
