# -*- coding: utf-8 -*-
"""app.yaml loading: parse and check a gen-1 ``app.yaml`` (:class:`AppYaml`).

An ``app.yaml`` the dev server cannot serve is refused before serving, with a
message naming the line (:class:`AppYamlError`).
"""
from __future__ import absolute_import

import importlib
import io
import os
import re
import sys

import six

from authomatic_extras.gae.devserver.errors import AppYamlError

__all__ = ['AppYaml', 'Handler', 'AppYamlError']

_SUPPORTED_HANDLER_FIELDS = frozenset([
    'url', 'script', 'static_dir', 'static_files', 'upload', 'login',
    'secure', 'auth_fail_action', 'mime_type', 'http_headers', 'expiration',
    'application_readable', 'redirect_http_response_code',
    'require_matching_file', 'position'])


class Handler(object):
    """One ``handlers:`` entry: what to serve for URLs matching ``url``.

    ``where`` says where it was written (``app.yaml, line 12``, an included
    file, or a builtin); ``unavailable`` is set for a builtin whose handler
    does not exist here (its URLs answer 501 with that text).
    """

    def __init__(self, url_map, where, keys=None, unavailable=None):
        self.where = where
        self.keys = keys
        self.unavailable = unavailable
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
        self.expiration = url_map.expiration
        self.http_headers = dict(url_map.http_headers or {})
        self.app = None

    @property
    def line(self):
        """The app.yaml line of this handler (1 for included ones)."""
        match = re.search(r'line (\d+)$', self.where)
        return int(match.group(1)) if match else 1


