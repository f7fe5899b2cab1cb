# -*- coding: utf-8 -*-
"""Helpers of the Python 2.7 job: the login app, a login driver, providers.

The local providers run as Python 3 servers started by
``tools/py27_testenv.py``, which passes their addresses in
``$AUTHOMATIC_EXTRAS_PY27_PROVIDERS`` (JSON). The app runs in this process
through WebTest (host ``localhost``); the provider side goes over real HTTP.
"""
from __future__ import absolute_import

import json
import os

import pytest
import six
import webapp2
import webtest
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter
from six.moves import http_client, html_parser
from six.moves.urllib.parse import urlencode, urljoin, urlsplit

from authomatic_extras.gae import Webapp2Session, ndb_config

SECRET = 'py27-test-secret-0123456789abcdef'
PROVIDERS_ENV = 'AUTHOMATIC_EXTRAS_PY27_PROVIDERS'
CONSENT_HEADER = 'X-Authomatic-Extras-Consent'
REDIRECTS = (301, 302, 303, 307, 308)


def providers():
    """The local providers' addresses; skips (or fails in CI) without."""
    raw = os.environ.get(PROVIDERS_ENV)
    if not raw:
        message = ('%s is not set: run this job with `python3 '
                   'tools/py27_testenv.py` from a Python 3 with '
                   'authomatic-extras[testing] installed, which starts the '
                   'local providers.' % PROVIDERS_ENV)
        if os.environ.get('AUTHOMATIC_EXTRAS_REQUIRE_SERVICES') == '1':
            pytest.fail(message)
        pytest.skip(message)
    return json.loads(raw)


def login_app(session_kwargs=None, events=None, rotate=False, config=None):
    """A webapp2 app as upstream's docs write one, on this package:
    ``Authomatic(config=ndb_config(), ...)``, ``Webapp2Session``,
    ``Webapp2Adapter`` and ``session_saver=session.save``.

    ``/login/<name>`` answers ``ok <user id> <name> <email>`` or
    ``error <message>``; ``/whoami`` the stored user. ``config``: a dict
    config instead of ``ndb_config()``.
    """
    kwargs = dict(session_kwargs or {})

    class Login(webapp2.RequestHandler):
        def any(self, name):
            authomatic = Authomatic(config=config or ndb_config(),
                                    secret=SECRET,
                                    report_errors=True)
            session = Webapp2Session(self, secret=SECRET, **kwargs)
            result = authomatic.login(Webapp2Adapter(self), name,
                                      session=session,
                                      session_saver=session.save)
            if events is not None:
                events.append(result)
            if not result:
                return
            if result.error:
                self.response.write(u'error %s' % result.error.message)
                return
            if result.user.name is None:
                result.user.update()
            if rotate:
                session.rotate()
            session['user'] = result.user.id
            session.save()
            self.response.write(u'ok %s %s %s' % (
                result.user.id, result.user.name, result.user.email))

        get = post = any

    class WhoAmI(webapp2.RequestHandler):
        def get(self):
            session = Webapp2Session(self, secret=SECRET, **kwargs)
            self.response.write(u'%s' % session.get('user'))

    return webtest.TestApp(webapp2.WSGIApplication([
        webapp2.Route('/login/<name>', Login),
        webapp2.Route('/whoami', WhoAmI)]))


class _FormParser(html_parser.HTMLParser):
    """The first form of a page: its action and its input fields."""

    def __init__(self):
        html_parser.HTMLParser.__init__(self)
        self.action = None
        self.fields = []
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form' and self.action is None:
            self.action = attrs.get('action', '')
            self.in_form = True
        elif tag == 'input' and self.in_form and attrs.get('name'):
            self.fields.append((attrs['name'], attrs.get('value', '')))

    def handle_endtag(self, tag):
        if tag == 'form':
            self.in_form = False


def _form(body):
    text = body.decode('utf-8', 'replace') if isinstance(
        body, six.binary_type) else body
    if '<form' not in text.lower():
        return None
    parser = _FormParser()
    parser.feed(text)
    if parser.action is None:
        return None
    return parser.action, parser.fields


class Hop(object):
    def __init__(self, method, url, status, app):
        self.method, self.url, self.status, self.app = method, url, status, app


def _http(method, url, data):
    parts = urlsplit(url)
    connection = http_client.HTTPConnection(parts.hostname, parts.port,
                                            timeout=30)
    target = parts.path + ('?' + parts.query if parts.query else '')
    body = urlencode(data) if data is not None else None
    headers = {'Content-Type': 'application/x-www-form-urlencoded'} \
        if body is not None else {}
    connection.request(method, target, body, headers)
    response = connection.getresponse()
    result = (response.status, dict((k.lower(), v) for k, v in
                                    response.getheaders()), response.read())
    connection.close()
    return result


def drive(app, path, new_request, username='alice', decision='allow',
          max_hops=12):
    """Completes a login as a browser would: follows redirects across hosts,
    answers the local provider's consent page and posts auto-submitting
    forms. Returns ``(final WebTest response or (status, headers, body),
    hops)``."""
    url, method, data = 'http://localhost' + path, 'GET', None
    hops = []
    for _ in range(max_hops):
        parts = urlsplit(url)
        if parts.hostname == 'localhost':
            new_request()
            target = parts.path + ('?' + parts.query if parts.query else '')
            if method == 'POST':
                response = app.post(target, data or {}, expect_errors=True)
            else:
                response = app.get(target, expect_errors=True)
            status, headers, body = (response.status_int,
                                     dict((k.lower(), v) for k, v in
                                          response.headers.items()),
                                     response.body)
            final = response
        else:
            status, headers, body = _http(method, url, data)
            final = (status, headers, body)
        hops.append(Hop(method, url, status, parts.hostname == 'localhost'))
        if status in REDIRECTS:
            url, method, data = urljoin(url, headers['location']), 'GET', None
            continue
        if CONSENT_HEADER.lower() in headers:
            method, data = 'POST', {'username': username,
                                    'decision': decision}
            continue
        form = _form(body) if status == 200 else None
        if form is not None:   # an auto-submitting form (OpenID)
            action, fields = form
            url, method, data = urljoin(url, action), 'POST', dict(fields)
            continue
        return final, hops
    raise AssertionError('the login did not end in %d hops' % max_hops)
