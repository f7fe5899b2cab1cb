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
