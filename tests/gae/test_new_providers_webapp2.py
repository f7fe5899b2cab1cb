# -*- coding: utf-8 -*-
"""The new providers through the gen-1 path on Python 3: a real webapp2 app
under the App Engine testbed stubs, the core's ``Webapp2Adapter`` and
:class:`authomatic_extras.gae.Webapp2Session` (all three backends), logging in
at the local issuer with :class:`authomatic_extras.providers.OIDC` (nonce,
PKCE, id_token checked) and at the local GitHub look-alike with the PKCE
GitHub class (the server refuses a login without PKCE).

The app is driven in-process through Werkzeug's test client (any WSGI app
works), the provider over real HTTP.
"""
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import webapp2
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter
from werkzeug.test import Client

from authomatic_extras.gae import Webapp2Session
from authomatic_extras.providers import presets
from authomatic_extras.testing import login_with_test_client

SECRET = 'gen1-py3-authomatic-secret-0123456789'
BACKENDS = ['securecookie', 'memcache', 'datastore']


def make_app(config, backend):
    """A gen-1 style app: ``/login/<name>`` answers a finished login as JSON."""
    authomatic = Authomatic(config, SECRET, report_errors=True)

    class Login(webapp2.RequestHandler):
        def any(self, provider_name):
            session = Webapp2Session(self, secret=SECRET, backend=backend)
            result = authomatic.login(Webapp2Adapter(self), provider_name,
                                      session=session, session_saver=session.save)
            if result is None:
                return  # the redirect to the provider is in self.response
            body = {'error': None, 'error_type': None, 'user': None, 'claims': None}
            if result.error is not None:
                body['error'] = str(getattr(result.error, 'message', result.error))
                body['error_type'] = type(result.error).__name__
            elif result.user is not None:
                user = result.user
                body['user'] = {'id': user.id, 'name': user.name, 'email': user.email,
                                'username': user.username,
                                'credentials': bool(user.credentials and user.credentials.token)}
                body['claims'] = getattr(user, 'id_token_claims', None)
            self.response.content_type = 'application/json'
            self.response.write(json.dumps(body))

        get = post = any

    return webapp2.WSGIApplication([(r'/login/(\w+)', Login)])


def log_in(app, name, username='alice', decision='allow'):
    trip = login_with_test_client(Client(app), '/login/' + name, username=username,
                                  decision=decision)
    authorize = [hop.location for hop in trip.hops if hop.location
                 and '/authorize?' in hop.location][0]
    return trip.json(), parse_qs(urlsplit(authorize).query)


@pytest.mark.parametrize('backend', BACKENDS)
def test_oidc_login_through_webapp2_session(gae_testbed, local_oidc_server, backend):
    app = make_app({'issuer': local_oidc_server.oidc_config_entry(id=1)}, backend)
    body, asked = log_in(app, 'issuer', username='bob')
    assert body['error'] is None, body
    assert body['user']['id'] == 'id-bob' and body['user']['name'] == 'Bob Marley'
    assert body['user']['email'] == 'bob@example.org' and body['user']['credentials']
    claims = body['claims']
    assert claims['iss'] == local_oidc_server.issuer
    assert claims['aud'] in ('local-client', ['local-client'])
    assert claims['nonce'] == asked['nonce'][0]          # the nonce of this login
    assert asked['code_challenge_method'] == ['S256'] and asked['code_challenge']
    assert 'code_verifier' not in asked                   # the verifier stays on the server


@pytest.mark.parametrize('backend', BACKENDS)
def test_pkce_github_class_through_webapp2_session(gae_testbed, local_oauth2_server,
                                                   backend):
    client = local_oauth2_server.default_client
    entry = presets.github(client.client_id, client.client_secret, id=4,
                           **local_oauth2_server.endpoints('github'))
    assert local_oauth2_server.require_pkce
    app = make_app({'github': entry}, backend)
    body, asked = log_in(app, 'github')
    assert body['error'] is None, body
    assert (body['user']['username'], body['user']['email']) == ('alice',
                                                                 'alice@example.org')
    assert asked['code_challenge_method'] == ['S256']


def test_oidc_failure_through_webapp2_session_is_a_typed_error(gae_testbed,
                                                               local_oidc_server):
    local_oidc_server.id_token_fault('bad_signature', times=1)
    app = make_app({'issuer': local_oidc_server.oidc_config_entry(id=1)}, 'memcache')
    body, _ = log_in(app, 'issuer')
    assert body['user'] is None
    assert body['error_type'] == 'IDTokenSignatureError', body


@pytest.mark.parametrize('backend', BACKENDS)
def test_a_replayed_oidc_callback_is_refused(gae_testbed, local_oidc_server, backend):
    """An issuer that redeems a code twice, and a replay of the callback with
    the session cookie of before the login. With the server-side backends the
    login state is gone (removed when the login ended); with securecookie the
    old cookie still carries it, and the nonce, which works once, refuses."""
    from authomatic_extras.testing import stop_before_callback

    local_oidc_server.reuse_codes = True
    app = make_app({'issuer': local_oidc_server.oidc_config_entry(id=1)}, backend)
    client = Client(app)
    callback = stop_before_callback(client, '/login/issuer')
    cookie = client.get_cookie('webapp2authomatic', domain='localhost').value

    def call():
        answer = client.get(callback, base_url='http://localhost')
        return json.loads(answer.get_data(as_text=True))

    first = call()
    assert first['error'] is None, first
    client.set_cookie('webapp2authomatic', cookie, domain='localhost')
    again = call()
    assert again['user'] is None, again
    if backend == 'securecookie':
        assert again['error_type'] == 'IDTokenNonceReplayed', again
    else:
        assert again['error_type'] == 'FailureError', again
        assert again['error'] == 'Unable to retrieve stored state!'
