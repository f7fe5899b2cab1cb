"""A minimal WSGI app that logs in with the authomatic core, for tests.

:func:`make_login_app` builds a plain Werkzeug app (no framework extension)
whose ``/login/<provider name>`` runs
``Authomatic(config, secret).login(WerkzeugAdapter(request, response), name)``
and answers a finished login with JSON::

    {"user": {"id": ..., "name": ..., "email": ..., "username": ...} or null,
     "credentials": "<serialized credentials>" or null,
     "error": "<message>" or null,
     "error_type": "CancellationError" / "FailureError" / ... or null}

It is what this package's own tests and benchmarks log in to, and a
reference for what a framework integration has to do.
"""
import json

__all__ = ['make_login_app', 'make_flask_login_app', 'describe_result', 'TEST_SECRET',
           'TEST_FLASK_SECRET']

#: The authomatic ``secret`` the test apps use unless told otherwise.
TEST_SECRET = 'authomatic-extras-test-secret'
#: The Flask ``secret_key`` of :func:`make_flask_login_app`.
TEST_FLASK_SECRET = 'authomatic-extras-flask-session-key'


def make_login_app(config, secret=TEST_SECRET, **settings):
    """Return the WSGI app; ``app.authomatic`` is its ``Authomatic``.

    :param dict config: the core's config.
    :param str secret: the core's secret.
    :param settings: more keyword arguments for ``Authomatic``
        (``report_errors`` defaults to ``True``).
    """
    from authomatic import Authomatic
    from authomatic.adapters import WerkzeugAdapter
    from werkzeug.wrappers import Request, Response

    settings.setdefault('report_errors', True)
    authomatic = Authomatic(config, secret, **settings)

    @Request.application
    def app(request):
        response = Response()
        parts = request.path.strip('/').split('/')
        if len(parts) != 2 or parts[0] != 'login' or parts[1] not in config:
            return Response('not found', status=404)
        result = authomatic.login(WerkzeugAdapter(request, response), parts[1])
        if result:
            response.data = json.dumps(describe_result(result))
            response.content_type = 'application/json'
        return response

    app.authomatic = authomatic
    return app


def describe_result(result, credentials=True):
    """The JSON-able description of a ``LoginResult`` used by the apps.

    :param bool credentials: include ``user.credentials.serialize()`` (the
        access token): handy to test refreshing, but a secret on a page.
    """
    body = {'error': None, 'error_type': None, 'user': None, 'credentials': None}
    if result.error:
        body['error'] = str(getattr(result.error, 'message', result.error))
        body['error_type'] = type(result.error).__name__
    if result.user:
        user = result.user
        body['user'] = {'id': user.id, 'name': user.name, 'email': user.email,
                        'username': user.username}
        if credentials and user.credentials:
            body['credentials'] = user.credentials.serialize()
    return body


def make_flask_login_app(config, secret=TEST_SECRET, flask_secret=TEST_FLASK_SECRET,
                         view_hook=None, **extension_kwargs):
    """The same JSON login app on Flask with
    :class:`~authomatic_extras.flask.FlaskAuthomatic` (``app.authomatic``).

    ``/login/<provider_name>`` (GET and POST) answers a finished login with
    the JSON of :func:`describe_result` (without credentials), status 200 with a user and 401
    without; ``/ping`` answers ``pong`` (to check the app keeps serving).

    :param view_hook: called with the result inside the view before it
        answers (tests hold requests in flight with it).
    :param extension_kwargs: more keyword arguments for ``FlaskAuthomatic``.
    """
    from flask import Flask, jsonify

    from authomatic_extras.flask import FlaskAuthomatic

    app = Flask(__name__)
    app.secret_key = flask_secret
    extension = FlaskAuthomatic(config, secret, **extension_kwargs)

    @app.route('/login/<provider_name>', methods=['GET', 'POST'])
    @extension.login()
    def login(provider_name):
        result = extension.result
        if result is None:
            return extension.response
        if view_hook is not None:
            view_hook(result)
        # Read again after the hook; no token on the page.
        body = describe_result(extension.result, credentials=False)
        return jsonify(body), (200 if body['user'] else 401)

    @app.route('/ping')
    def ping():
        return 'pong'

    app.authomatic = extension
    return app
