# -*- coding: utf-8 -*-
"""Gen-1 App Engine example: webapp2, ``Webapp2Session`` and ``ndb_config()``.

The providers come from the datastore (kind ``NDBConfig``): the first visit
creates the "Example" entity and asks you to fill in a real one, e.g. for the
local OAuth 2.0 provider of ``authomatic_extras.testing``::

    provider_name = 'local'
    class_ = 'authomatic_extras.testing.providers.LocalOAuth2'
    consumer_key / consumer_secret = the local server's client
    provider_id = 1, scope = 'openid, profile, email'
    provider_url = 'http://127.0.0.1:PORT'   (a dynamic property)

Served by the top-level ``app.yaml``; run it with
``python -m authomatic_extras.gae.devserver app.yaml``.

Python 2.7 compatible (the python27 runtime runs it).
"""
from __future__ import absolute_import

import logging
import os
from xml.sax.saxutils import escape

import webapp2
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter
from authomatic.exceptions import CancellationError

from authomatic_extras.gae import GAEError, NDBConfig, Webapp2Session, \
    ndb_config


PAGE = (u'<!DOCTYPE html><html><head><meta charset="utf-8">'
        u'<title>{title}</title>'
        u'<link rel="stylesheet" href="/static/style.css"></head>'
        u'<body><h1>{title}</h1>{body}</body></html>')


def page(handler, title, body, status=200):
    handler.response.status_int = status
    handler.response.content_type = 'text/html'
    handler.response.charset = 'utf-8'
    handler.response.write(PAGE.format(title=escape(title), body=body))


def secret():
    """The session/state secret from app.yaml's env_variables (not logged)."""
    value = os.environ.get('AUTHOMATIC_SECRET', '')
    if len(value) < 16:
        raise GAEError('Set AUTHOMATIC_SECRET (16+ characters) in app.yaml\'s '
                       'env_variables.')
    return value


def set_up(handler):
    """``(config, secret)``, or ``(None, None)`` after answering 503 with what
    to set up (the "Example" NDBConfig entity, AUTHOMATIC_SECRET)."""
    try:
        return ndb_config(), secret()
    except GAEError as error:
        page(handler, 'Set up needed', u'<p>%s</p>' % escape(str(error)),
             status=503)
        return None, None


def user_session(handler, key):
    """The visitor's session: login state while a login runs, then the user."""
    return Webapp2Session(handler, secret=key, backend='memcache')


class Home(webapp2.RequestHandler):
    def get(self):
        config, key = set_up(self)
        if config is None:
            return
        user = user_session(self, key).get('user')
        if user:
            who = (u'<p class="user">Logged in as {0} ({1}) '
                   u'<a href="/logout">Log out</a></p>').format(
                       escape(user.get('name') or u''),
                       escape(user.get('email') or u''))
        else:
            who = u''
        links = u''.join(
            u'<li><a href="/login/%s">%s</a></li>' % (escape(name),
                                                      escape(name))
            for name in sorted(config.keys()) if name.isalnum())
        if not links:
            links = (u'<li class="hint">No provider yet: replace the "Example" '
                     u'NDBConfig entity (locally: the dev server\'s --seed FILE, '
                     u'or /_ah/admin/config as an administrator).</li>')
        page(self, 'Authomatic gen-1 example',
             who + u'<p>Log in with:</p><ul>%s</ul>' % links)


class Login(webapp2.RequestHandler):
    def get(self, provider_name):
        config, key = set_up(self)
        if config is None:
            return
        if config.get(provider_name) is None:
            return page(self, 'Unknown provider', u'<p>No provider named '
                        u'%s.</p>' % escape(provider_name), status=404)

        session = user_session(self, key)
        authomatic = Authomatic(config=config, secret=key,
                                report_errors=True)
        result = authomatic.login(Webapp2Adapter(self), provider_name,
                                  session=session,
                                  session_saver=session.save)
        if not result:
            return  # A redirect to the provider was set on the response.
        if result.error:
            logging.warning('Login with %s failed: %s', provider_name,
                            type(result.error).__name__)
            if isinstance(result.error, CancellationError):
                # Its message may carry the provider's request token: not shown.
                detail = (u'You chose Deny at the provider, so nothing was '
                          u'shared with this app.')
            else:
                detail = u'%s: %s' % (escape(type(result.error).__name__),
                                      escape(u'%s' % (result.error,)))
            return page(self, 'Login failed', u'<p>%s</p><p><a href="/">Back'
                        u'</a></p>' % detail, status=401)
        user = result.user
        session['user'] = {'name': user.name, 'email': user.email,
                           'id': u'%s' % (user.id,)}
        session.save()
        page(self, 'Logged in', u'<p class="user">Hello {0} ({1})</p>'
             u'<p>id: {2}</p><p><a href="/">Home</a> '
             u'<a href="/logout">Log out</a></p>'.format(
                 escape(user.name or u''), escape(user.email or u''),
                 escape(u'%s' % (user.id,))))


class Logout(webapp2.RequestHandler):
    def get(self):
        session = user_session(self, secret())
        if session.get('user') is not None:
            del session['user']
            session.save()
        self.redirect('/')


app = webapp2.WSGIApplication([
    webapp2.Route('/', Home),
    webapp2.Route('/login/<provider_name>', Login),
    webapp2.Route('/logout', Logout),
])

__all__ = ['app', 'NDBConfig']
