# -*- coding: utf-8 -*-
"""The sign-in emulation: dev_appserver's ``/_ah/login`` page and cookie.

As with dev_appserver 1.9: any e-mail signs in, no password;
``GET /_ah/login?email=a@b.c&admin=True&action=Login&continue=URL`` signs in
and redirects, ``action=Logout`` (or ``/_ah/logout``) signs out, and without
an ``action`` the page shows a form. The user is kept in the
``dev_appserver_login`` cookie as ``email:True:userid`` (``False`` for a
non-admin) and given to the users API through the request's environment
(``USER_EMAIL``, ``USER_ID``, ``USER_IS_ADMIN``).

``continue`` must be a URL of this server: anything else (another host, a
scheme-relative ``//host``, backslashes, control characters) answers 400, and
the redirect is always rebuilt on this server's own origin.
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

__all__ = ['LOGIN_PATH', 'LOGOUT_PATH', 'LOGIN_COOKIE', 'user_from_cookie',
           'user_id', 'check_login', 'login_page', 'safe_continue']

LOGOUT_PATH = '/_ah/logout'
LOGIN_COOKIE = 'dev_appserver_login'

#: An e-mail as a cookie can hold it: printable ASCII, no separators.
_EMAIL = re.compile(r'^[!#-+\-./0-9=?A-Z^-~]+@[!#-+\-./0-9=?A-Z^-~]+$')
#: Never in a continue URL: controls, spaces and backslashes (browsers read
#: ``\`` as ``/`` and drop tabs and newlines, so ``/\host`` and ``/\t/host``
#: would leave the site).
_UNSAFE = re.compile(u'[\x00-\x20\x7f-\x9f\\\\]')


def user_from_cookie(environ):
    """``(email, is_admin, user_id)`` from the sign-in cookie, or ``None``.

    Reads dev_appserver's ``email:True:userid`` (and ``email:True``).
    """
    cookies = six.moves.http_cookies.SimpleCookie()
    try:
        cookies.load(environ.get('HTTP_COOKIE', ''))
    except six.moves.http_cookies.CookieError:
        return None
    morsel = cookies.get(LOGIN_COOKIE)
    if morsel is None:
        return None
    email, admin, uid = (morsel.value.split(':') + ['', '', ''])[:3]
    if not _EMAIL.match(email):
        return None
    if not uid.isdigit():
        uid = user_id(email)
    return email, admin == 'True', uid


def user_id(email):
    """The numeric user id dev_appserver derives from an e-mail."""
    digest = bytearray(hashlib.md5(email.lower().encode('utf-8')).digest())
    return '1' + ''.join('%02d' % byte for byte in digest)[:20]


def _cookie(email, admin):
    morsel = six.moves.http_cookies.SimpleCookie()
    morsel[LOGIN_COOKIE] = '%s:%s:%s' % (email, admin, user_id(email))
    morsel[LOGIN_COOKIE]['path'] = '/'
    return morsel[LOGIN_COOKIE].OutputString()


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
        return text('401 Unauthorized', 'Login required (%s)%s.\n' % (
            handler.login, ': sign in as an administrator at %s'
            % LOGIN_PATH if handler.login == 'admin' else ''))
    return redirect(LOGIN_PATH + '?continue=' + quote(
        request_url(environ), safe=''))


def safe_continue(target, environ):
    """``target`` as an absolute URL of this server, or ``None`` if it is
    not one (or not a URL a browser reads the same way)."""
    origin = '%s://%s' % (environ.get('wsgi.url_scheme', 'http'),
                          environ.get('HTTP_HOST', ''))
    if not target:
        return origin + '/'
    if _UNSAFE.search(target):
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc:
        if parsed.scheme not in ('http', 'https') or \
                parsed.netloc.lower() != environ.get('HTTP_HOST', '').lower():
            return None
    elif not target.startswith('/'):
        return None
    elif target.startswith('//'):
        return None
    rest = parsed.path or '/'
    if parsed.query:
        rest += '?' + parsed.query
    if parsed.fragment:
        rest += '#' + parsed.fragment
    return origin + quote(rest, safe="/?#&=%:@!$'()*+,;~-._")


def login_page(environ):
    """dev_appserver's sign-in page and its ``action=Login|Logout``."""
    values = parse_qs(environ.get('QUERY_STRING', ''))
    if environ.get('REQUEST_METHOD') == 'POST':
        try:
            size = int(environ.get('CONTENT_LENGTH') or 0)
        except ValueError:
            size = 0
        body = environ['wsgi.input'].read(max(0, min(size, 65536)))
        values.update(parse_qs(body.decode('utf-8', 'replace')))
    raw_target = (values.get('continue') or [''])[0]
    target = safe_continue(raw_target, environ)
    if target is None:
        return text('400 Bad Request', 'continue must be a URL of this '
                    'server (%s).\n' % environ.get('HTTP_HOST', ''))
    action = (values.get('action') or [''])[0].lower()
    if environ.get('PATH_INFO') == LOGOUT_PATH:
        action = 'logout'
    if action == 'logout':
        return redirect(target, [('Set-Cookie', '%s=; Path=/; Max-Age=0'
                                  % LOGIN_COOKIE)])
    email = (values.get('email') or [''])[0].strip()
    if action == 'login':
        if not _EMAIL.match(email):
            return text('400 Bad Request', 'Give an e-mail address '
                        '(email=someone@example.com).\n')
        admin = (values.get('admin') or [''])[0].lower() in ('true', 'on')
        return redirect(target, [('Set-Cookie', _cookie(
            email, 'True' if admin else 'False'))])
    current = user_from_cookie(environ)
    page = (u'<!DOCTYPE html><html><head><title>Dev sign-in</title>'
            u'</head><body><h1>Local sign-in (users stub)</h1>'
            u'<p>Not a real sign-in: any e-mail address, no password.</p>'
            u'<form method="get" action="%s">'
            u'<input type="hidden" name="continue" value=%s>'
            u'<label>E-mail <input name="email" value=%s></label> '
            u'<label><input type="checkbox" name="admin" value="True"%s> '
            u'Sign in as Administrator</label> '
            u'<button type="submit" name="action" value="Login">'
            u'Log In</button> '
            u'<button type="submit" name="action" value="Logout">'
            u'Log Out</button></form></body></html>') % (
                LOGIN_PATH, quoteattr(raw_target or '/'),
                quoteattr(current[0] if current else 'test@example.com'),
                u' checked' if current and current[1] else u'')
    return ('200 OK', [('Content-Type', 'text/html; charset=utf-8')],
            page.encode('utf-8'))
