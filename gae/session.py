# -*- coding: utf-8 -*-
"""A :class:`~authomatic_extras.interfaces.BaseSession` on webapp2 sessions.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
from __future__ import absolute_import

import base64
import binascii
import json

import six
from authomatic import core
from six.moves.urllib.parse import parse_qs, urlsplit
from webapp2_extras import json as webapp2_json
from webapp2_extras import sessions

from authomatic_extras.gae.errors import GAEError
from authomatic_extras.interfaces import BaseSession

__all__ = ['Webapp2Session', 'rotate_webapp2_session', 'BACKENDS',
           'DEFAULT_SESSION_MAX_AGE']

#: The webapp2 session backends this wrapper supports (all of webapp2's own).
BACKENDS = ('securecookie', 'memcache', 'datastore')

#: Backends that pickle the session data and so hold any picklable value,
#: such as the ``OpenIDServiceEndpoint`` python3-openid puts in the session.
PICKLING_BACKENDS = ('memcache', 'datastore')

#: Default ``session_max_age``: a session cookie last written more than this
#: many seconds ago is refused by the server (one day).
DEFAULT_SESSION_MAX_AGE = 24 * 3600

#: webapp2's default cookie name, which upstream used with ``config=``.
WEBAPP2_COOKIE_NAME = 'session'

_SAMESITE = ('Lax', 'Strict', 'None')

#: Login-state key (``<prefix>:<provider>:oauth1_request_token``) under which
#: an OAuth 1.0a flow's request token is kept, to match its callback.
REQUEST_TOKEN_KEY = 'oauth1_request_token'



class Webapp2Session(BaseSession, core.Session):
    """A wrapper of a webapp2 session with the :meth:`save` authomatic wants.

    If you give a ``session`` (a :class:`webapp2_extras.sessions.SessionDict`)
    it is wrapped; otherwise a new one is created, for which ``secret`` is
    required.

    Sessions it creates get safe cookies: ``HttpOnly``, ``SameSite=Lax``,
    ``Secure`` on request, and a server-side expiry (``session_max_age``:
    webapp2 refuses a cookie signed longer ago).

    When a login ends (success or failure) the authomatic core calls
    :meth:`delete`, which removes the state of the flow the request matches
    (its ``authomatic:<provider>:`` keys) and saves, so a reloaded callback
    finds no state and fails with the core's ``Unable to retrieve stored
    state!`` (OAuth 2.0) or ``Unable to retrieve token secret from
    storage!`` (OAuth 1.0a) before the provider is contacted. Other data in
    the session, and other pending logins, stay.

    After a successful login call :meth:`rotate` (a new session id, same
    data) before you store the user in the session: a session id planted in
    the browser before the login is then worthless.

    The ``'securecookie'`` backend stores the data as JSON in a signed cookie.
    The OpenID provider (python3-openid) puts a non-JSON object in the
    session, so with that backend :meth:`__setitem__` raises
    :class:`~authomatic_extras.gae.GAEError` naming the backends to use
    (``'memcache'`` or ``'datastore'``, which pickle and hold any value).
    """

    #: The core's session key prefix (``Authomatic(prefix=...)``): keys
    #: ``<prefix>:<provider>:<key>`` are login state.
    login_state_prefix = 'authomatic'

    def __init__(self, handler, session=None, secret=None,
                 cookie_name='webapp2authomatic', backend='memcache',
                 config=None, httponly=True, samesite='Lax', secure=False,
                 session_max_age=DEFAULT_SESSION_MAX_AGE):
        """
        :param handler: A :class:`webapp2.RequestHandler` instance.
        :param session: A :class:`webapp2_extras.sessions.SessionDict` to
            wrap (its store's config decides its cookie; only ``samesite``
            is added when :meth:`save` writes the cookie).
        :param str secret: The session secret (required without ``session``,
            unless ``config`` has a ``secret_key``).
        :param str cookie_name: The name of the session cookie.
        :param str backend: ``'memcache'`` (default), ``'datastore'`` or
            ``'securecookie'``.
        :param dict config: webapp2 session config (``secret_key``,
            ``cookie_name``, ``session_max_age``, ``cookie_args``); what it
            sets wins over the other arguments. Without a ``cookie_name`` in
            it the cookie is named ``session``, webapp2's default, as
            upstream named it.
        :param bool httponly: ``HttpOnly`` cookie (default ``True``).
        :param str samesite: ``'Lax'`` (default), ``'Strict'``, ``'None'``
            (needs ``secure=True``) or ``None`` for no attribute.
        :param bool secure: ``Secure`` cookie, sent over HTTPS only
            (default ``False``; set it on an https-only app).
        :param int session_max_age: Seconds after which the server refuses a
            session cookie it signed (default one day); ``None`` for no limit.
        :raises GAEError: neither ``session`` nor ``secret`` given, an
            unknown backend or a bad ``samesite``.
        """
        self.handler = handler
        if samesite is not None and samesite not in _SAMESITE:
            raise GAEError('samesite must be one of {0} or None, not '
                           '{1!r}.'.format(', '.join(_SAMESITE), samesite))
        if samesite == 'None' and not secure:
            raise GAEError("samesite='None' needs secure=True (browsers "
                           "drop such cookies without Secure).")
        self.samesite = samesite
        self._written = set()

        if session is None:
            if not secret and not (config and config.get('secret_key')):
                raise GAEError('Either session or secret must be specified!')
            if backend not in BACKENDS:
                raise GAEError(
                    'Unknown webapp2 session backend {0!r}; use one of '
                    '{1}.'.format(backend, ', '.join(BACKENDS)))
            cfg = _session_config(secret, cookie_name, config, httponly,
                                  secure, session_max_age)
            self.cookie_name = cfg['cookie_name']
            self.session_store = sessions.SessionStore(handler.request, cfg)
            self.session_dict = self.session_store.get_session(
                name=self.cookie_name, backend=backend)
            self.backend = backend
        else:
            self.session_store = None
            self.session_dict = session
            self.backend = _backend_of(session)
            self.cookie_name = getattr(getattr(session, 'container', None),
                                       'name', None)

    def save(self):
        """Saves the data and sets the cookie on the handler's response."""
        container = getattr(self.session_dict, 'container', None)
        if container is None:
            return None
        self._remember_request_tokens()
        result = container.save_session(self.handler.response)
        if self.cookie_name:
            _tidy_cookie(self.handler.response, self.cookie_name,
                         self.samesite)
        return result

    def rotate(self):
        """Gives the session a new identity, keeping its data, and saves.

        Call it when a login succeeds, before storing the user: the session
        id a browser had before the login (perhaps planted by an attacker)
        then no longer finds the session. See :func:`rotate_webapp2_session`.
        """
        rotate_webapp2_session(self.session_dict)
        self.save()

    def delete(self):
        """Removes the state of the login this request ends, and saves.

        The authomatic core calls this when a login ends (it treats this
        session like its own cookie session). Removed: the
        ``<login_state_prefix>:<provider>:`` keys of the flow the request
        matches: its ``state`` parameter carries the flow's stored OAuth 2.0
        ``csrf``, or its ``oauth_token`` / ``denied`` parameter the flow's
        OAuth 1.0a request token (recorded by :meth:`save` at step one).
        Nothing else: a forged ``?error=access_denied&state=x`` or
        ``?denied=x`` removes no one's login. python-openid removes its own
        keys when it completes a login; they go when the session is next
        saved.
        """
        prefixes = self._flows_matching_request()
        stale = [key for key in list(self.session_dict.keys())
                 if isinstance(key, six.string_types)
                 and key.startswith(tuple(prefixes))] if prefixes else []
        for key in stale:
            del self.session_dict[key]
        if stale:
            self.save()

    def _flows_matching_request(self):
        """Key prefixes (``'<prefix>:<provider>:'``) of the pending flows
        whose secret value the request carries."""
        request = getattr(self.handler, 'request', None)
        if request is None:
            return set()
        state = request.get('state')
        states = set([state, _csrf_in_state(state)]) if state else set()
        tokens = set([request.get('oauth_token'), request.get('denied')])
        wanted = {'csrf': states - set([None, '']),
                  REQUEST_TOKEN_KEY: tokens - set([None, ''])}
        found = set()
        for key in list(self.session_dict.keys()):
            parts = self._state_key(key)
            value = self.session_dict.get(key)
            if parts and parts[2] in wanted and \
                    isinstance(value, six.string_types) and \
                    value in wanted[parts[2]]:
                found.add(parts[0] + ':' + parts[1] + ':')
        return found

    def _state_key(self, key):
        """``[prefix, provider, name]`` of a login-state key, else None."""
        if not isinstance(key, six.string_types):
            return None
        parts = key.split(':')
        if len(parts) == 3 and parts[0] == self.login_state_prefix:
            return parts
        return None

    def _remember_request_tokens(self):
        """At OAuth 1.0a step one (a ``token_secret`` written and a redirect
        carrying ``oauth_token``), stores that request token beside the
        secret, so :meth:`delete` can tell which flow a callback ends."""
        if not self._written:
            return
        location = self.handler.response.headers.get('Location')
        if not location:
            return
        token = parse_qs(urlsplit(location).query).get('oauth_token')
        if not token:
            return
        for key in list(self._written):
            parts = self._state_key(key)
            if parts and parts[2] == 'token_secret':
                name = ':'.join(parts[:2] + [REQUEST_TOKEN_KEY])
                self.session_dict[name] = token[0]

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
        self._written.add(key)
        return self.session_dict.__setitem__(key, value)

    def __getitem__(self, key):
        return self.session_dict.__getitem__(key)

    def __delitem__(self, key):
        return self.session_dict.__delitem__(key)

    def __contains__(self, key):
        return key in self.session_dict

    def get(self, key, default=None):
        return self.session_dict.get(key, default)


