# -*- coding: utf-8 -*-
"""|gae| first-generation extras: the successor of ``authomatic.extras.gae``.

Same public names as upstream:

* :class:`GAEError`
* :class:`Webapp2Session` -- webapp2 sessions (``securecookie``,
  ``memcache``, ``datastore``) as an authomatic session, with safe cookie
  defaults; :meth:`Webapp2Session.rotate` and :func:`rotate_webapp2_session`
  give a session a new id on login (session-fixation defence).
* :class:`NDBConfig` and :func:`ndb_config` -- a datastore config, served
  warm with no datastore RPC, never more than ten seconds stale.
* :class:`NDBOpenIDStore` (also at ``authomatic_extras.gae.openid``) -- an
  OpenID store on NDB (the class or an instance); importing this package
  works without the OpenID library.
* :class:`GAEOpenID` (also at ``authomatic_extras.gae.gaeopenid`` with
  ``Yahoo`` and ``Google``) -- the users-API login provider.

The local dev server for ``app.yaml`` is
``python -m authomatic_extras.gae.devserver``.

This package is imported by gen-1 App Engine apps: keep it Python 2.7
compatible.
"""
from __future__ import absolute_import

from authomatic_extras.gae.config import NDBConfig, ndb_config
from authomatic_extras.gae.errors import GAEError
from authomatic_extras.gae.gaeopenid import GAEOpenID
from authomatic_extras.gae.openid import NDBOpenIDStore
from authomatic_extras.gae.session import (Webapp2Session,
                                            rotate_webapp2_session)

__all__ = ['GAEError', 'Webapp2Session', 'NDBConfig', 'ndb_config',
           'NDBOpenIDStore', 'GAEOpenID', 'rotate_webapp2_session']
