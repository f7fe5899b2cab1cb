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


class Home(webapp2.RequestHandler):
    def get(self):
        try:
            config = ndb_config()
        except GAEError as error:
            return page(self, 'Set up needed', u'<p>%s</p>' % escape(
                str(error)), status=503)
        links = u''.join(
            u'<li><a href="/login/%s">%s</a></li>' % (escape(name),
                                                      escape(name))
            for name in sorted(config.keys()) if name.isalnum())
        page(self, 'Authomatic gen-1 example',
             u'<p>Log in with:</p><ul>%s</ul>' % links)


class Login(webapp2.RequestHandler):
    def get(self, provider_name):
        try:
            config = ndb_config()
            key = secret()
        except GAEError as error:
            return page(self, 'Set up needed', u'<p>%s</p>' % escape(
                str(error)), status=503)
        if config.get(provider_name) is None:
            return page(self, 'Unknown provider', u'<p>No provider named '
                        u'%s.</p>' % escape(provider_name), status=404)

        session = Webapp2Session(self, secret=key, backend='memcache')
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
            return page(self, 'Login failed', u'<p>%s: %s</p>' % (
                escape(type(result.error).__name__),
                escape(u'%s' % (result.error,))), status=401)
        user = result.user
        page(self, 'Logged in', u'<p class="user">Hello {0} ({1})</p>'
             u'<p>id: {2}</p>'.format(escape(user.name or u''),
                                     escape(user.email or u''),
                                     escape(u'%s' % (user.id,))))


app = webapp2.WSGIApplication([
    webapp2.Route('/', Home),
    webapp2.Route('/login/<provider_name>', Login),
])

__all__ = ['app', 'NDBConfig']