def _csrf_in_state(state):
    """The ``csrf`` of the core's OAuth 2.0 ``state`` (base64 JSON), or
    ``None``."""
    try:
        padded = state + '=' * (-len(state) % 4)
        data = json.loads(base64.urlsafe_b64decode(
            padded.encode('ascii')).decode('utf-8'))
        return data.get('csrf') if isinstance(data, dict) else None
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        return None


def rotate_webapp2_session(session_dict):
    """Moves a webapp2 session to a new session id, keeping its data.

    The session-fixation defence for webapp2 sessions: call it when a login
    succeeds. For the ``memcache`` and ``datastore`` backends the data gets a
    new random id and the old id's data is deleted, so a cookie holding the
    old id finds an empty session. The ``securecookie`` backend has no
    server-side id (the cookie is the data): it is re-signed. The new cookie
    is set when the session is saved (:meth:`Webapp2Session.save`, or your
    ``SessionStore.save_sessions(response)``).

    :param session_dict: A :class:`webapp2_extras.sessions.SessionDict`.
    :raises GAEError: for an object that is not a webapp2 session.
    """
    container = getattr(session_dict, 'container', None)
    if container is None or not hasattr(session_dict, 'modified'):
        raise GAEError('rotate_webapp2_session() needs a webapp2 SessionDict, '
                       'not {0}.'.format(type(session_dict).__name__))
    if isinstance(container, sessions.CustomBackendSessionFactory):
        old_sid = container.sid
        container.sid = container._get_new_sid()
        if old_sid:
            _forget_sid(container, old_sid)
    session_dict.modified = True


