"""The contenders: one Flask app (or WSGI app) per login implementation.

Every app answers ``/login/local``: without ``code``/``error`` in the query
it redirects to the provider (step 1); on the provider's callback it fetches
the token and the user info (step 2) and answers ``200`` with
``OK <sub> <name> <email>``, or ``500`` with ``ERROR <type>: <message>``.

All of them talk to the same :class:`LocalOAuth2Server` with the same client,
scope (``openid profile email``) and PKCE ``S256``, and all of them make the
same two back-channel requests in step 2 (token, user info).
"""
import base64
import hashlib
import http.client
import json
import secrets
from urllib.parse import urlencode, urlsplit

SECRET = 'benchmark-secret-0123456789-abcdefghij'
PROVIDER_NAME = 'local'
LOGIN_PATH = '/login/' + PROVIDER_NAME
SCOPE = ('openid', 'profile', 'email')

#: name -> one-line description (the order of the tables).
CONTENDERS = {
    'ours': 'authomatic_extras.flask.FlaskAuthomatic (README usage)',
    'upstream': 'authomatic.extras.flask.FlaskAuthomatic (authomatic 1.3.0), '
                'the baseline of the step targets',
    'authlib': "Authlib's Flask client (authlib.integrations.flask_client.OAuth), PKCE S256",
    'core': 'bare core: Authomatic.login(WerkzeugAdapter(request, response), name) '
            'in a Flask view, core cookie session',
    'core-wsgi': 'bare core in a plain Werkzeug app (authomatic_extras.testing.apps.'
                 'make_login_app), no Flask (reference)',
    'floor': 'bare Flask view: state + PKCE verifier in the Flask session, the same '
             'redirect; callback = the two back-channel requests with http.client',
}
#: Contenders of the concurrency, cookie and RSS sections (core-wsgi answers
#: JSON and is only a reference for the per-step costs).
MAIN = ('ours', 'upstream', 'authlib', 'core', 'floor')


def config_for(provider_url, client_id='local-client', client_secret='local-secret'):
    from authomatic_extras.testing.providers import LocalOAuth2
    return {PROVIDER_NAME: {
        'class_': LocalOAuth2,
        'id': 1,
        'consumer_key': client_id,
        'consumer_secret': client_secret,
        'scope': list(SCOPE),
        'provider_url': provider_url.rstrip('/'),
    }}


def done_body(user_id, name, email):
    return 'OK {0} {1} {2}'.format(user_id, name, email)


def _result_response(result):
    """(body, status) for a finished core/extension login."""
    if result.error:
        return 'ERROR {0}: {1}'.format(type(result.error).__name__, result.error), 500
    user = result.user
    return done_body(user.id, user.name, user.email), 200


def _flask_app(name):
    from flask import Flask
    app = Flask('bench_' + name)
    app.secret_key = SECRET
    return app


def make_ours(provider_url):
    from authomatic_extras.flask import FlaskAuthomatic

    app = _flask_app('ours')
    authomatic = FlaskAuthomatic(config=config_for(provider_url), secret=SECRET)
    authomatic.init_app(app)

    @app.route('/login/<provider_name>')
    @authomatic.login()
    def login(provider_name):
        result = authomatic.result
        if result is None:
            return authomatic.response
        return _result_response(result)

    return app


def make_upstream(provider_url):
    from authomatic.extras.flask import FlaskAuthomatic

    app = _flask_app('upstream')
    authomatic = FlaskAuthomatic(config=config_for(provider_url), secret=SECRET)

    # Upstream's documented usage: provider name given to the decorator.
    @app.route(LOGIN_PATH)
    @authomatic.login(PROVIDER_NAME)
    def login():
        result = authomatic.result
        if result is None:
            return authomatic.response
        return _result_response(result)

    return app


