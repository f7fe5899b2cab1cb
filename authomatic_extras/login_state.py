# -*- coding: utf-8 -*-
"""Login state kept signed and timestamped inside any session mapping.

Between the redirect to a provider and the callback, the Authomatic core
keeps a little state (the OAuth 2.0 ``state`` token, the OAuth 1.0a request
token, python3-openid's discovery data). :class:`LoginState` is the
:class:`~authomatic_extras.interfaces.BaseSession` the extensions hand to the
core for that: one provider's state, stored as a single
:mod:`itsdangerous`-signed token under ``store[namespace][provider_name]``.

That gives every framework session the properties the core's own cookie
session only promised:

* the state is signed with the extension's ``secret`` and JSON-encoded
  (never pickled), so a client cannot forge or inject objects;
* it carries the time it was written, and state older than ``max_age``
  seconds is refused with a :class:`LoginStateExpired` error;
* the state of one provider is removed as soon as its login finishes.
"""
import time

from authomatic.exceptions import SessionError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from authomatic_extras.interfaces import BaseSession
from authomatic_extras.serializer import login_state_serializer

__all__ = ['LoginState', 'LoginStateError', 'LoginStateExpired', 'LoginStateInvalid']

#: Salt that separates login-state signatures from other uses of the secret.
SALT = 'authomatic-extras.login-state'


class LoginStateError(SessionError):
    """The login state stored between the two login steps is unusable."""


class LoginStateExpired(LoginStateError):
    """The login state is older than ``session_max_age``."""


class LoginStateInvalid(LoginStateError):
    """The login state was tampered with or signed with another secret."""


class LoginState(BaseSession):
    """One provider's login state inside a session mapping.

    :param store: A mutable mapping that outlives the request, usually
        :data:`flask.session`. Only ``store[namespace]`` is touched.
    :param str namespace: Key of the dict that holds all login state, the
        extension's ``prefix`` (``'authomatic'`` by default).
    :param str key: The provider name; each provider has its own slot.
    :param str secret: Key that signs the state.
    :param max_age: Seconds after which stored state is refused, or ``None``.

    Reading state that is expired or badly signed does not raise: it reads
    as empty, so a user who starts over simply starts a fresh login, and
    :attr:`problem` keeps the reason for the extension to report should the
    login finish on that state.
    """

    def __init__(self, store, namespace, key, secret, max_age=600,
                 serializer=login_state_serializer):
        self.store = store
        self.namespace = namespace
        self.key = key
        self.max_age = max_age
        #: A :class:`LoginStateError` describing unusable stored state, or ``None``.
        self.problem = None
        self._signer = URLSafeTimedSerializer(secret, salt=SALT, serializer=serializer)
        self._data = None

    def _slots(self):
        slots = self.store.get(self.namespace)
        return slots if isinstance(slots, dict) else {}

    @property
    def data(self):
        """The decoded state of this provider (a dict, loaded on first use)."""
        if self._data is None:
            self._data = {}
            token = self._slots().get(self.key)
            if token:
                self._data = self._load(token)
        return self._data

    def _load(self, token):
        try:
            data = self._signer.loads(token, max_age=self.max_age)
        except SignatureExpired as error:
            age = int(time.time() - error.date_signed.timestamp()) if error.date_signed else None
            self.problem = LoginStateExpired(
                'The login with "{0}" was started {1} seconds ago, longer than '
                'session_max_age ({2} s) allows. Start the login again.'
                .format(self.key, age, self.max_age))
            return {}
        except (BadSignature, ValueError, TypeError):
            self.problem = LoginStateInvalid(
                'The stored login state for "{0}" is not valid (tampered with, '
                'truncated or signed with another secret). Start the login again.'
                .format(self.key))
            return {}
        if not isinstance(data, dict):
            self.problem = LoginStateInvalid(
                'The stored login state for "{0}" is not a mapping.'.format(self.key))
            return {}
        return data

    def __setitem__(self, key, value):
        self.data[key] = value

    def __getitem__(self, key):
        return self.data[key]

    def __delitem__(self, key):
        del self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    def save(self):
        """Write the state back into the store, signed with the current time."""
        slots = dict(self._slots())
        if self.data:
            slots[self.key] = self._signer.dumps(self.data)
        else:
            slots.pop(self.key, None)
        self._write(slots)

    def clear(self):
        """Remove this provider's state from the store (the login is over)."""
        self._data = {}
        slots = self._slots()
        if self.key in slots:
            slots = dict(slots)
            del slots[self.key]
            self._write(slots)

    def _write(self, slots):
        # Assigning (rather than mutating) marks Flask's session as modified.
        if slots:
            self.store[self.namespace] = slots
        elif self.namespace in self.store:
            del self.store[self.namespace]
