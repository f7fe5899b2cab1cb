# -*- coding: utf-8 -*-
"""Provider config for local runs: ``/admin/...``, admins only (app.yaml).

``POST /admin/config`` with a JSON body (``Content-Type: application/json``,
which a cross-site form cannot send)::

    {"via": "ndb",
     "entries": [{"provider_name": "local", "provider_id": 1,
                  "class_": "authomatic_extras.testing.providers.LocalOAuth2",
                  "consumer_key": "...", "consumer_secret": "...",
                  "scope": "openid, profile, email",
                  "provider_url": "http://127.0.0.1:8765"}]}

stores one ``NDBConfig`` entity per entry, keyed by its ``provider_name``:

* ``"via": "ndb"``: ``NDBConfig(...).put()``, as an app's own code would
  (NDB's hooks tell the config cache at once);
* ``"via": "datastore"``: a raw ``google.appengine.api.datastore.Put``,
  which bypasses NDB and its hooks like the Datastore Viewer does (the
  config cache sees it within its staleness bound).

``GET /admin/runtime`` answers JSON naming the interpreter and where
``authomatic_extras``, ``authomatic``, ``six`` and ``openid`` were imported
from, with the webapp2 and WebOb versions: proof of what a vendored ``lib/``
provides.

Python 2.7 compatible.
"""
from __future__ import absolute_import

import json
import sys

import six
import webapp2
from google.appengine.api import datastore

from authomatic_extras.gae import NDBConfig

#: Property names an entry may set: NDBConfig's own, plus provider keys
#: stored as dynamic (Expando) properties.
FIELDS = frozenset([
    'provider_name', 'class_', 'provider_id', 'consumer_key',
    'consumer_secret', 'scope', 'offline', 'identifier_param',
    'provider_url', 'timeout', 'fetch_user_info', 'pkce'])


def _answer(handler, status, data):
    handler.response.status_int = status
    handler.response.content_type = 'application/json'
    handler.response.write(json.dumps(data))


class Config(webapp2.RequestHandler):
    def post(self):
        if self.request.content_type != 'application/json':
            return _answer(self, 415, {'error': 'send application/json'})
        try:
            data = json.loads(self.request.body)
            entries = data['entries']
            via = data.get('via', 'ndb')
            if via not in ('ndb', 'datastore'):
                raise ValueError('via must be "ndb" or "datastore"')
            for entry in entries:
                unknown = set(entry) - FIELDS
                if unknown or not entry.get('provider_name'):
                    raise ValueError('each entry needs a provider_name and '
                                     'only these keys: %s'
                                     % ', '.join(sorted(FIELDS)))
        except (ValueError, KeyError, TypeError) as error:
            return _answer(self, 400, {'error': u'%s' % (error,)})
        for entry in entries:
            name = entry['provider_name']
            if via == 'ndb':
                NDBConfig(id=name, **dict(
                    (str(key), value) for key, value in entry.items())).put()
            else:
                entity = datastore.Entity('NDBConfig', name=name)
                entity.update(entry)
                datastore.Put(entity)
        _answer(self, 200, {'stored': sorted(e['provider_name']
                                             for e in entries), 'via': via})


class Runtime(webapp2.RequestHandler):
    def get(self):
        import authomatic
        import authomatic_extras
        import openid
        import webob

        _answer(self, 200, {
            'python': '%d.%d.%d' % sys.version_info[:3],
            'files': dict((module.__name__, module.__file__) for module in (
                authomatic_extras, authomatic, six, openid)),
            'webapp2': webapp2.__version__,
            'webob': getattr(webob, '__version__', None),
        })


app = webapp2.WSGIApplication([
    webapp2.Route('/admin/config', Config),
    webapp2.Route('/admin/runtime', Runtime),
])
