# -*- coding: utf-8 -*-
"""A local dev server for a gen-1 ``app.yaml``, on App Engine service stubs.

Usage::

    python -m authomatic_extras.gae.devserver [app.yaml] [--port 8080]
        [--storage-path DIR] [--application dev~my-app]

It reads ``app.yaml`` (runtime ``python27``), imports the WSGI apps named
in ``script:``, serves ``static_dir`` / ``static_files`` handlers, starts the
datastore, memcache and users stubs in this process (the datastore is kept on
disk in ``--storage-path``, so data survives a restart, like dev_appserver's
storage path) and serves over waitress on 127.0.0.1. ``login: required`` /
``admin`` handlers and ``users.create_login_url()`` use a local sign-in page
at ``/_ah/login`` (any e-mail, no password), as dev_appserver does.

An ``app.yaml`` it cannot serve is refused before serving, with a message
naming the line (:class:`AppYamlError`).

The App Engine SDK reads the request context (user, host, NDB context) from
``os.environ``, which is per process; requests are therefore served one at a
time, each with a fresh ``os.environ`` as the gen-1 runtime gives them.

Not for production. Kept Python 2.7 syntax (vermin-checked).
"""
from __future__ import absolute_import

import argparse
import hashlib
import importlib
import io
import mimetypes
import os
import re
import signal
import sys
import tempfile
import threading
import uuid

import six
from six.moves.urllib.parse import parse_qs, quote, urlparse
from xml.sax.saxutils import quoteattr

from authomatic_extras.gae.errors import GAEError

__all__ = ['AppYamlError', 'AppYaml', 'Handler', 'DevServer', 'main',
           'open_storage', 'DEFAULT_APPLICATION']

#: Application id used when neither ``--application`` nor app.yaml give one.
DEFAULT_APPLICATION = 'dev~gen1-local'
LOGIN_PATH = '/_ah/login'
LOGIN_COOKIE = 'dev_appserver_login'

_SUPPORTED_HANDLER_FIELDS = frozenset([
    'url', 'script', 'static_dir', 'static_files', 'upload', 'login',
    'secure', 'auth_fail_action', 'mime_type', 'http_headers', 'expiration',
    'application_readable', 'redirect_http_response_code',
    'require_matching_file', 'position'])


class AppYamlError(GAEError):
    """An app.yaml the dev server cannot serve; the message names the line."""


# -- app.yaml ----------------------------------------------------------------


class Handler(object):
    """One ``handlers:`` entry: what to serve for URLs matching ``url``."""

    def __init__(self, url_map, line):
        self.line = line
        self.url = url_map.url
        if url_map.static_dir:
            # A static_dir url is a prefix, as on App Engine.
            self.pattern = re.compile('^(?:%s)/(.*)$'
                                      % url_map.url.rstrip('/'))
        else:
            self.pattern = re.compile('^(?:%s)$' % url_map.url)
        self.script = url_map.script
        self.static_dir = url_map.static_dir
        self.static_files = url_map.static_files
        self.upload = url_map.upload
        self.login = url_map.login or 'optional'
        self.auth_fail_action = url_map.auth_fail_action or 'redirect'
        self.mime_type = url_map.mime_type
        self.http_headers = dict(url_map.http_headers or {})
        self.app = None


