"""The views of the local OAuth 2.0 server: a Flask app around Authlib's
authorization server.

:func:`create_app` builds it for a :class:`~.oauth2_server.LocalOAuth2Server`,
whose stores, users, faults and settings the views use (the server owns the
app; this module does not import the server). The stored objects are in
:mod:`.oauth2_models`, the OpenID Connect keys and claims in
:mod:`.oidc_issuer`.
"""
import hashlib
import logging
import time

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.integrations.flask_oauth2 import current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request

from ._base import CONSENT_HEADERS, render_consent_page
from .oauth2_models import AuthorizationCode

_log = logging.getLogger('authomatic_extras.testing')

_AUTH_METHODS = ['client_secret_basic', 'client_secret_post']


class _CodeChallenge(CodeChallenge):
    """PKCE that can be made mandatory for confidential clients too."""

    def __init__(self, local):
        super(_CodeChallenge, self).__init__(required=True)
        self.local = local

    def validate_code_challenge(self, grant, redirect_uri):
        payload = grant.request.payload.data
        if self.local.require_pkce and not payload.get('code_challenge'):
            raise InvalidRequestError(
                "This server requires PKCE: missing 'code_challenge'.",
                redirect_uri=redirect_uri, state=grant.request.payload.state)
        return super(_CodeChallenge, self).validate_code_challenge(grant, redirect_uri)


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

    def save_authorization_code(self, code, request):
        payload = request.payload.data
        self.server.local._save_code(AuthorizationCode(
            code, request.client.client_id, request.payload.redirect_uri,
            request.payload.scope or '', request.user,
            payload.get('code_challenge'), payload.get('code_challenge_method'),
            payload.get('nonce')))

    def query_authorization_code(self, code, client):
        found = self.server.local._pop_code(code, client)
        if found is not None and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code):
        if not self.server.local.reuse_codes:
            self.server.local._delete_code(authorization_code)

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class _RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        return self.server.local._find_refresh(refresh_token)

    def authenticate_user(self, refresh_token):
        return refresh_token.user

    def revoke_old_credential(self, refresh_token):
        refresh_token.revoked = True


def _openid_code(local):
    """Authlib's OpenID Connect extension of the code grant, issuing our
    id_tokens (signed with the server's rotating key, or spoiled on purpose)."""
    from authlib.oidc.core.grants import OpenIDCode
    from authlib.oidc.core.grants.util import create_half_hash, is_openid_scope

    from .oidc_issuer import sign_id_token, user_claims

    class _OpenIDCode(OpenIDCode):
        def exists_nonce(self, nonce, request):
            return local._nonce_seen(nonce, request.payload.client_id)

        def generate_user_info(self, user, scope):
            return user_claims(user, scope, local.url)

        def process_token(self, grant, response):
            _, token, _ = response
            scope = token.get('scope')
            if not scope or not is_openid_scope(scope):
                return token
            fault = local._take_id_token_fault()
            if fault == 'no_id_token':
                return token
            request = grant.request
            client_id = request.client.get_client_id()
            now = int(time.time())
            iss, tid = local.token_issuer(_realm())
            claims = {'iss': iss, 'aud': [client_id], 'iat': now,
                      'exp': now + local.id_token_lifetime}
            if tid:
                claims['tid'] = tid
            code = request.authorization_code
            if code is not None:
                claims['auth_time'] = code.get_auth_time()
                if code.get_nonce():
                    claims['nonce'] = code.get_nonce()
            at_hash = create_half_hash(token['access_token'], 'RS256')
            claims['at_hash'] = at_hash.decode('ascii')
            claims.update(self.generate_user_info(request.user, scope))
            token['id_token'] = sign_id_token(local.signing_keys, claims, client_id, fault)
            return token

    return _OpenIDCode(require_nonce=False)


#: WSGI environ key of the issuer path (``tenant/v2.0`` in ``/tenant/v2.0/token``).
REALM_KEY = 'authomatic_extras.realm'

_REALM_ENDPOINTS = ('/.well-known/openid-configuration', '/authorize', '/token', '/userinfo')


def _realm_middleware(wsgi_app):
    """Serve the OAuth 2.0 / OpenID Connect endpoints under any path too
    (``/<realm>/token``), as issuers with a path do (Microsoft's
    ``/<tenant>/v2.0``, LinkedIn's ``/oauth``); the realm goes into the
    environ, the rest of the path to the views."""
    def app(environ, start_response):
        path = environ.get('PATH_INFO', '')
        for endpoint in _REALM_ENDPOINTS:
            if path.endswith(endpoint) and len(path) > len(endpoint) + 1:
                environ[REALM_KEY] = path[1:-len(endpoint)]
                environ['PATH_INFO'] = endpoint
                break
        return wsgi_app(environ, start_response)
    return app


def _realm():
    return request.environ.get(REALM_KEY, '')


def _profile(user, style, base_url):
    """The user as the look-alike of a provider's own profile API."""
    picture = '{0}/pictures/{1}.png'.format(base_url, user.username)
    first, _, last = user.name.partition(' ')
    if style == 'github':
        number = int(hashlib.sha256(user.sub.encode('utf-8')).hexdigest()[:7], 16)
        return {'id': number, 'login': user.username,
                'name': user.name, 'email': user.email, 'avatar_url': picture,
                'html_url': '{0}/{1}'.format(base_url, user.username)}
    if style == 'x':
        return {'data': {'id': user.sub, 'name': user.name, 'username': user.username,
                         'profile_image_url': picture}}
    if style == 'facebook':
        return {'id': user.sub, 'name': user.name, 'first_name': first,
                'last_name': last, 'email': user.email,
                'picture': {'data': {'url': picture, 'is_silhouette': False}}}
    return None


