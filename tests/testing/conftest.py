"""Helpers for the tests of authomatic_extras.testing.

The app under test is a plain Werkzeug app that calls the authomatic core
directly (``Authomatic(config, secret).login(WerkzeugAdapter(...), name)``):
it answers a finished login with JSON describing ``result``.
"""
import json

import pytest
from authomatic import Authomatic
from authomatic.adapters import WerkzeugAdapter
from werkzeug.wrappers import Request, Response

SECRET = 'test-secret-not-for-production'


def make_login_app(config, secret=SECRET):
    """WSGI app: ``/login/<provider name>`` runs the core's login; a finished
    login answers 200 with JSON ``{"user": {...}, "error": ..., ...}``."""
    authomatic = Authomatic(config, secret, report_errors=True)

    @Request.application
    def app(request):
        response = Response()
        parts = request.path.strip('/').split('/')
        if len(parts) != 2 or parts[0] != 'login' or parts[1] not in config:
            return Response('not found', status=404)
        result = authomatic.login(WerkzeugAdapter(request, response), parts[1])
        if result:
            body = {'error': None, 'error_type': None, 'user': None,
                    'credentials': None}
            if result.error:
                body['error'] = str(result.error.message)
                body['error_type'] = type(result.error).__name__
            if result.user:
                user = result.user
                body['user'] = {'id': user.id, 'name': user.name,
                                'email': user.email, 'username': user.username}
                if user.credentials:
                    body['credentials'] = user.credentials.serialize()
            response.data = json.dumps(body)
            response.content_type = 'application/json'
        return response

    app.authomatic = authomatic
    return app


@pytest.fixture
def login_app_factory():
    return make_login_app
