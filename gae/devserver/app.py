# -*- coding: utf-8 -*-
"""Routing: the WSGI app (:class:`DevServer`) that serves an app.yaml.

The App Engine SDK reads the request context (user, host, NDB context) from
``os.environ``, which is per process; requests are therefore served one at a
time, each with a fresh ``os.environ`` as the gen-1 runtime gives them.

Before routing, a request is checked: its ``Host`` must name this server
(``localhost``, ``127.0.0.1``, ``[::1]``, the bound address, or one added
with ``--allow-host``: a DNS-rebinding page gets 400), its path must hold no
NUL or other control character (400), and ``X-AppEngine-*`` headers are
dropped, as App Engine drops them (only the dev server's own task and warmup
requests carry them). A HEAD request gets the GET's headers and no body.
"""
from __future__ import absolute_import

import io
import logging
import os
import re
import sys
import threading
import uuid

from authomatic_extras.gae.devserver import signin
from authomatic_extras.gae.devserver.responses import text
from authomatic_extras.gae.devserver.static import serve_static
from authomatic_extras.gae.devserver.stubs import DEFAULT_APPLICATION, \
    LOGIN_PATH, open_storage

__all__ = ['DevServer', 'LOCAL_HOSTS', 'ADMIN_CONFIG_PATH']

logger = logging.getLogger('authomatic_extras.gae.devserver')

#: Host names always accepted in the ``Host`` header.
LOCAL_HOSTS = ('localhost', '127.0.0.1', '::1')
#: The local page that edits the ``NDBConfig`` provider entries.
ADMIN_CONFIG_PATH = '/_ah/admin/config'
#: Set in the WSGI environ of the dev server's own requests (tasks, warmup).
INTERNAL_KEY = 'authomatic_extras.devserver.internal'

SERVER_SOFTWARE = 'Development/authomatic-extras'

_CONTROL = re.compile(u'[\x00-\x1f\x7f]')