def make_core(provider_url):
    from authomatic import Authomatic
    from authomatic.adapters import WerkzeugAdapter
    from flask import make_response, request

    app = _flask_app('core')
    authomatic = Authomatic(config_for(provider_url), SECRET)

    @app.route(LOGIN_PATH)
    def login():
        response = make_response()
        result = authomatic.login(WerkzeugAdapter(request, response), PROVIDER_NAME)
        if result is None:
            return response
        body, status = _result_response(result)
        response.set_data(body)
        response.status_code = status
        return response

    return app


def make_core_wsgi(provider_url):
    from authomatic_extras.testing.apps import make_login_app
    return make_login_app(config_for(provider_url), SECRET)


def make_authlib(provider_url):
    from authlib.integrations.flask_client import OAuth
    from flask import request, url_for

    base = provider_url.rstrip('/')
    app = _flask_app('authlib')
    oauth = OAuth(app)
    oauth.register(
        PROVIDER_NAME, client_id='local-client', client_secret='local-secret',
        authorize_url=base + '/authorize', access_token_url=base + '/token',
        userinfo_endpoint=base + '/userinfo',
        client_kwargs={'scope': ' '.join(SCOPE), 'code_challenge_method': 'S256'})
    client = oauth.create_client(PROVIDER_NAME)

    @app.route(LOGIN_PATH)
    def login():
        if 'code' in request.args or 'error' in request.args:
            try:
                token = client.authorize_access_token()
                info = client.userinfo(token=token)
            except Exception as error:  # reported like the others' result.error
                return 'ERROR {0}: {1}'.format(type(error).__name__, error), 500
            return done_body(info.get('sub'), info.get('name'), info.get('email')), 200
        return client.authorize_redirect(url_for('login', _external=True))

    return app


def _challenge(verifier):
    digest = hashlib.sha256(verifier.encode('ascii')).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')


def make_floor(provider_url):
    """The least a correct login can do: no library at all."""
    from flask import redirect, request, session

    base = provider_url.rstrip('/')
    parts = urlsplit(base)
    basic = 'Basic ' + base64.b64encode(b'local-client:local-secret').decode('ascii')
    app = _flask_app('floor')

    def back_channel(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    @app.route(LOGIN_PATH)
    def login():
        if 'code' in request.args or 'error' in request.args:
            stored = session.pop('floor', None)
            if not stored or request.args.get('state') != stored['s']:
                return 'ERROR state mismatch', 500
            if 'error' in request.args:
                return 'ERROR ' + request.args['error'], 500
            status, data = back_channel('POST', '/token', urlencode({
                'grant_type': 'authorization_code', 'code': request.args['code'],
                'redirect_uri': request.base_url, 'code_verifier': stored['v']}), {
                'Authorization': basic,
                'Content-Type': 'application/x-www-form-urlencoded'})
            if status != 200:
                return 'ERROR token {0}'.format(status), 500
            token = json.loads(data)['access_token']
            status, data = back_channel('GET', '/userinfo', headers={
                'Authorization': 'Bearer ' + token})
            if status != 200:
                return 'ERROR userinfo {0}'.format(status), 500
            info = json.loads(data)
            return done_body(info.get('sub'), info.get('name'), info.get('email')), 200
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        session['floor'] = {'s': state, 'v': verifier}
        return redirect(base + '/authorize?' + urlencode({
            'response_type': 'code', 'client_id': 'local-client',
            'redirect_uri': request.base_url, 'scope': ' '.join(SCOPE), 'state': state,
            'code_challenge': _challenge(verifier), 'code_challenge_method': 'S256'}))

    return app


BUILDERS = {
    'ours': make_ours,
    'upstream': make_upstream,
    'authlib': make_authlib,
    'core': make_core,
    'core-wsgi': make_core_wsgi,
    'floor': make_floor,
}


def make_app(name, provider_url):
    return BUILDERS[name](provider_url)


def user_of(body, expected_sub):
    """True when a final body names ``expected_sub`` (core-wsgi answers JSON)."""
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else body
    if text.startswith('OK '):
        return text.split(' ', 2)[1] == expected_sub
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return bool(data.get('user')) and data['user'].get('id') == expected_sub \
        and not data.get('error')
