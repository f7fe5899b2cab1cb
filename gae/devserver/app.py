# -*- coding: utf-8 -*-
"""Routing: the WSGI app (:class:`DevServer`) that serves an app.yaml.

The App Engine SDK reads the request context (user, host, NDB context) from
``os.environ``, which is per process; requests are therefore served one at a
time, each with a fresh ``os.environ`` as the gen-1 runtime gives them.
"""
from __future__ import absolute_import

import os
import threading
import uuid

from authomatic_extras.gae.devserver import signin
from authomatic_extras.gae.devserver.responses import text
from authomatic_extras.gae.devserver.static import serve_static
from authomatic_extras.gae.devserver.stubs import DEFAULT_APPLICATION, \
    LOGIN_PATH, open_storage

__all__ = ['DevServer']


class DevServer(object):
    """The WSGI app that serves an :class:`AppYaml` on the stubs."""

    def __init__(self, app_yaml, storage_path, application=None):
        self.config = app_yaml
        self.storage = open_storage(
            storage_path,
            application or app_yaml.application or DEFAULT_APPLICATION)
        self._lock = threading.Lock()
        self._base_environ = None

    def start_stubs(self):
        self.storage.__enter__()
        os.environ.update(self.config.env_variables)
        os.environ.setdefault('CURRENT_VERSION_ID', 'local.1')
        os.environ['SERVER_SOFTWARE'] = 'Development/authomatic-extras'
        os.environ.pop('__CONTEXT__', None)
        self._base_environ = dict(os.environ)

    def stop_stubs(self):
        self.storage.__exit__(None, None, None)

    # WSGI entry point: one request at a time (os.environ is per process).
    def __call__(self, environ, start_response):
        with self._lock:
            os.environ.clear()
            os.environ.update(self._base_environ)
            try:
                self._request_environ(environ)
                status, headers, body = self._serve(environ)
            finally:
                os.environ.clear()
                os.environ.update(self._base_environ)
        start_response(status, headers)
        return [body]

    def _request_environ(self, environ):
        host = environ.get('HTTP_HOST') or '%s:%s' % (
            environ.get('SERVER_NAME'), environ.get('SERVER_PORT'))
        os.environ.update({
            'HTTP_HOST': host,
            'DEFAULT_VERSION_HOSTNAME': host,
            'SERVER_NAME': environ.get('SERVER_NAME', '127.0.0.1'),
            'SERVER_PORT': str(environ.get('SERVER_PORT', '80')),
            'REQUEST_METHOD': environ.get('REQUEST_METHOD', 'GET'),
            'PATH_INFO': environ.get('PATH_INFO', '/'),
            'QUERY_STRING': environ.get('QUERY_STRING', ''),
            'REQUEST_ID_HASH': uuid.uuid4().hex[:8].upper(),
            'REQUEST_LOG_ID': uuid.uuid4().hex,
            'AUTH_DOMAIN': 'gmail.com',
        })
        user = signin.user_from_cookie(environ)
        if user:
            os.environ['USER_EMAIL'] = user[0]
            os.environ['USER_ID'] = signin.user_id(user[0])
            os.environ['USER_IS_ADMIN'] = '1' if user[1] else '0'
        else:
            os.environ['USER_EMAIL'] = ''
            os.environ['USER_ID'] = ''
            os.environ['USER_IS_ADMIN'] = '0'

    def _serve(self, environ):
        path = environ.get('PATH_INFO', '/') or '/'
        if path == LOGIN_PATH:
            return signin.login_page(environ)
        for handler in self.config.handlers:
            match = handler.pattern.match(path)
            if match is None:
                continue
            refused = signin.check_login(handler, environ)
            if refused:
                return refused
            if handler.app is not None:
                return self._run_app(handler, environ)
            return serve_static(self.config.root, handler, match, path)
        return text('404 Not Found', 'Not found: no app.yaml handler '
                    'matches %s\n' % path)

    def _run_app(self, handler, environ):
        from google.appengine.ext import ndb

        ndb.get_context()  # a fresh context per request, as in gen-1
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = list(headers)
            return lambda data: captured.setdefault('written', []).append(
                data)

        result = handler.app(environ, start_response)
        try:
            chunks = captured.get('written', []) + list(result)
        finally:
            if hasattr(result, 'close'):
                result.close()
        headers = captured['headers'] + list(handler.http_headers.items())
        return captured['status'], headers, b''.join(chunks)
