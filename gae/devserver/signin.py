# -*- coding: utf-8 -*-
"""The sign-in emulation: dev_appserver's ``/_ah/login`` page and cookie.

Any e-mail signs in, no password, as with dev_appserver; the user is kept in
the ``dev_appserver_login`` cookie and given to the users API through the
request's environment (``USER_EMAIL``, ``USER_ID``, ``USER_IS_ADMIN``).
"""
from __future__ import absolute_import

import hashlib
import os
import re

import six
from six.moves.urllib.parse import parse_qs, quote, urlparse
from xml.sax.saxutils import quoteattr

from authomatic_extras.gae.devserver.responses import redirect, \
    request_url, text
from authomatic_extras.gae.devserver.stubs import LOGIN_PATH

__all__ = ['LOGIN_PATH', 'LOGIN_COOKIE', 'user_from_cookie', 'user_id',
           'check_login', 'login_page']

LOGIN_COOKIE = 'dev_appserver_login'


def user_from_cookie(environ):
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


def user_id(email):
    """The stable numeric user id dev_appserver derives from an e-mail."""
    digest = hashlib.md5(email.lower().encode('utf-8')).hexdigest()
    return str(int(digest, 16))[:20]


def check_login(handler, environ):
    """``None`` when the handler's ``login:`` lets this request through,
    else the answer (a redirect to the sign-in page, or 401)."""
    if handler.login == 'optional':
        return None
    user = os.environ.get('USER_EMAIL')
    if user and (handler.login == 'required' or
                 os.environ.get('USER_IS_ADMIN') == '1'):
        return None
    if user or handler.auth_fail_action == 'unauthorized':
        return text('401 Unauthorized', 'Login required (%s).\n'
                    % handler.login)
    return redirect(LOGIN_PATH + '?continue=' + quote(
        request_url(environ), safe=''))


def _same_site(url, environ):
    parsed = urlparse(url)
    if not parsed.netloc:
        return url.startswith('/') and not url.startswith('//')
    return parsed.netloc == environ.get('HTTP_HOST')


def login_page(environ):
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
        return text('400 Bad Request', 'continue must be a URL of this '
                    'server.\n')
    action = (values.get('action') or [''])[0]
    if action.lower() == 'logout':
        return redirect(target, [('Set-Cookie', '%s=; Path=/; Max-Age=0'
                                  % LOGIN_COOKIE)])
    if environ.get('REQUEST_METHOD') == 'POST':
        email = (values.get('email') or [''])[0].strip()
        if not re.match(r'^[^@\s:;,"]+@[^@\s:;,"]+$', email):
            return text('400 Bad Request', 'Give an e-mail address.\n')
        admin = 'True' if values.get('admin') else 'False'
        return redirect(target, [('Set-Cookie', '%s="%s:%s"; Path=/'
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