class AppYaml(object):
    """A parsed, checked app.yaml: ``handlers``, ``env_variables``, ..."""

    def __init__(self, path):
        from google.appengine.api import appinfo, validation, yaml_errors

        self.path = os.path.abspath(path)
        self.root = os.path.dirname(self.path)
        with io.open(self.path, encoding='utf-8') as stream:
            text = stream.read()
        self._lines = _line_index(text, self.path)
        self._precheck(text)
        try:
            info = appinfo.LoadSingleAppInfo(text)
        except (validation.Error, yaml_errors.Error, ValueError) as error:
            raise _sdk_error(self.path, error)
        self.info = info
        self.application = info.application
        self.env_variables = dict(info.env_variables or {})
        if info.runtime != 'python27':
            raise self.error(('runtime',), 'runtime %r: this dev server '
                             'serves only the gen-1 python27 runtime'
                             % (info.runtime,))
        if info.builtins or info.includes:
            key = 'builtins' if info.builtins else 'includes'
            raise self.error((key,), '%s: not supported by this dev server'
                             % key)
        self.handlers = []
        for index, url_map in enumerate(info.handlers or []):
            self.handlers.append(self._check_handler(index, url_map))
        if not self.handlers:
            raise AppYamlError('%s: no handlers to serve' % self.path)

    def _precheck(self, text):
        """Refusals found before the SDK's validation, with exact lines."""
        import yaml

        raw = yaml.safe_load(text)
        if not isinstance(raw, dict):
            raise AppYamlError('%s: not an app.yaml mapping' % self.path)
        runtime = raw.get('runtime')
        if runtime != 'python27':
            raise self.error(('runtime',), 'runtime %r: this dev server '
                             'serves only the gen-1 python27 runtime'
                             % (runtime,))
        for index, entry in enumerate(raw.get('handlers') or []):
            script = entry.get('script') if isinstance(entry, dict) else None
            if isinstance(script, six.string_types) and script.endswith('.py'):
                raise self.error(('handlers', index, 'script'), 'script %r '
                                 'is a CGI script; this dev server (like '
                                 'threadsafe python27) needs a WSGI app, '
                                 'e.g. main.app' % script)

    def line_of(self, keys):
        """1-based line of a key path such as ``('handlers', 2, 'script')``."""
        keys = tuple(keys)
        while keys and keys not in self._lines:
            keys = keys[:-1]
        return self._lines.get(keys, 1)

    def error(self, keys, message):
        return AppYamlError('%s, line %d: %s' % (
            self.path, self.line_of(keys), message))

    def _check_handler(self, index, url_map):
        where = ('handlers', index)
        for field in sorted(k for k, v in url_map.ToDict().items()
                            if v is not None):
            if field not in _SUPPORTED_HANDLER_FIELDS:
                raise self.error(where + (field,), '%s: not supported by '
                                 'this dev server' % field)
        if url_map.script and url_map.script.endswith('.py'):
            raise self.error(where + ('script',), 'script %r is a CGI '
                             'script; this dev server (like threadsafe '
                             'python27) needs a WSGI app, e.g. main.app'
                             % url_map.script)
        handler = Handler(url_map, self.line_of(where))
        if handler.login not in ('optional', 'required', 'admin'):
            raise self.error(where + ('login',), 'login %r not supported'
                             % handler.login)
        return handler

    def load_apps(self):
        """Imports the WSGI apps of the script handlers.

        Call it with the stubs active and ``env_variables`` applied, as the
        runtime imports them (:class:`DevServer` does).

        :raises AppYamlError: naming the line of a script that cannot load.
        """
        for index, handler in enumerate(self.handlers):
            if handler.script and handler.app is None:
                handler.app = self._import(('handlers', index),
                                           handler.script)

    def _import(self, where, script):
        module_name, _, attr = script.rpartition('.')
        if self.root not in sys.path:
            sys.path.insert(0, self.root)
        try:
            module = importlib.import_module(module_name)
            return getattr(module, attr)
        except Exception as error:  # any import failure of the user's app
            raise self.error(where + ('script',), 'cannot load script %r: '
                             '%s: %s' % (script, type(error).__name__,
                                         _one_line(error)))


def _sdk_error(path, error):
    """The SDK's validation error as ``path, line N: message``."""
    text = _one_line(error)
    match = re.search(r'^(.*?) in "<[^>]*>", line (\d+)', text)
    if match:
        return AppYamlError('%s, line %s: %s' % (path, match.group(2),
                                                  match.group(1)))
    return AppYamlError('%s: %s' % (path, text))


def _one_line(error):
    return ' '.join(str(error).split())


