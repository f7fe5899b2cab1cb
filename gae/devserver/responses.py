# -*- coding: utf-8 -*-
"""Small WSGI answers: ``(status, headers, body)`` triples."""
from __future__ import absolute_import

from six.moves.urllib.parse import quote

__all__ = ['text', 'redirect', 'request_url']


def text(status, message):
    """A plain-text answer."""
    return status, [('Content-Type', 'text/plain; charset=utf-8')], \
        message.encode('utf-8')


def redirect(location, headers=None):
    """A ``302 Found`` to ``location`` (plus extra headers)."""
    return '302 Found', [('Location', location),
                         ('Content-Type', 'text/plain')] + (headers or []), \
        b''


def request_url(environ):
    """The full URL of this request."""
    url = '%s://%s%s' % (environ.get('wsgi.url_scheme', 'http'),
                         environ.get('HTTP_HOST', '127.0.0.1'),
                         quote(environ.get('PATH_INFO', '/')))
    if environ.get('QUERY_STRING'):
        url += '?' + environ['QUERY_STRING']
    return url
