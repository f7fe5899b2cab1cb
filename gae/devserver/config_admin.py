# -*- coding: utf-8 -*-
"""``/_ah/admin/config``: a small local page to create the provider config.

Administrators only (sign in at ``/_ah/login`` with "Sign in as
Administrator"). It lists the ``NDBConfig`` entities (secrets hidden) and
stores the entries pasted in its form, in the ``--seed`` file format
(:mod:`.seed`). A POST needs the page's form token, so another site cannot
submit the form in the admin's browser.
"""
from __future__ import absolute_import

import hashlib
import hmac
import os

from six.moves.urllib.parse import parse_qs, quote
from xml.sax.saxutils import escape

from authomatic_extras.gae.devserver.responses import redirect, \
    request_url, text
from authomatic_extras.gae.devserver.seed import SeedError, \
    normalise_entries, put_entries
from authomatic_extras.gae.devserver.stubs import LOGIN_PATH

__all__ = ['config_page', 'EXAMPLE']

_KEY = os.urandom(32)  # form tokens are valid for this process only
_SHOWN = ('class_', 'provider_id', 'consumer_key', 'scope', 'provider_url')
#: What the form starts with.
EXAMPLE = (u'local:\n'
           u'  class_: authomatic_extras.testing.providers.LocalOAuth2\n'
           u'  provider_id: 1\n'
           u'  consumer_key: local-client\n'
           u'  consumer_secret: local-secret\n'
           u'  scope: openid, profile, email\n'
           u'  provider_url: http://127.0.0.1:8765\n')


def _token(email):
    return hmac.new(_KEY, email.encode('utf-8'), hashlib.sha256).hexdigest()


def config_page(environ):
    """The page, for the current (admin) user of ``os.environ``."""
    email = os.environ.get('USER_EMAIL')
    if not email:
        return redirect(LOGIN_PATH + '?continue=' + quote(
            request_url(environ), safe=''))
    if os.environ.get('USER_IS_ADMIN') != '1':
        return text('403 Forbidden', 'Administrators only: sign in at %s '
                    'with "Sign in as Administrator".\n' % LOGIN_PATH)
    message = u''
    value = EXAMPLE
    if environ.get('REQUEST_METHOD') == 'POST':
        try:
            size = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            size = 0
        if size > 65536:
            return text('413 Payload Too Large', 'Config too large.\n')
        form = parse_qs(environ['wsgi.input'].read(max(size, 0)).decode(
            'utf-8', 'replace'))
        token = (form.get('token') or [''])[0]
        if not hmac.compare_digest(token.encode('utf-8'),
                                   _token(email).encode('utf-8')):
            return text('403 Forbidden', 'Missing or stale form token: '
                        'reload the page and submit again.\n')
        value = (form.get('config') or [u''])[0]
        try:
            import yaml
            names = put_entries(normalise_entries(yaml.safe_load(value),
                                                  'config'))
        except yaml.YAMLError as error:
            return _page(email, u'Not YAML: %s' % ' '.join(
                str(error).split()), value, status='400 Bad Request')
        except SeedError as error:
            return _page(email, u'%s' % error, value,
                         status='400 Bad Request')
        message = u'Stored: %s.' % u', '.join(names)
        value = EXAMPLE
    elif environ.get('REQUEST_METHOD') not in ('GET', 'HEAD'):
        return text('405 Method Not Allowed', 'GET or POST.\n')
    return _page(email, message, value)


def _rows():
    from authomatic_extras.gae import NDBConfig

    rows = []
    for entity in NDBConfig.query().fetch():
        values = entity.to_dict()
        cells = u''.join(u'<td>%s</td>' % escape(u'%s' % (
            values.get(key) if values.get(key) is not None else u'',))
            for key in _SHOWN)
        rows.append(u'<tr><td>%s</td><td>%s</td>%s</tr>' % (
            escape(u'%s' % entity.key.id()),
            escape(u'%s' % (entity.provider_name or u'')), cells))
    return u''.join(rows)


def _page(email, message, value, status='200 OK'):
    head = u''.join(u'<th>%s</th>' % name for name in
                    (u'id', u'provider_name') + _SHOWN)
    body = (u'<!DOCTYPE html><html><head><meta charset="utf-8">'
            u'<title>Provider config</title></head><body>'
            u'<h1>Provider config (NDBConfig)</h1>'
            u'<p>Signed in as %s (administrator). Consumer secrets are '
            u'stored, not shown.</p>'
            u'<p class="message">%s</p>'
            u'<table border="1"><tr>%s</tr>%s</table>'
            u'<h2>Add or replace providers</h2>'
            u'<p>YAML, one entry per provider name (the format of '
            u'<code>--seed FILE</code>).</p>'
            u'<form method="post"><input type="hidden" name="token" '
            u'value="%s"><textarea name="config" rows="12" cols="72">%s'
            u'</textarea><br><button type="submit">Store</button></form>'
            u'<p><a href="/">Home</a></p></body></html>') % (
                escape(email), escape(message), head, _rows(),
                _token(email), escape(value))
    return (status, [('Content-Type', 'text/html; charset=utf-8'),
                     ('Cache-Control', 'no-store')], body.encode('utf-8'))
