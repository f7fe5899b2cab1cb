# -*- coding: utf-8 -*-
"""A gen-1 app that uses the App Engine extras the way upstream's docs and
examples do; only the import lines differ from code written for
``authomatic.extras.gae``:

* ``from authomatic.extras import gae`` is
  ``from authomatic_extras import gae``;
* ``from authomatic.extras.gae.openid import NDBOpenIDStore`` is
  ``from authomatic_extras.gae.openid import NDBOpenIDStore``;
* ``from authomatic.providers import gaeopenid`` is
  ``from authomatic_extras.gae import gaeopenid``.

What it serves:

* ``/login/<name>``: providers from the datastore,
  ``Authomatic(config=gae.ndb_config(), ...)`` created at import time as in
  upstream's example (so the ``NDBConfig`` kind must hold an entity first);
* ``/dict/login/<name>``: a config dict as in upstream's ``config.py``, with
  ``'store': NDBOpenIDStore`` (the class) for OpenID and ``GAEOpenID``;
* every login uses ``gae.Webapp2Session(self, secret=...)``,
  ``Webapp2Adapter(self)`` and ``session_saver=session.save``.

``admin.py`` (``/admin/...``, admins only) stores provider config for local
runs. Python 2.7 compatible: dev_appserver.py runs it on the python27
runtime, ``python -m authomatic_extras.gae.devserver`` on Python 3.
"""
from __future__ import absolute_import

import os
from xml.sax.saxutils import escape

import webapp2
from authomatic import Authomatic
from authomatic.adapters import Webapp2Adapter
from authomatic.providers import openid

from authomatic_extras import gae
from authomatic_extras.gae import gaeopenid
from authomatic_extras.gae.openid import NDBOpenIDStore

SECRET = os.environ['AUTHOMATIC_SECRET']

# The providers stored as NDBConfig entities.
authomatic = Authomatic(config=gae.ndb_config(), secret=SECRET,
                        report_errors=False)

# A hard-coded config, as upstream's config.py.
CONFIG = {
    'oi': {
        # OpenID with the datastore as python-openid's store.
        'class_': openid.OpenID,
        'store': NDBOpenIDStore,
    },
    'gae_oi': {
        # The App Engine users API.
        'class_': gaeopenid.GAEOpenID,
    },
}

dict_authomatic = Authomatic(config=CONFIG, secret=SECRET,
                             report_errors=False)


class Login(webapp2.RequestHandler):
    """Logs in with the provider named in the URL (GET and POST)."""

    config_authomatic = authomatic

    def any(self, provider_name):
        session = gae.Webapp2Session(self, secret=SECRET)
        result = self.config_authomatic.login(Webapp2Adapter(self),
                                              provider_name,
                                              session=session,
                                              session_saver=session.save)
        if not result:
            return  # The response redirects to the provider.
        self.response.write('<a href="/">Home</a>')
        if result.error:
            self.response.write(u'<h2>Damn that error: {0}</h2>'.format(
                escape(u'%s' % (result.error.message,))))
        elif result.user:
            result.user.update()
            self.response.write(u'<h1>Hi {0}</h1>'.format(
                escape(u'%s' % (result.user.name,))))
            self.response.write(u'<h2>Your id is: {0}</h2>'.format(
                escape(u'%s' % (result.user.id,))))
            self.response.write(u'<h2>Your email is: {0}</h2>'.format(
                escape(u'%s' % (result.user.email,))))


class DictLogin(Login):
    """The same with the hard-coded config."""

    config_authomatic = dict_authomatic


class Home(webapp2.RequestHandler):
    def get(self):
        names = [entry['provider_name'] for entry in gae.NDBConfig.values()]
        for name in sorted(names):
            self.response.write(u'Login with <a href="/login/{0}">{0}</a>.'
                                u'<br />'.format(escape(name)))
        for name in sorted(CONFIG):
            self.response.write(
                u'<form action="/dict/login/{0}"><input type="text" '
                u'name="id" /><input type="submit" value="Log in with {0}">'
                u'</form>'.format(escape(name)))


ROUTES = [webapp2.Route(r'/login/<:.*>', Login, handler_method='any'),
          webapp2.Route(r'/dict/login/<:.*>', DictLogin, handler_method='any'),
          webapp2.Route(r'/', Home)]

app = webapp2.WSGIApplication(ROUTES)