def _line_index(text, path):
    """``{key path: 1-based line}`` for the mappings/lists of a YAML text."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise AppYamlError('%s: not valid YAML: %s' % (path, _one_line(error)))
    lines = {}

    def walk(node, keys):
        lines[keys] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = keys + (key_node.value,)
                walk(value_node, sub)
                lines[sub] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                walk(item, keys + (position,))

    if root is not None:
        walk(root, ())
    return lines


# -- stubs -------------------------------------------------------------------


def _datastore_file(storage_path):
    if not os.path.isdir(storage_path):
        os.makedirs(storage_path)
    return os.path.join(storage_path, 'datastore.db')


class open_storage(object):
    """Activate the App Engine stubs on a dev-server storage path.

    ``with open_storage(path, application):`` gives the datastore (on disk,
    saved on every write), memcache and users stubs, as the dev server has
    them: use it to seed data (e.g. an ``NDBConfig``) from a script while the
    server is stopped.
    """

    def __init__(self, storage_path, application=DEFAULT_APPLICATION,
                 login_url=LOGIN_PATH + '?continue=%s'):
        self.storage_path = storage_path
        self.application = application
        self.login_url = login_url
        self.testbed = None

    def __enter__(self):
        from google.appengine.ext import ndb, testbed

        bed = testbed.Testbed()
        bed.activate()
        bed.setup_env(APPLICATION_ID=self.application, overwrite=True)
        bed.init_datastore_v3_stub(
            datastore_file=_datastore_file(self.storage_path),
            save_changes=True)
        bed.init_memcache_stub()
        bed.init_user_stub(
            login_url=self.login_url,
            logout_url=LOGIN_PATH + '?action=Logout&continue=%s')
        # A fresh NDB context: nothing cached from before the stubs changed.
        ndb.set_context(None)
        os.environ.pop('__CONTEXT__', None)
        self.testbed = bed
        return self

    @property
    def datastore(self):
        from google.appengine.ext import testbed
        return self.testbed.get_stub(testbed.DATASTORE_SERVICE_NAME)

    def __exit__(self, *exc_info):
        self.datastore.Write()
        self.testbed.deactivate()
        return False


# -- the WSGI side ---------------------------------------------------------


def _user_from_cookie(environ):
    """``(email, is_admin)`` from the dev sign-in cookie, or ``None``."""
    cookies = six.moves.http_cookies.SimpleCookie()
    try:
        cookies.load(environ.get('HTTP_COOKIE', ''))
    except six.moves.http_cookies.CookieError:
        return None
    morsel = cookies.get(LOGIN_COOKIE)
    if morsel is None:
        return None
    email, _, admin = morsel.value.partition(':')
    if not re.match(r'^[^@\s:]+@[^@\s:]+$', email):
        return None
    return email, admin == 'True'


def _user_id(email):
    digest = hashlib.md5(email.lower().encode('utf-8')).hexdigest()
    return str(int(digest, 16))[:20]


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
        user = _user_from_cookie(environ)
        if user:
            os.environ['USER_EMAIL'] = user[0]
            os.environ['USER_ID'] = _user_id(user[0])
            os.environ['USER_IS_ADMIN'] = '1' if user[1] else '0'
        else:
            os.environ['USER_EMAIL'] = ''
            os.environ['USER_ID'] = ''
            os.environ['USER_IS_ADMIN'] = '0'

    def _serve(self, environ):
        path = environ.get('PATH_INFO', '/') or '/'
        if path == LOGIN_PATH:
            return self._login_page(environ)
        for handler in self.config.handlers:
            match = handler.pattern.match(path)
            if match is None:
                continue
            refused = self._check_login(handler, environ)
            if refused:
                return refused
            if handler.app is not None:
                return self._run_app(handler, environ)
            return self._static(handler, match, path)
        return _text('404 Not Found', 'Not found: no app.yaml handler '
                     'matches %s\n' % path)

    def _check_login(self, handler, environ):
        if handler.login == 'optional':
            return None
        user = os.environ.get('USER_EMAIL')
        if user and (handler.login == 'required' or
                     os.environ.get('USER_IS_ADMIN') == '1'):
            return None
        if user or handler.auth_fail_action == 'unauthorized':
            return _text('401 Unauthorized', 'Login required (%s).\n'
                         % handler.login)
        return _redirect(LOGIN_PATH + '?continue=' + quote(
            _request_url(environ), safe=''))

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

    def _static(self, handler, match, path):
        root = os.path.realpath(self.config.root)
        if handler.static_dir:
            base = os.path.realpath(os.path.join(root, handler.static_dir))
            target = os.path.realpath(os.path.join(base, match.groups()[-1]))
            allowed = (target + os.sep).startswith(base + os.sep)
        else:
            relative = _expand(handler.static_files, match)
            target = os.path.realpath(os.path.join(root, relative))
            # Only files matching ``upload`` are uploaded on App Engine.
            allowed = (re.match('^(?:%s)$' % handler.upload, relative)
                       is not None and
                       (target + os.sep).startswith(root + os.sep))
        if not allowed or not os.path.isfile(target):
            return _text('404 Not Found', 'Not found: %s\n' % path)
        with open(target, 'rb') as stream:
            body = stream.read()
        mime = handler.mime_type or mimetypes.guess_type(target)[0] or \
            'application/octet-stream'
        headers = [('Content-Type', mime)] + list(handler.http_headers.items())
        return '200 OK', headers, body

    def _login_page(self, environ):
        """dev_appserver's sign-in page: any e-mail, no password."""
        query = parse_qs(environ.get('QUERY_STRING', ''))
        form = {}
        if environ.get('REQUEST_METHOD') == 'POST':
            try:
                size = int(environ.get('CONTENT_LENGTH') or 0)
            except ValueError:
                size = 0
            body = environ['wsgi.input'].read(size)
            form = parse_qs(body.decode('utf-8', 'replace'))
        values = dict(query)
        values.update(form)
        target = (values.get('continue') or ['/'])[0]
        if not _same_site(target, environ):
            return _text('400 Bad Request', 'continue must be a URL of this '
                         'server.\n')
        action = (values.get('action') or [''])[0]
        if action.lower() == 'logout':
            return _redirect(target, [('Set-Cookie', '%s=; Path=/; Max-Age=0'
                                       % LOGIN_COOKIE)])
        if environ.get('REQUEST_METHOD') == 'POST':
            email = (values.get('email') or [''])[0].strip()
            if not re.match(r'^[^@\s:;,"]+@[^@\s:;,"]+$', email):
                return _text('400 Bad Request', 'Give an e-mail address.\n')
            admin = 'True' if values.get('admin') else 'False'
            return _redirect(target, [('Set-Cookie', '%s="%s:%s"; Path=/'
                                       % (LOGIN_COOKIE, email, admin))])
        page = (u'<!DOCTYPE html><html><head><title>Dev sign-in</title>'
                u'</head><body><h1>Local sign-in (users stub)</h1>'
                u'<form method="post" action="%s">'
                u'<input type="hidden" name="continue" value=%s>'
                u'<label>E-mail <input name="email" '
                u'value="test@example.com"></label> '
                u'<label><input type="checkbox" name="admin"> admin</label> '
                u'<button type="submit" name="action" value="Login">'
                u'Sign in</button></form></body></html>') % (
                    LOGIN_PATH, quoteattr(target))
        return ('200 OK', [('Content-Type', 'text/html; charset=utf-8')],
                page.encode('utf-8'))