class _LocalAuthorizationServer(AuthorizationServer):
    local = None


def create_app(local):
    """Build the Flask app serving ``local`` (a LocalOAuth2Server)."""
    app = Flask('authomatic_extras.testing.oauth2')
    app.config['OAUTH2_REFRESH_TOKEN_GENERATOR'] = True

    server = _LocalAuthorizationServer(
        app, query_client=local.get_client, save_token=local._save_token)
    server.local = local

    def expires_in(client, grant_type):
        return local.expires_in

    def refresh_generator(*args, **kwargs):
        return generate_token(48) if local.issue_refresh_tokens else None

    server.register_token_generator('default', BearerTokenGenerator(
        lambda *a, **kw: generate_token(42), refresh_generator, expires_in))
    extensions = [_CodeChallenge(local)]
    if local.oidc:
        extensions.append(_openid_code(local))
    server.register_grant(_AuthorizationCodeGrant, extensions)
    server.register_grant(_RefreshTokenGrant)

    class _Validator(BearerTokenValidator):
        def authenticate_token(self, token_string):
            return local._find_token(token_string)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(_Validator())

    @app.route('/authorize', methods=['GET', 'POST'])
    def authorize():
        faulty = local._check_fault('authorize')
        if faulty is not None:
            return faulty
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(None, error)
            body = ('<!DOCTYPE html><title>Invalid request</title>'
                    '<h1>Invalid authorization request</h1><p id="error">{0}: {1}</p>')
            return body.format(error.error, error.get_error_description()), 400
        if request.method == 'GET':
            return render_consent_page(
                title='Sign in with the local OAuth 2.0 provider',
                client=grant.client.client_id, users=local.users.all(),
                server='LocalOAuth2Server at ' + local.url,
                purpose=('use: ' + grant.request.payload.scope)
                if grant.request.payload.scope else ''), 200, CONSENT_HEADERS
        user = None
        if request.form.get('decision') == 'allow':
            user = local.users.get(request.form.get('username', ''))
            if user is None:
                return ('<!DOCTYPE html><title>Unknown user</title>'
                        '<h1>Unknown user</h1>'), 400
        return server.create_authorization_response(grant=grant, grant_user=user)

    @app.route('/token', methods=['POST'])
    def token():
        faulty = local._check_fault('token')
        if faulty is not None:
            return faulty
        return server.create_token_response()

    @require_oauth()
    def protected_userinfo():
        if local.oidc:
            from .oidc_issuer import user_claims
            return jsonify(user_claims(current_token.user, current_token.scope, local.url))
        return jsonify(current_token.user.claims())

    @require_oauth()
    def protected_profile(style):
        found = _profile(current_token.user, style, local.url)
        if found is None:
            return jsonify({'error': 'not_found'}), 404
        return jsonify(found)

    @require_oauth()
    def protected_emails():
        user = current_token.user
        return jsonify([{'email': user.email, 'primary': True, 'verified': True}])

    @app.route('/profiles/github/emails')
    def github_emails():
        """Look-alike of GitHub's ``/user/emails``."""
        return protected_emails()

    @app.route('/profiles/<style>')
    def profile(style):
        """Look-alikes of GitHub's, X's and Facebook's profile APIs."""
        faulty = local._check_fault('userinfo')
        if faulty is not None:
            return faulty
        return protected_profile(style)

    @app.route('/userinfo')
    def userinfo():
        faulty = local._check_fault('userinfo')
        if faulty is not None:
            return faulty
        return protected_userinfo()

    @app.route('/.well-known/openid-configuration')
    def metadata():
        faulty = local._check_fault('discovery')
        if faulty is not None:
            return faulty
        local._count('discovery')
        realm = _realm()
        base = local.url + ('/' + realm if realm else '')
        document = {
            'issuer': local.discovery_issuer(realm),
            'authorization_endpoint': base + '/authorize',
            'token_endpoint': base + '/token',
            'userinfo_endpoint': base + '/userinfo',
            'response_types_supported': ['code'],
            'grant_types_supported': ['authorization_code', 'refresh_token'],
            'code_challenge_methods_supported': ['S256', 'plain'],
            'token_endpoint_auth_methods_supported': _AUTH_METHODS,
            'scopes_supported': ['openid', 'profile', 'email'],
            'claims_supported': ['sub', 'name', 'email', 'preferred_username'],
        }
        if local.oidc:
            document.update({
                'jwks_uri': local.jwks_uri,
                'subject_types_supported': ['public'],
                'id_token_signing_alg_values_supported': ['RS256'],
                'claims_supported': ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce',
                                     'name', 'given_name', 'family_name',
                                     'preferred_username', 'picture', 'locale', 'email',
                                     'email_verified'],
            })
        return jsonify(document)

    @app.route('/jwks')
    def jwks():
        faulty = local._check_fault('jwks')
        if faulty is not None:
            return faulty
        local._count('jwks')
        return jsonify(local.signing_keys.jwks())

    app.wsgi_app = _realm_middleware(app.wsgi_app)

    @app.route('/')
    def index():
        return ('<!DOCTYPE html><title>LocalOAuth2Server</title>'
                '<h1>LocalOAuth2Server</h1><p>Users: {0}</p>').format(
                    ', '.join(u.username for u in local.users.all()))

    return app
