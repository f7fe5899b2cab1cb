"""The views of the local OAuth 1.0a server: a Flask app around Authlib's
OAuth 1.0a authorization server.

:func:`create_app` builds it for a :class:`~.oauth1_server.LocalOAuth1Server`,
whose stores, users and faults the views use (the server owns the app; this
module does not import the server). The stored objects are in
:mod:`.oauth1_models`.
"""
from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth1 import AuthorizationServer
from authlib.oauth1 import ResourceProtector as _ResourceProtector
from authlib.oauth1.rfc5849.errors import OAuth1Error
from flask import Flask, jsonify, request

from ._base import CONSENT_HEADERS, render_consent_page
from .oauth1_models import Credential


class _Server(AuthorizationServer):
    local = None

    @property
    def TEMPORARY_CREDENTIALS_METHOD(self):
        # The authomatic core asks for temporary credentials with GET
        # (Authlib wants POST by default); accept both, per request.
        method = request.method.upper()
        return method if method in ('GET', 'POST') else 'GET'

    def create_oauth1_request(self, req):
        if req is None:
            req = request
        # The core signs a POST's parameters whether they come in the query
        # or the body; Authlib reads both.
        body = req.form.to_dict(flat=True) if req.method in ('POST', 'PUT') else None
        from authlib.oauth1 import OAuth1Request
        return OAuth1Request(req.method, req.url, body, req.headers)

    def exists_nonce(self, nonce, req):
        return self.local._use_nonce((nonce, req.timestamp, req.client_id, req.token))

    def create_temporary_credential(self, req):
        return self.local._save_temporary(Credential(
            self.token_generator(), req.client_id, req.redirect_uri))

    def get_temporary_credential(self, req):
        return self.local._get_temporary(req.token)

    def delete_temporary_credential(self, req):
        self.local._delete_temporary(req.token)

    def create_authorization_verifier(self, req):
        from authlib.common.security import generate_token
        verifier = generate_token(36)
        req.credential.user = req.user
        req.credential.verifier = verifier
        return verifier

    def create_token_credential(self, req):
        temporary = req.credential
        credential = Credential(self.token_generator(), temporary.client_id)
        credential.user = temporary.user
        return self.local._save_token(credential)


class _Protector(_ResourceProtector):
    local = None

    def get_client_by_id(self, client_id):
        return self.local.get_client(client_id)

    def get_token_credential(self, req):
        credential = self.local._get_token(req.token)
        if credential is not None and credential.client_id == req.client_id:
            return credential
        return None

    def exists_nonce(self, nonce, req):
        return self.local._use_nonce((nonce, req.timestamp, req.client_id, req.token))


def create_app(local):
    """Build the Flask app serving ``local`` (a LocalOAuth1Server)."""
    # Per instance: Authlib keeps settings on the server object.
    server_cls = type('LocalOAuth1AuthorizationServer', (_Server,), {'local': local})
    app = Flask('authomatic_extras.testing.oauth1')
    server = server_cls(app, query_client=local.get_client)
    protector = _Protector()
    protector.local = local

    def error_page(title, message, status):
        return ('<!DOCTYPE html><title>{0}</title><h1>{0}</h1>'
                '<p id="error">{1}</p>').format(title, message), status

    @app.route('/oauth/request_token', methods=['GET', 'POST'])
    def request_token():
        faulty = local._check_fault('request_token')
        if faulty is not None:
            return faulty
        return server.create_temporary_credentials_response()

    @app.route('/oauth/authorize', methods=['GET', 'POST'])
    def authorize():
        faulty = local._check_fault('authorize')
        if faulty is not None:
            return faulty
        try:
            req = server.check_authorization_request()
        except OAuth1Error as error:
            return error_page('Invalid request', error.description or error.error, 400)
        credential = req.credential
        if request.method == 'GET':
            return render_consent_page(
                title='Sign in with the local OAuth 1.0a provider',
                client=credential.client_id, users=local.users.all(),
                server='LocalOAuth1Server at ' + local.url), 200, CONSENT_HEADERS
        if request.form.get('decision') != 'allow':
            # Twitter-style denial: the only one the core recognises.
            local._delete_temporary(credential.oauth_token)
            location = add_params_to_uri(credential.redirect_uri,
                                         [('denied', credential.oauth_token)])
            return '', 302, {'Location': location}
        user = local.users.get(request.form.get('username', ''))
        if user is None:
            return error_page('Unknown user', 'Pick one of the test users.', 400)
        return server.create_authorization_response(grant_user=user)

    @app.route('/oauth/access_token', methods=['GET', 'POST'])
    def access_token():
        faulty = local._check_fault('token')
        if faulty is not None:
            return faulty
        return server.create_token_response()

    @app.route('/userinfo', methods=['GET', 'POST'])
    def userinfo():
        faulty = local._check_fault('userinfo')
        if faulty is not None:
            return faulty
        body = request.form.to_dict(flat=True) if request.method == 'POST' else None
        try:
            req = protector.validate_request(request.method, request.url, body,
                                             request.headers)
        except OAuth1Error as error:
            return jsonify(error=error.error, error_description=error.description), 401
        return jsonify(req.credential.user.claims())

    @app.route('/')
    def index():
        return ('<!DOCTYPE html><title>LocalOAuth1Server</title>'
                '<h1>LocalOAuth1Server</h1>')

    return app
