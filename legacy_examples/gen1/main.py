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

Served by the top-level ``app.yaml``: on Python 3 with
``python -m authomatic_extras.gae.devserver app.yaml``; on the ``python27``
runtime (and Google's ``dev_appserver.py``) with the package and its
dependencies vendored into ``lib/`` (see docs/gae.md).

After a login the session gets a new id (against session fixation) and the
browser is sent to ``/``, so reloading the page does not replay the callback.

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


#: Shown when no provider is configured yet (only the "Example" entity).
NO_PROVIDERS = (
    u'<p class="hint">No login provider is configured yet: add one '
    u'<code>NDBConfig</code> entity per provider (the "Example" entity shows '
    u'the fields). On the Python 3 dev server, start it with '
    u'<code>--seed FILE</code>, or sign in as an administrator and open '
    u'<code>/_ah/admin/config</code> (docs/gae.md, "From a checkout to a '
    u'local gen-1 login"); on Google\'s dev_appserver.py, use its admin '
    u'console\'s Datastore Viewer (docs/gae.md, "Google\'s '
    u'dev_appserver.py").</p>')


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
            who = (u'<p class="user">Logged in as {0} ({1})</p>'
                   u'<p class="user-id">id: {2}</p>'
                   u'<p><a href="/logout">Log out</a></p>').format(
                       escape(user.get('name') or u''),
                       escape(user.get('email') or u''),
                       escape(user.get('id') or u''))
        else:
            who = u''
        names = [name for name in sorted(config.keys()) if name.isalnum()]
        if not names:
            return page(self, 'Authomatic gen-1 example', who + NO_PROVIDERS)
        links = u''.join(login_link(name, config.get(name)) for name in names)
        page(self, 'Authomatic gen-1 example',
             who + u'<p>Log in with:</p><ul>%s</ul>' % links)


def login_link(name, entry):
    """A list item that starts the login with provider ``name``: a link, or
    for an OpenID provider a form asking for the identifier."""
    class_ = entry.get('class_')
    class_name = getattr(class_, '__name__', None) or u'%s' % (class_,)
    if class_name.endswith('OpenID'):
        field = entry.get('identifier_param') or 'id'
        return (u'<li><form action="/login/%s"><label>%s <input name="%s" '
                u'placeholder="OpenID identifier"></label> <button '
                u'type="submit">Log in</button></form></li>') % (
                    escape(name), escape(name), escape(field, {'"': '&quot;'}))
    return u'<li><a href="/login/%s">%s</a></li>' % (escape(name),
                                                     escape(name))


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
        # A new session id before the user goes in: a session id planted in
        # the browser before the login (session fixation) finds nothing.
        session.rotate()
        session['user'] = {'name': user.name, 'email': user.email,
                           'id': u'%s' % (user.id,)}
        session.save()
        # Leave the callback URL, so a reload does not run the callback again.
        self.redirect('/')

    # An OpenID provider may answer with a form POSTed back to the callback.
    post = get


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
