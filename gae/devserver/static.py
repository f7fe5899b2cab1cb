# -*- coding: utf-8 -*-
"""Static files: ``static_dir`` and ``static_files`` + ``upload`` handlers."""
from __future__ import absolute_import

import mimetypes
import os
import re

from authomatic_extras.gae.devserver.responses import text

__all__ = ['serve_static']


def _expand(template, match):
    """app.yaml ``static_files`` back-references (``\\1``) from the url."""
    return re.sub(r'\\(\d)', lambda m: match.group(int(m.group(1))) or '',
                  template)


def serve_static(root, handler, match, path):
    """The file a static handler maps ``path`` to, as an answer."""
    root = os.path.realpath(root)
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
        return text('404 Not Found', 'Not found: %s\n' % path)
    with open(target, 'rb') as stream:
        body = stream.read()
    mime = handler.mime_type or mimetypes.guess_type(target)[0] or \
        'application/octet-stream'
    headers = [('Content-Type', mime)] + list(handler.http_headers.items())
    return '200 OK', headers, body
