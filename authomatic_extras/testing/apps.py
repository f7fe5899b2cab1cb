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

__all__ = ['make_login_app']


def make_login_app(config, secret='authomatic-extras-test-secret', **settings):
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


def describe_result(result):
    """The JSON-able description of a ``LoginResult`` used by the app."""
    body = {'error': None, 'error_type': None, 'user': None, 'credentials': None}
    if result.error:
        body['error'] = str(getattr(result.error, 'message', result.error))
        body['error_type'] = type(result.error).__name__
    if result.user:
        user = result.user
        body['user'] = {'id': user.id, 'name': user.name, 'email': user.email,
                        'username': user.username}
        if user.credentials:
            body['credentials'] = user.credentials.serialize()
    return body
