# -*- coding: utf-8 -*-
"""Static files: ``static_dir`` and ``static_files`` + ``upload`` handlers.

A requested path is checked before it touches the disk: no ``.``/``..``
segments, no empty segment, no backslash and no control character (so
``/../app.yaml``, ``/%2e%2e/app.yaml`` or ``/img/../secret.png`` never leave
their folder), the ``static_files`` target must match ``upload``, and the
real path (after symlinks) must stay inside the handler's folder.

Headers as dev_appserver sends them: ``ETag`` (and 304 for a matching
``If-None-Match``), ``Expires`` from the handler's ``expiration`` or
app.yaml's ``default_expiration`` (else a date in the past), and
``Cache-Control: public`` plus ``max-age`` when an expiration is set; the
handler's ``http_headers`` replace any of them.
"""
from __future__ import absolute_import

import email.utils
import hashlib
import mimetypes
import os
import re
import time

from authomatic_extras.gae.devserver.responses import text

__all__ = ['serve_static', 'safe_relative_path']

_BAD_CHARACTERS = re.compile(u'[\x00-\x1f\x7f\\\\]')


def _expand(template, match):
    """app.yaml ``static_files`` back-references (``\\1``) from the url."""
    return re.sub(r'\\(\d)', lambda m: match.group(int(m.group(1))) or '',
                  template)


def safe_relative_path(path):
    """``path`` if it is a plain relative path, else ``None``.

    Refused: absolute paths, ``.``/``..``/empty segments, backslashes and
    control characters.
    """
    if not path or path.startswith('/') or _BAD_CHARACTERS.search(path):
        return None
    if any(part in ('', '.', '..') for part in path.split('/')):
        return None
    return path


def _inside(target, folder):
    return (target + os.sep).startswith(folder.rstrip(os.sep) + os.sep)


def _upload_folder(root, handler):
    """The folder a ``static_files`` handler may serve from: the literal
    folder part of its ``upload`` pattern (the app's root if none)."""
    literal = re.match(r'^[\w\-./]*', handler.upload or '').group(0)
    folder = literal.rsplit('/', 1)[0] if '/' in literal else ''
    return os.path.realpath(os.path.join(root, folder))


def _seconds(expiration):
    from google.appengine.api import appinfo
    return appinfo.ParseExpiration(expiration)


def serve_static(root, handler, match, path, environ,
                 default_expiration=None):
    """The file a static handler maps ``path`` to, as an answer."""
    root = os.path.realpath(root)
    not_found = text('404 Not Found', 'Not found: %s\n' % path)
    if handler.static_dir:
        relative = safe_relative_path(match.groups()[-1])
        if relative is None:
            return not_found
        folder = os.path.realpath(os.path.join(root, handler.static_dir))
        target = os.path.realpath(os.path.join(folder, relative))
    else:
        relative = safe_relative_path(_expand(handler.static_files, match))
        # Only files matching ``upload`` are uploaded on App Engine.
        if relative is None or re.match(
                '^(?:%s)$' % handler.upload, relative) is None:
            return not_found
        folder = _upload_folder(root, handler)
        target = os.path.realpath(os.path.join(root, relative))
    if not (_inside(folder, root) or folder == root) or \
            not _inside(target, folder) or not os.path.isfile(target):
        return not_found
    with open(target, 'rb') as stream:
        body = stream.read()
    etag = '"%s"' % hashlib.sha1(body).hexdigest()
    user = dict((name.lower(), (name, value))
                for name, value in handler.http_headers.items())
    headers = [('ETag', etag)]
    if etag in [tag.strip().replace('W/', '', 1) for tag in
                environ.get('HTTP_IF_NONE_MATCH', '').split(',')]:
        return '304 Not Modified', headers, b''
    headers.append(('Content-Type', handler.mime_type or
                    mimetypes.guess_type(target)[0] or
                    'application/octet-stream'))
    expiration = handler.expiration or default_expiration
    if expiration:
        seconds = _seconds(expiration)
        headers.append(('Expires', email.utils.formatdate(
            time.time() + seconds, usegmt=True)))
        headers.append(('Cache-Control', 'public, max-age=%d' % seconds))
    else:
        headers.append(('Expires', 'Fri, 01 Jan 1990 00:00:00 GMT'))
        headers.append(('Cache-Control', 'public'))
    headers = [(name, value) for name, value in headers
               if name.lower() not in user] + list(user.values())
    return '200 OK', headers, body