class AppYaml(object):
    """A parsed, checked app.yaml.

    Attributes: ``handlers`` (builtins' and included handlers merged as
    dev_appserver merges them), ``env_variables``, ``libraries`` (``(name,
    version)`` pairs), ``default_expiration``, ``inbound_services``,
    ``warnings`` (what is accepted but not served as on App Engine).
    """

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
        if info.runtime != 'python27':
            raise self.error(('runtime',), 'runtime %r: this dev server '
                             'serves only the gen-1 python27 runtime'
                             % (info.runtime,))
        self.warnings = []
        own = [self._check_handler(url_map, self._where(('handlers', i)),
                                   ('handlers', i))
               for i, url_map in enumerate(info.handlers or [])]
        included_head, included_tail = self._included_handlers(info)
        head, tail = self._builtin_handlers(info)
        self.handlers = head + included_head + own + included_tail + tail
        if not self.handlers:
            raise AppYamlError('%s: no handlers to serve' % self.path)
        self.env_variables = dict(info.env_variables or {})
        # As written (the SDK turns "latest" into a version number).
        self.libraries = [(entry.get('name'), entry.get('version'))
                          for entry in self._raw.get('libraries') or []
                          if isinstance(entry, dict)]
        self.default_expiration = info.default_expiration
        self.inbound_services = list(info.inbound_services or [])
        from authomatic_extras.gae.devserver.libraries import \
            library_warnings
        self.warnings.extend(library_warnings(self.libraries))

    def _where(self, keys, path=None):
        if path is not None:
            return os.path.relpath(path, self.root)
        return '%s, line %d' % (os.path.basename(self.path),
                                self.line_of(keys))

    def _precheck(self, text):
        """Refusals found before the SDK's validation, with exact lines."""
        import yaml

        raw = self._raw = yaml.safe_load(text)
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

    def _check_handler(self, url_map, where, keys=None):
        def refuse(field, message):
            if keys is not None:
                return self.error(keys + (field,), message)
            return AppYamlError('%s: %s' % (where, message))

        for field in sorted(k for k, v in url_map.ToDict().items()
                            if v is not None):
            if field not in _SUPPORTED_HANDLER_FIELDS:
                raise refuse(field, '%s: not supported by this dev server'
                             % field)
        if url_map.script and url_map.script.endswith('.py'):
            raise refuse('script', 'script %r is a CGI script; this dev '
                         'server (like threadsafe python27) needs a WSGI '
                         'app, e.g. main.app' % url_map.script)
        handler = Handler(url_map, where, keys)
        if handler.login not in ('optional', 'required', 'admin'):
            raise refuse('login', 'login %r not supported' % handler.login)
        return handler

    def _builtin_handlers(self, info):
        """``builtins:`` -> (head, tail) handlers, as dev_appserver adds them
        (ahead of the app's own)."""
        from google.appengine.api import appinfo

        from authomatic_extras.gae.devserver.builtins import \
            BUILTIN_HANDLERS, UNAVAILABLE_BUILTINS

        head = []
        for name, state in appinfo.BuiltinHandler.ListToTuples(
                info.builtins or []):
            if state != 'on' or name == 'default':
                continue
            where = 'builtins: %s (%s)' % (name, self._where(('builtins',)))
            if name in BUILTIN_HANDLERS:
                url, script, login = BUILTIN_HANDLERS[name]
                head.append(Handler(appinfo.URLMap(
                    url=url, script=script, login=login), where))
            elif name in UNAVAILABLE_BUILTINS:
                url, why = UNAVAILABLE_BUILTINS[name]
                message = ('builtins: %s is accepted but not served by this '
                           'dev server: %s' % (name, why))
                self.warnings.append(message)
                head.append(Handler(appinfo.URLMap(url=url, script='-.-'),
                                    where, unavailable=message))
        return head, []

    def _included_handlers(self, info):
        """``includes:`` -> (head, tail) handlers; the included files' other
        settings are merged into ``info`` (the SDK's own merge)."""
        from google.appengine.api import appinfo, validation, yaml_errors

        head, tail = [], []
        pending = [(path, ('includes', index)) for index, path in
                   enumerate(info.includes or [])]
        seen = set()
        while pending:
            name, keys = pending.pop(0)
            path = os.path.join(self.root, name)
            if os.path.isdir(path):
                path = os.path.join(path, 'include.yaml')
            path = os.path.realpath(path)
            if path in seen:
                continue
            seen.add(path)
            if not os.path.isfile(path):
                raise self.error(keys, 'includes: %s: no such file (nor a '
                                 'folder with an include.yaml)' % name)
            try:
                with io.open(path, encoding='utf-8') as stream:
                    include = appinfo.LoadAppInclude(stream.read())
            except (validation.Error, yaml_errors.Error, ValueError) as error:
                raise _sdk_error(path, error)
            for url_map in include.handlers or []:
                handler = self._check_handler(url_map, self._where(None, path))
                (tail if url_map.position == 'tail' else head).append(handler)
            if include.builtins:
                info.builtins = (info.builtins or []) + include.builtins
            for sub in include.includes or []:
                pending.append((os.path.join(os.path.dirname(
                    os.path.relpath(path, self.root)), sub), keys))
            include.handlers = None
            include.includes = None
            include.builtins = None
            appinfo.AppInclude.MergeAppYamlAppInclude(info, include)
        return head, tail

    def load_apps(self):
        """Imports the WSGI apps of the script handlers.

        Call it with the stubs active and ``env_variables`` applied, as the
        runtime imports them (:class:`DevServer` does).

        :raises AppYamlError: naming the line of a script that cannot load.
        """
        for handler in self.handlers:
            if handler.script and handler.app is None and \
                    handler.unavailable is None:
                handler.app = self._import(handler, handler.script)

    def _import(self, handler, script):
        module_name, _, attr = script.rpartition('.')
        if self.root not in sys.path:
            sys.path.insert(0, self.root)
        try:
            module = importlib.import_module(module_name)
            return getattr(module, attr)
        except Exception as error:  # any import failure of the user's app
            message = 'cannot load script %r: %s: %s' % (
                script, type(error).__name__, _one_line(error))
            if handler.keys is not None:
                raise self.error(handler.keys + ('script',), message)
            raise AppYamlError('%s: %s' % (handler.where, message))


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