def host_name(host):
    """The name part of a ``Host`` header (``[::1]:8080`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith('['):
        return host[1:].split(']', 1)[0]
    return host.rsplit(':', 1)[0] if host.count(':') == 1 else host


def _is_utf8(path):
    """Whether a PEP 3333 path (bytes as latin-1 text) decodes as UTF-8."""
    if isinstance(path, bytes):  # Python 2
        raw = path
    else:
        try:
            raw = path.encode('latin-1')
        except UnicodeEncodeError:
            return False
    try:
        raw.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


class DevServer(object):
    """The WSGI app that serves an :class:`AppYaml` on the stubs.

    :param consistency: the datastore policy (``time``, ``random``,
        ``consistent``; dev_appserver's default is ``time``).
    :param allowed_hosts: more host names accepted in ``Host``.
    :param bound_host: the address the server listens on.
    """

    def __init__(self, app_yaml, storage_path, application=None,
                 consistency='time', allowed_hosts=(),
                 bound_host='127.0.0.1'):
        self.config = app_yaml
        self.storage = open_storage(
            storage_path,
            application or app_yaml.application or DEFAULT_APPLICATION,
            consistency=consistency, app_root=app_yaml.root,
            dispatch=self.dispatch)
        self.allowed_hosts = set(LOCAL_HOSTS) | set(
            h.lower() for h in allowed_hosts) | set([bound_host.lower()])
        self.bound_host = bound_host
        self.port = 80
        self._lock = threading.Lock()
        self._holder = None  # the thread serving a request
        self._base_environ = None

    def start_stubs(self):
        """Starts the service stubs and sets the app's ``env_variables``
        (call before importing the app, as the runtime does)."""
        self.storage.__enter__()
        os.environ.update(self.config.env_variables)
        os.environ.setdefault('CURRENT_VERSION_ID', 'local.1')
        os.environ['SERVER_SOFTWARE'] = SERVER_SOFTWARE
        os.environ.pop('__CONTEXT__', None)
        self._base_environ = dict(os.environ)
        self._release_during_urlfetch()

    def stop_stubs(self):
        """Stops the task runner and the stubs; saves the datastore."""
        self.storage.__exit__(None, None, None)

    # -- WSGI ----------------------------------------------------------------

    def __call__(self, environ, start_response):
        status, headers, body = self.answer(environ)
        if environ.get('REQUEST_METHOD') == 'HEAD':
            # The GET's headers (its length too), no body.
            if not any(name.lower() == 'content-length' for name, _ in headers):
                headers = headers + [('Content-Length', str(len(body)))]
            start_response(status, headers)
            return []
        start_response(status, headers)
        return [body]

    def answer(self, environ):
        """``(status, headers, body)`` for a WSGI environ."""
        refused = self._refuse(environ)
        if refused is not None:
            return refused
        if not environ.get(INTERNAL_KEY):
            for key in [k for k in environ if
                        k.startswith('HTTP_X_APPENGINE_')]:
                del environ[key]
        # As App Engine and dev_appserver give it (the SDK reads it).
        environ['SERVER_SOFTWARE'] = SERVER_SOFTWARE
        # One request at a time (os.environ is per process).
        with self._lock:
            self._holder = threading.current_thread()
            os.environ.clear()
            os.environ.update(self._base_environ)
            try:
                self._request_environ(environ)
                return self._serve(environ)
            except Exception:  # the app's bug: logged, not shown
                logger.exception('Error serving %s %s',
                                 environ.get('REQUEST_METHOD'),
                                 environ.get('PATH_INFO'))
                return text('500 Internal Server Error', 'Internal error: '
                            'the traceback is in the dev server\'s log.\n')
            finally:
                self._holder = None
                os.environ.clear()
                os.environ.update(self._base_environ)

    def _release_during_urlfetch(self):
        """An app may fetch its own URLs (or a URL that calls back): the
        request lets others run while its fetch waits, then gets its
        ``os.environ`` back."""
        from google.appengine.api import apiproxy_stub_map

        stub = apiproxy_stub_map.apiproxy.GetStub('urlfetch')
        apiproxy_stub_map.apiproxy.ReplaceStub(
            'urlfetch', _UnlockedFetch(stub, self._unlocked))

    def _unlocked(self, call):
        """``call()`` with the request lock released, if this thread holds
        it; ``os.environ`` is this request's again afterwards."""
        if self._holder is not threading.current_thread():
            return call()
        saved = dict(os.environ)
        self._holder = None
        self._lock.release()
        try:
            return call()
        finally:
            self._lock.acquire()
            self._holder = threading.current_thread()
            os.environ.clear()
            os.environ.update(saved)

    def _refuse(self, environ):
        host = environ.get('HTTP_HOST')
        if host is not None and host_name(host) not in self.allowed_hosts:
            return text('400 Bad Request', 'Host %r is not this dev server: '
                        'open it as http://localhost:%s/ (or start it with '
                        '--allow-host NAME).\n' % (host[:100], self.port))
        if host is None and environ.get('SERVER_PROTOCOL') == 'HTTP/1.1' \
                and not environ.get(INTERNAL_KEY):
            return text('400 Bad Request', 'HTTP/1.1 needs a Host header.\n')
        path = environ.get('PATH_INFO', '')
        if _CONTROL.search(path):
            return text('400 Bad Request', 'Control characters (NUL, CR, '
                        'LF...) are not allowed in a path.\n')
        if not _is_utf8(path):
            return text('400 Bad Request', 'The path is not UTF-8 once '
                        'percent-decoded.\n')
        return None

    def dispatch(self, method, url, headers, body):
        """Runs a request of the dev server's own (a task, the warmup) and
        returns ``(status, headers, body)``; it is signed in as admin."""
        path, _, query = url.partition('?')
        host = '%s:%s' % (self.bound_host, self.port)
        environ = {
            'REQUEST_METHOD': method, 'PATH_INFO': path,
            'QUERY_STRING': query, 'SERVER_NAME': self.bound_host,
            'SERVER_PORT': str(self.port), 'SERVER_PROTOCOL': 'HTTP/1.1',
            'HTTP_HOST': host, 'REMOTE_ADDR': '0.1.0.2',
            'wsgi.url_scheme': 'http', 'wsgi.version': (1, 0),
            'wsgi.input': io.BytesIO(body or b''), 'wsgi.errors': sys.stderr,
            'wsgi.multithread': True, 'wsgi.multiprocess': False,
            'wsgi.run_once': False, 'CONTENT_LENGTH': str(len(body or b'')),
            INTERNAL_KEY: True,
        }
        for name, value in headers:
            key = name.upper().replace('-', '_')
            if key in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                environ[key] = value
            elif key != 'HOST':
                environ['HTTP_' + key] = value
        status, response_headers, content = self.answer(environ)
        logger.info('%s %s (internal): %s', method, url, status)
        return status, response_headers, content

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
        internal = environ.get(INTERNAL_KEY)
        if user:
            os.environ['USER_EMAIL'] = user[0]
            os.environ['USER_ID'] = user[2]
            os.environ['USER_IS_ADMIN'] = '1' if user[1] or internal else '0'
        else:
            os.environ['USER_EMAIL'] = ''
            os.environ['USER_ID'] = ''
            os.environ['USER_IS_ADMIN'] = '1' if internal else '0'
        for key, value in environ.items():
            if key.startswith('HTTP_X_APPENGINE_'):
                os.environ[key] = value

    def _serve(self, environ):
        path = environ.get('PATH_INFO', '/') or '/'
        if path in (LOGIN_PATH, signin.LOGOUT_PATH):
            return signin.login_page(environ)
        if path == ADMIN_CONFIG_PATH:
            from authomatic_extras.gae.devserver import config_admin
            return config_admin.config_page(environ)
        for handler in self.config.handlers:
            match = handler.pattern.match(path)
            if match is None:
                continue
            refused = self._check_login(handler, environ)
            if refused:
                return refused
            if handler.unavailable:
                return text('501 Not Implemented', handler.unavailable + '\n')
            if handler.app is not None:
                return self._run_app(handler, environ)
            return serve_static(self.config.root, handler, match, path,
                                environ, self.config.default_expiration)
        return text('404 Not Found', 'Not found: no app.yaml handler '
                    'matches %s\n' % path)

    def _check_login(self, handler, environ):
        if environ.get(INTERNAL_KEY):
            return None  # tasks and warmup run as admin, as on App Engine
        return signin.check_login(handler, environ)

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
        if 'status' not in captured:
            raise RuntimeError('%s returned without calling start_response'
                               % handler.script)
        headers = captured['headers'] + list(handler.http_headers.items())
        return captured['status'], headers, b''.join(
            chunk if isinstance(chunk, bytes) else chunk.encode('utf-8')
            for chunk in chunks)

    def warm_up(self):
        """``inbound_services: warmup``: GET ``/_ah/warmup`` as App Engine
        sends it when an instance starts; returns its status (or None)."""
        if 'warmup' not in self.config.inbound_services:
            return None
        status = self.dispatch('GET', '/_ah/warmup',
                               [('X-AppEngine-Warmup', '1')], b'')[0]
        return status

    def seed(self, entries):
        """Stores ``--seed`` entries (:mod:`.seed`) in the running stubs."""
        from authomatic_extras.gae.devserver.seed import put_entries

        with self._lock:
            return put_entries(entries)


class _UnlockedFetch(object):
    """The urlfetch stub, run in the calling request's thread (not the SDK's
    thread pool) with the request lock released while it fetches."""

    THREADSAFE = False  # the SDK then runs the call in the waiting thread

    def __init__(self, stub, unlocked):
        self._stub = stub
        self._unlocked = unlocked

    def CreateRPC(self):
        from google.appengine.api import apiproxy_rpc
        return apiproxy_rpc.RPC(stub=self)

    def MakeSyncCall(self, service, call, request, response, request_id=None):
        return self._unlocked(lambda: self._stub.MakeSyncCall(
            service, call, request, response))

    def __getattr__(self, name):
        return getattr(self._stub, name)