def _forget_sid(container, sid):
    """Deletes the data stored under session id ``sid``."""
    from google.appengine.api import memcache
    from google.appengine.ext import ndb

    memcache.delete(sid)
    model = getattr(container, 'session_model', None)
    if model is not None:
        ndb.Key(model, sid).delete()


def _session_config(secret, cookie_name, config, httponly, secure,
                    session_max_age):
    """The webapp2 session config of a session this wrapper creates."""
    cookie_args = dict(sessions.default_config['cookie_args'])
    cookie_args.update(httponly=bool(httponly), secure=bool(secure))
    if config is None:
        return dict(secret_key=secret, cookie_name=cookie_name,
                    session_max_age=session_max_age, cookie_args=cookie_args)
    cfg = dict(config)
    cfg.setdefault('secret_key', secret)
    cfg.setdefault('cookie_name', WEBAPP2_COOKIE_NAME)
    cfg.setdefault('session_max_age', session_max_age)
    cookie_args.update(config.get('cookie_args') or {})
    cfg['cookie_args'] = cookie_args
    return cfg


def _tidy_cookie(response, name, samesite):
    """Keeps the last ``Set-Cookie`` of cookie ``name`` and adds SameSite.

    webob 1.2.3 (the python27 runtime's) has no ``samesite`` argument, so the
    attribute is appended to the header on both runtimes.
    """
    headers = response.headerlist
    prefix = name + '='
    ours = [i for i, (header, value) in enumerate(headers)
            if header.lower() == 'set-cookie' and value.startswith(prefix)]
    if not ours:
        return
    last = ours[-1]
    header, value = headers[last]
    if samesite and 'samesite=' not in value.lower():
        headers[last] = (header, value + '; SameSite=' + samesite)
    for i in reversed(ours[:-1]):
        del headers[i]


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
