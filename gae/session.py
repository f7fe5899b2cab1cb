# -*- coding: utf-8 -*-
"""A :class:`~authomatic_extras.interfaces.BaseSession` on webapp2 sessions.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
from __future__ import absolute_import

from webapp2_extras import json as webapp2_json
from webapp2_extras import sessions

from authomatic_extras.gae.errors import GAEError
from authomatic_extras.interfaces import BaseSession

__all__ = ['Webapp2Session', 'BACKENDS']

#: The webapp2 session backends this wrapper supports (all of webapp2's own).
BACKENDS = ('securecookie', 'memcache', 'datastore')

#: Backends that pickle the session data and so hold any picklable value,
#: such as the ``OpenIDServiceEndpoint`` python3-openid puts in the session.
PICKLING_BACKENDS = ('memcache', 'datastore')


class Webapp2Session(BaseSession):
    """A wrapper of a webapp2 session with the :meth:`save` authomatic wants.

    If you give a ``session`` (a :class:`webapp2_extras.sessions.SessionDict`)
    it is wrapped; otherwise a new one is created, for which ``secret`` is
    required.

    The ``'securecookie'`` backend stores the data as JSON in a signed cookie.
    The OpenID provider (python3-openid) puts a non-JSON object in the
    session, so with that backend :meth:`__setitem__` raises
    :class:`~authomatic_extras.gae.GAEError` naming the backends to use
    (``'memcache'`` or ``'datastore'``, which pickle and hold any value).
    """

    def __init__(self, handler, session=None, secret=None,
                 cookie_name='webapp2authomatic', backend='memcache',
                 config=None):
        """
        :param handler: A :class:`webapp2.RequestHandler` instance.
        :param session: A :class:`webapp2_extras.sessions.SessionDict`.
        :param str secret: The session secret (required without ``session``).
        :param str cookie_name: The name of the session cookie.
        :param str backend: ``'memcache'`` (default), ``'datastore'`` or
            ``'securecookie'``.
        :param dict config: webapp2 session config; overrides ``secret`` and
            ``cookie_name``.
        :raises GAEError: neither ``session`` nor ``secret`` given, or an
            unknown backend.
        """
        self.handler = handler

        if session is None:
            if not secret and not (config and config.get('secret_key')):
                raise GAEError('Either session or secret must be specified!')
            if backend not in BACKENDS:
                raise GAEError(
                    'Unknown webapp2 session backend {0!r}; use one of '
                    '{1}.'.format(backend, ', '.join(BACKENDS)))
            cfg = config or dict(secret_key=secret, cookie_name=cookie_name)
            self.session_store = sessions.SessionStore(handler.request, cfg)
            self.session_dict = self.session_store.get_session(
                name=cfg.get('cookie_name', cookie_name), backend=backend)
            self.backend = backend
        else:
            self.session_store = None
            self.session_dict = session
            self.backend = _backend_of(session)

    def save(self):
        """Saves the data and sets the cookie on the handler's response."""
        container = getattr(self.session_dict, 'container', None)
        if container is not None:
            return container.save_session(self.handler.response)

    def __setitem__(self, key, value):
        if self.backend == 'securecookie':
            try:
                webapp2_json.encode(value)
            except (TypeError, ValueError):
                raise GAEError(
                    'The {0!r} webapp2 session backend stores only JSON, '
                    'but the value for session key {1!r} is a {2} (the '
                    'OpenID provider stores such objects). Use '
                    'Webapp2Session(..., backend=\'memcache\') or '
                    'backend=\'datastore\'.'.format(
                        self.backend, key, type(value).__name__))
        return self.session_dict.__setitem__(key, value)

    def __getitem__(self, key):
        return self.session_dict.__getitem__(key)

    def __delitem__(self, key):
        return self.session_dict.__delitem__(key)

    def __contains__(self, key):
        return key in self.session_dict

    def get(self, key, default=None):
        return self.session_dict.get(key, default)


def _backend_of(session):
    """The backend keyword of a webapp2 session dict, or ``None``."""
    container = getattr(session, 'container', None)
    if container is None:
        return None
    names = [klass.__name__ for klass in type(container).__mro__]
    if 'SecureCookieSessionFactory' in names:
        return 'securecookie'
    if 'DatastoreSessionFactory' in names:
        return 'datastore'
    if 'MemcacheSessionFactory' in names:
        return 'memcache'
    return None
