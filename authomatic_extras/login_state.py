# -*- coding: utf-8 -*-
"""Login state kept signed and timestamped inside any session mapping.

Between the redirect to a provider and the callback, the Authomatic core
keeps a little state (the OAuth 2.0 ``state`` token, the OAuth 1.0a request
token, python3-openid's discovery data). :class:`LoginState` is the
:class:`~authomatic_extras.interfaces.BaseSession` the extensions hand to the
core for that. It stores each login in flight (a *flow*) as one
:mod:`itsdangerous`-signed token in the list ``store[namespace][provider]``:

* the state is signed with the extension's ``secret`` and JSON-encoded
  (never pickled), so a client cannot forge it or inject objects;
* it carries the time it was written: state older than ``max_age`` seconds
  is refused with a :class:`LoginStateExpired` error;
* several logins with one provider may be in flight at once (a user who
  opened the login in two tabs): a callback is matched to its own flow by
  the values the provider echoes back (the OAuth 2.0 ``state``, the OAuth
  1.0a ``oauth_token`` of the redirect, the OpenID identifier), so the first
  tab does not fail with a state mismatch. At most :attr:`LoginState.max_flows` flows are
  kept per provider, the oldest dropped first, to keep the cookie small;
* a flow is removed as soon as its login finishes.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import time
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, MutableMapping, Optional, Set

from authomatic.exceptions import SessionError
from itsdangerous import BadSignature, TimestampSigner

from authomatic_extras.interfaces import BaseSession
from authomatic_extras.serializer import login_state_serializer

__all__ = ['LoginState', 'LoginStateError', 'LoginStateExpired', 'LoginStateInvalid',
           'LoginStateMissing', 'make_token']

#: Salt that separates login-state signatures from other uses of the secret.
SALT = 'authomatic-extras.login-state'

#: Stored strings shorter than this are not used to recognise a callback.
MIN_ECHO_LENGTH = 16

#: Request values longer than this are not searched (oversized input).
MAX_PARAM_LENGTH = 4096


class LoginStateError(SessionError):
    """The login state stored between the two login steps is unusable."""


class LoginStateExpired(LoginStateError):
    """The login state is older than ``session_max_age``."""


class LoginStateInvalid(LoginStateError):
    """The login state was tampered with or signed with another secret."""


class LoginStateMissing(LoginStateError):
    """A callback arrived in a session where no login was started."""


def _strings_in(value: Any) -> Iterator[str]:
    """Every string inside a decoded state value (objects included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            for found in _strings_in(item):
                yield found
    elif isinstance(value, (list, tuple)):
        for item in value:
            for found in _strings_in(item):
                yield found
    elif hasattr(value, '__dict__'):
        for found in _strings_in(vars(value)):
            yield found


def _haystack(params: Iterable[Any]) -> str:
    """Request values as the provider echoes them, plus their base64 decoding
    (the OAuth 2.0 core puts its CSRF token into ``state`` as base64 JSON)."""
    texts = []
    for value in params:
        if not isinstance(value, str) or len(value) > MAX_PARAM_LENGTH:
            continue
        texts.append(value)
        try:
            padded = value + '=' * (-len(value) % 4)
            texts.append(base64.urlsafe_b64decode(padded.encode('ascii')).decode('utf-8'))
        except (ValueError, UnicodeError, binascii.Error):
            pass
    return '\n'.join(texts)


@functools.lru_cache(maxsize=32)
def _signer(secret: str) -> TimestampSigner:
    """One signer per secret (building one costs more than using it)."""
    return TimestampSigner(secret, salt=SALT)


def make_token(secret: str, data: Dict[str, Any], echoes: Iterable[str] = (),
               serializer: Any = login_state_serializer) -> str:
    """The stored form of one login in flight: its state ``data`` and the
    ``echoes`` that recognise its callback, as JSON with a timestamp and a
    signature (:class:`itsdangerous.TimestampSigner`)."""
    payload = serializer.dumps({'d': data, 'e': list(echoes)})
    return str(_signer(secret).sign(payload).decode('utf-8'))


class _Flow(object):
    """One decoded login in flight: its state ``data`` and the ``echoes``
    (values of the redirect to the provider) that a callback sends back."""

    def __init__(self, token: Optional[str] = None, data: Optional[Dict[str, Any]] = None,
                 echoes: Iterable[str] = (), signed_at: Optional[datetime] = None,
                 problem: Optional[LoginStateError] = None) -> None:
        self.token = token
        self.data = data
        self.echoes = list(echoes)
        self.signed_at = signed_at
        self.problem = problem

    @property
    def valid(self) -> bool:
        return self.data is not None

    def marks(self) -> Set[str]:
        """Strings long enough to recognise this flow by."""
        found = set(_strings_in(self.data)) | set(self.echoes)
        return {m for m in found if len(m) >= MIN_ECHO_LENGTH}


class LoginState(BaseSession):
    """The login state of one provider inside a session mapping.

    :param store: A mutable mapping that outlives the request, usually
        :data:`flask.session`. Only ``store[namespace]`` is touched.
    :param str namespace: Key of the dict that holds all login state, the
        extension's ``prefix`` (``'authomatic'`` by default).
    :param str key: The provider name.
    :param str secret: Key that signs the state.
    :param max_age: Seconds after which stored state is refused, or ``None``.
    :param params: The values of the current request's parameters, used to
        recognise which flow a callback belongs to.
    :param echoes: A callable returning the values a provider will send back
        to this flow's callback (the query values of the redirect to it),
        called when the flow is saved.
    :param int max_flows: How many logins with this provider may be in flight
        at once in one session.

    Reading state that is expired or badly signed does not raise: it reads
    as empty, so a user who starts over simply starts a fresh login, and
    :attr:`problem` keeps the reason for the extension to report should the
    login finish on that state.
    """

    def __init__(self, store: MutableMapping[str, Any], namespace: str, key: str, secret: str,
                 max_age: Optional[float] = 600, params: Iterable[Any] = (),
                 echoes: Optional[Callable[[], Iterable[str]]] = None, max_flows: int = 3,
                 serializer: Any = login_state_serializer) -> None:
        self.store = store
        self.namespace = namespace
        self.key = key
        self.max_age = max_age
        self.max_flows = max_flows
        #: A :class:`LoginStateError` describing unusable stored state, or ``None``.
        self.problem: Optional[LoginStateError] = None
        #: Whether this request found a login in flight in the store.
        self.found = False
        self._secret = secret
        self._signer = _signer(secret)
        self._serializer = serializer
        self._params = params
        self._echoes = echoes
        self._flows: Optional[List[str]] = None
        self._current = _Flow(data={})
        self._continues = False
        self._invalid: Optional[str] = None

    # -- reading the store ----------------------------------------------

    def _tokens(self) -> List[str]:
        slots = self.store.get(self.namespace)
        tokens = slots.get(self.key) if isinstance(slots, dict) else None
        if isinstance(tokens, str):
            tokens = [tokens]
        if not isinstance(tokens, list):
            return []
        return [t for t in tokens if isinstance(t, str)]

    def _decode(self, token: str) -> _Flow:
        try:
            value, signed_at = self._signer.unsign(token, return_timestamp=True)
            payload = self._serializer.loads(value)
        except (BadSignature, ValueError, TypeError):
            return _Flow(token, problem=LoginStateInvalid(
                'The stored login state for "{0}" is not valid (tampered with, truncated '
                'or signed with another secret). Start the login again.'.format(self.key)))
        if not (isinstance(payload, dict) and isinstance(payload.get('d'), dict)):
            return _Flow(token, problem=LoginStateInvalid(
                'The stored login state for "{0}" is not a mapping.'.format(self.key)))
        echoes = [e for e in payload.get('e') or [] if isinstance(e, str)]
        return _Flow(token, payload['d'], echoes, signed_at)

    @staticmethod
    def _peek(token: str) -> _Flow:
        """A token's payload *without* checking its signature, only to compare
        marks; the flow finally chosen is verified before anything is read."""
        try:
            payload = json.loads(token.rsplit('.', 2)[0])
        except ValueError:
            return _Flow(token)
        if not isinstance(payload, dict):
            return _Flow(token)
        data, echoes = payload.get('d'), payload.get('e')
        return _Flow(token, data if isinstance(data, dict) else None,
                     [e for e in echoes if isinstance(e, str)] if isinstance(echoes, list) else [])

    def _matching_token(self, tokens: List[str]) -> Optional[str]:
        """The newest token with a mark, shared by no other, in the request."""
        haystack = _haystack(self._params)
        if not haystack:
            return None
        marks = [self._peek(token).marks() for token in tokens]
        for index in reversed(range(len(tokens))):
            others: Set[str] = set().union(*(m for i, m in enumerate(marks) if i != index))
            if any(mark in haystack for mark in marks[index] - others):
                return tokens[index]
        return None

    def _select(self) -> None:
        """Pick the flow this request continues, then verify and load it.

        A flow is continued when one of its marks that no other flow shares
        appears in the request. When none does, reads fall back to the newest
        valid flow (a provider that echoes nothing we know) and a save stores
        a new flow beside the others (a new login). Only the flow used is
        decoded and verified.
        """
        if self._flows is not None:
            return
        tokens = self._flows = self._tokens()
        matched = self._matching_token(tokens) if tokens else None
        if matched is not None:
            chosen = self._decode(matched)
            self._continues = True
        else:
            chosen = _Flow()
            for token in reversed(tokens):
                chosen = self._decode(token)
                if chosen.valid:
                    break
        if not chosen.valid:
            self.problem = chosen.problem
            self._invalid = chosen.token
            self._current = _Flow(data={})
            return
        self.found = True
        signed_at = chosen.signed_at.timestamp() if chosen.signed_at else 0.0
        age = time.time() - signed_at
        if self.max_age is not None and age > self.max_age:
            self.problem = LoginStateExpired(
                'The login with "{0}" was started {1} seconds ago, longer than '
                'session_max_age ({2} s) allows. Start the login again.'
                .format(self.key, int(age), self.max_age))
            self._current = _Flow(chosen.token, {})
        else:
            self._current = _Flow(chosen.token, dict(chosen.data or {}), chosen.echoes)

    @property
    def data(self) -> Dict[str, Any]:
        """The decoded state of the flow this request belongs to."""
        self._select()
        if self._current.data is None:
            self._current.data = {}
        return self._current.data

    # -- BaseSession -----------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def save(self) -> None:
        """Write this request's flow back, signed with the current time.

        A request that continued a flow replaces it; any other request adds a
        new flow (keeping at most :attr:`max_flows`, newest last).
        """
        self._select()
        tokens = [t for t in self._tokens() if t != self._invalid]
        if self._continues and self._current.token in tokens:
            tokens.remove(self._current.token)
        # Written even when the core stored nothing: a callback must find a
        # login started in this session (OpenID accepts unsolicited answers).
        self._current.token = make_token(self._secret, self.data, self._needed_echoes(),
                                         self._serializer)
        tokens.append(self._current.token)
        self._write(tokens[-self.max_flows:] if self.max_flows else tokens)

    def _needed_echoes(self) -> List[str]:
        """The redirect's values, unless the flow's own state already shows in
        them (the OAuth 2.0 CSRF token rides in ``state``; OpenID's identifier in
        ``openid.claimed_id``): only then must they be kept to recognise the
        callback (the OAuth 1.0a request token, whose secret alone is stored)."""
        echoes = [e for e in (self._echoes() if self._echoes is not None else [])
                  if len(e) >= MIN_ECHO_LENGTH]
        marks = _Flow(data=self.data).marks()
        haystack = _haystack(echoes)
        if any(mark in haystack for mark in marks):
            return []
        return echoes

    def clear(self) -> None:
        """Remove the flow this request used (its login is over)."""
        self._select()
        tokens = self._tokens()
        if self._current.token in tokens:
            tokens.remove(self._current.token)
            self._write(tokens)
        self._current = _Flow(data={})

    def _write(self, tokens: List[str]) -> None:
        slots = self.store.get(self.namespace)
        slots = dict(slots) if isinstance(slots, dict) else {}
        if tokens:
            slots[self.key] = tokens
        else:
            slots.pop(self.key, None)
        # Assigning (rather than mutating) marks Flask's session as modified.
        if slots:
            self.store[self.namespace] = slots
        elif self.namespace in self.store:
            del self.store[self.namespace]