def _expand(template, match):
    """app.yaml ``static_files`` back-references (``\\1``) from the url."""
    return re.sub(r'\\(\d)', lambda m: match.group(int(m.group(1))) or '',
                  template)


def _request_url(environ):
    url = '%s://%s%s' % (environ.get('wsgi.url_scheme', 'http'),
                         environ.get('HTTP_HOST', '127.0.0.1'),
                         quote(environ.get('PATH_INFO', '/')))
    if environ.get('QUERY_STRING'):
        url += '?' + environ['QUERY_STRING']
    return url


def _same_site(url, environ):
    parsed = urlparse(url)
    if not parsed.netloc:
        return url.startswith('/') and not url.startswith('//')
    return parsed.netloc == environ.get('HTTP_HOST')


def _text(status, message):
    return status, [('Content-Type', 'text/plain; charset=utf-8')], \
        message.encode('utf-8')


def _redirect(location, headers=None):
    return '302 Found', [('Location', location),
                         ('Content-Type', 'text/plain')] + (headers or []), \
        b''


# -- command line ------------------------------------------------------------


def _default_storage(application):
    name = re.sub(r'[^A-Za-z0-9_.-]', '_', application)
    return os.path.join(tempfile.gettempdir(), 'authomatic_extras_devserver',
                        name)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m authomatic_extras.gae.devserver',
        description='Serve a gen-1 (python27) app.yaml locally on App Engine '
                    'service stubs.')
    parser.add_argument('app_yaml', nargs='?', default='app.yaml',
                        help='path of app.yaml (default: ./app.yaml)')
    parser.add_argument('--port', type=int, default=8080,
                        help='port on 127.0.0.1 (0 picks a free one; '
                             'default 8080)')
    parser.add_argument('--storage-path', default=None,
                        help='folder for the on-disk datastore (default: a '
                             'folder per application in the temp dir)')
    parser.add_argument('--application', default=None,
                        help='application id (default: app.yaml\'s, else %s)'
                        % DEFAULT_APPLICATION)
    parser.add_argument('--threads', type=int, default=4,
                        help='waitress threads (requests still run one at '
                             'a time)')
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        config = AppYaml(args.app_yaml)
    except (IOError, OSError) as error:
        sys.stderr.write('devserver: cannot read %s: %s\n'
                         % (args.app_yaml, error))
        return 2
    except AppYamlError as error:
        sys.stderr.write('devserver: refusing app.yaml: %s\n' % error)
        return 2
    application = args.application or config.application or \
        DEFAULT_APPLICATION
    storage = args.storage_path or _default_storage(application)
    server = DevServer(config, storage, application)
    server.start_stubs()
    try:
        config.load_apps()
    except AppYamlError as error:
        server.stop_stubs()
        sys.stderr.write('devserver: refusing app.yaml: %s\n' % error)
        return 2

    from waitress import create_server

    wsgi_server = create_server(server, host='127.0.0.1', port=args.port,
                                threads=args.threads, ident='devserver')

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write('Serving %s at http://127.0.0.1:%s/ (application %s, '
                     'datastore in %s)\n' % (config.path,
                                             wsgi_server.effective_port,
                                             application, storage))
    sys.stdout.flush()
    try:
        wsgi_server.run()
    except KeyboardInterrupt:
        pass
    finally:
        wsgi_server.close()
        server.stop_stubs()
        sys.stdout.write('Stopped; datastore saved.\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
