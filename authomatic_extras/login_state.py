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
* a callback continues only the flow it belongs to, recognised by the
  values the provider echoes back (the OAuth 2.0 ``state``, the OAuth 1.0a
  ``oauth_token`` of the redirect) or, for a *bound* flow (OpenID), by the
  flow's own random id that the callback must carry. A request that matches
  no flow reads empty state and changes no flow: it can neither finish nor
  cancel someone else's login. Several logins may be in flight at once (a
  user who opened the login in two tabs);
* a flow is removed as soon as its login finishes; at most
  :attr:`LoginState.max_flows` flows are kept per provider, flows older
  than ``max_age`` are dropped on every write, and all flows of a session
  together stay under :attr:`LoginState.max_bytes` characters (the oldest
  dropped first), so the session cookie stays small enough for browsers.
  A single flow larger than that fails with :class:`LoginStateTooLarge`.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import re
import secrets
import struct
import time
from collections import Counter
from datetime import datetime
from typing import (Any, Callable, Dict, Iterable, Iterator, List, MutableMapping, Optional, Set,
                    Tuple)

from authomatic.exceptions import SessionError
from itsdangerous import BadData, BadSignature, TimestampSigner
from itsdangerous.encoding import base64_decode, bytes_to_int

from authomatic_extras.interfaces import BaseSession
from authomatic_extras.serializer import login_state_serializer

__all__ = ['LoginState', 'LoginStateError', 'LoginStateExpired', 'LoginStateInvalid',
           'LoginStateMissing', 'LoginStateMismatch', 'LoginStateTooLarge', 'make_token',
           'new_flow_id', 'MAX_STATE_BYTES']

#: Salt that separates login-state signatures from other uses of the secret.
SALT = 'authomatic-extras.login-state'

#: Stored strings shorter than this are not used to recognise a callback.
MIN_ECHO_LENGTH = 16

#: Request values longer than this are not searched (oversized input).
MAX_PARAM_LENGTH = 4096

#: Default bound of all login state of one session, in characters (the
#: tokens are ASCII). Browsers drop cookies over 4096 bytes; with this much
#: login state (three OpenID logins in flight take about 2,800) Flask's
#: session cookie stays under that with about 1 KB of other session data.
MAX_STATE_BYTES = 3072

#: Nesting below this depth is not searched for marks (forged data).
_MARK_DEPTH = 8

#: What a flow id looks like (:func:`new_flow_id`).
_FLOW_ID = re.compile(r'[A-Za-z0-9_-]{16,64}\Z')


class LoginStateError(SessionError):
    """The login state stored between the two login steps is unusable."""


class LoginStateExpired(LoginStateError):
    """The login state is older than ``session_max_age``."""


class LoginStateInvalid(LoginStateError):
    """The login state was tampered with or signed with another secret."""


class LoginStateMissing(LoginStateError):
    """A callback arrived in a session where no login was started."""


class LoginStateMismatch(LoginStateMissing):
    """A callback (an answer, a cancel) belongs to none of the logins in
    flight in this session: someone else's answer, a forged link, or a tab
    whose login was replaced. The pending logins are left as they were."""


class LoginStateTooLarge(LoginStateError):
    """One login's state is larger than the session may hold (an OpenID
    identity page that pads its identifier, for instance): it is not
    written, rather than growing the session cookie past what browsers
    keep."""


def new_flow_id() -> str:
    """A random id for a bound flow (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def _strings_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string inside a decoded state value (objects included), down to
    a few levels (state the core writes is shallow)."""
    if isinstance(value, str):
        yield value
        return
    if depth >= _MARK_DEPTH:
        return
    if isinstance(value, dict):
        items: Iterable[Any] = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    elif hasattr(value, '__dict__'):
        items = vars(value).values()
    else:
        return
    for item in items:
        for found in _strings_in(item, depth + 1):
            yield found


def _texts_of(value: Any) -> List[str]:
    """A request value as the provider echoes it, plus its base64 decoding
    (the OAuth 2.0 core puts its CSRF token into ``state`` as base64 JSON);
    nothing for a value that is not a string or is oversized."""
    if not isinstance(value, str) or len(value) > MAX_PARAM_LENGTH:
        return []
    texts = [value]
    try:
        padded = value + '=' * (-len(value) % 4)
        texts.append(base64.urlsafe_b64decode(padded.encode('ascii')).decode('utf-8'))
    except (ValueError, UnicodeError, binascii.Error):
        pass
    return texts


class _Haystack(object):
    """Request values searched for marks, decoded one at a time and only as
    far as a search needs: when the first value shows the mark (``state``
    first, for OAuth 2.0), the other values are never decoded."""

    def __init__(self, values: Iterable[Any]) -> None:
        self._values = iter(values)
        self._texts: List[str] = []

    def _next(self) -> Optional[List[str]]:
        """The texts of one more value, or ``None`` when there are no more."""
        for value in self._values:
            texts = _texts_of(value)
            if texts:
                self._texts.extend(texts)
                return texts
        return None

    def empty(self) -> bool:
        """Whether there is nothing to search (a request without values)."""
        return not self._texts and self._next() is None

    def shows_any(self, marks: Iterable[str]) -> bool:
        """Whether any of ``marks`` appears in a value or its decoding."""
        marks = [mark for mark in marks if mark]
        if not marks:
            return False
        texts: Optional[List[str]] = list(self._texts)
        while texts is not None:
            if any(mark in text for text in texts for mark in marks):
                return True
            texts = self._next()
        return False


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


class _KeyedSigner(TimestampSigner):
    """A :class:`~itsdangerous.TimestampSigner` that derives its HMAC key from
    the secret once, not on every sign and verify."""

    def __init__(self, secret: str, salt: str) -> None:
        super().__init__(secret, salt=salt)
        self._keys: Dict[Any, bytes] = {}

    def derive_key(self, secret_key: Any = None) -> bytes:
        key = self._keys.get(secret_key)
        if key is None:
            key = self._keys[secret_key] = super().derive_key(secret_key)
        return key


@functools.lru_cache(maxsize=32)
def _signer(secret: str) -> TimestampSigner:
    """One signer per secret (building one costs more than using it)."""
    return _KeyedSigner(secret, SALT)


def make_token(secret: str, data: Dict[str, Any], echoes: Iterable[str] = (),
               serializer: Any = login_state_serializer,
               flow_id: Optional[str] = None) -> str:
    """The stored form of one login in flight: its state ``data``, the
    ``echoes`` that recognise its callback and, for a bound flow, its
    ``flow_id``, as JSON with a timestamp and a signature
    (:class:`itsdangerous.TimestampSigner`)."""
    value: Dict[str, Any] = {'d': data, 'e': list(echoes)}
    if flow_id is not None:
        value['k'] = flow_id
    payload = serializer.dumps(value)
    return str(_signer(secret).sign(payload).decode('utf-8'))


def _signed_at(token: str) -> Optional[int]:
    """The (unverified) timestamp of a token, ``None`` if it has none."""
    parts = token.rsplit('.', 2)
    if len(parts) != 3 or not 0 < len(parts[1]) <= 11:  # 8 bytes in base64
        return None
    try:
        return bytes_to_int(base64_decode(parts[1]))
    except (ValueError, TypeError, binascii.Error, struct.error, BadData):
        return None


class _Flow(object):
    """One decoded login in flight: its state ``data``, the ``echoes``
    (values of the redirect to the provider) that a callback sends back, and
    the id of a bound flow."""

    def __init__(self, token: Optional[str] = None, data: Optional[Dict[str, Any]] = None,
                 echoes: Iterable[str] = (), signed_at: Optional[datetime] = None,
                 problem: Optional[LoginStateError] = None,
                 flow_id: Optional[str] = None) -> None:
        self.token = token
        self.data = data
        self.echoes = list(echoes)
        self.signed_at = signed_at
        self.problem = problem
        self.flow_id = flow_id

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
    :param bool bind: Bind each new flow to a random id (:attr:`flow_id`
        after :meth:`save`) that its callback must carry, and recognise flows
        by that id alone. For protocols whose answers the extension can tie
        to an id of its own (OpenID: a parameter of the signed
        ``return_to``), where the echoed values would not tell whose login
        an answer belongs to.
    :param flow_id: With ``bind``, the id the current request carries.
    :param int max_bytes: Bound of all login state in ``store[namespace]``
        (every provider), in characters.

    Reading state that is expired or badly signed does not raise: it reads
    as empty, so a user who starts over simply starts a fresh login, and
    :attr:`problem` keeps the reason for the extension to report should the
    login finish on that state.
    """

    def __init__(self, store: MutableMapping[str, Any], namespace: str, key: str, secret: str,
                 max_age: Optional[float] = 600, params: Iterable[Any] = (),
                 echoes: Optional[Callable[[], Iterable[str]]] = None, max_flows: int = 3,
                 serializer: Any = login_state_serializer, bind: bool = False,
                 flow_id: Optional[str] = None, max_bytes: int = MAX_STATE_BYTES) -> None:
        self.store = store
        self.namespace = namespace
        self.key = key
        self.max_age = max_age
        self.max_flows = max_flows
        self.max_bytes = max_bytes
        self.bind = bind
        #: A :class:`LoginStateError` describing unusable stored state, or ``None``.
        self.problem: Optional[LoginStateError] = None
        #: Whether this request continues a login in flight whose state is valid.
        self.found = False
        #: How many flows of this provider the session held when the request came.
        self.pending = 0
        #: With ``bind``: the id of the flow this request saved or continued.
        self.flow_id: Optional[str] = None
        self._secret = secret
        self._signer = _signer(secret)
        self._serializer = serializer
        self._params = params
        self._echoes = echoes
        self._request_flow_id = flow_id if bind else None
        self._flows: Optional[List[str]] = None
        self._current = _Flow(data={})
        self._continues = False
        self._invalid: Optional[str] = None

    @property
    def continued(self) -> bool:
        """Whether this request belongs to one of the flows in flight (the
        only case in which a login may finish, or a flow be removed)."""
        self._select()
        return self._continues

    # -- reading the store ----------------------------------------------

    def _tokens(self) -> List[str]:
        slots = self.store.get(self.namespace)
        tokens = slots.get(self.key) if isinstance(slots, dict) else None
        if isinstance(tokens, str):
            tokens = [tokens]
        if not isinstance(tokens, list):
            return []
        tokens = [t for t in tokens if isinstance(t, str)]
        # Never more than max_flows are written: more is forged, ignored.
        return tokens[-self.max_flows:] if self.max_flows else tokens

    def _decode(self, token: str) -> _Flow:
        invalid = LoginStateInvalid(
            'The stored login state for "{0}" is not valid (tampered with, truncated '
            'or signed with another secret). Start the login again.'.format(self.key))
        if len(token) > self.max_bytes:
            return _Flow(token, problem=invalid)
        try:
            value, signed_at = self._signer.unsign(token, return_timestamp=True)
            payload = self._serializer.loads(value)
        except (BadSignature, ValueError, TypeError, RecursionError):
            return _Flow(token, problem=invalid)
        if not (isinstance(payload, dict) and isinstance(payload.get('d'), dict)):
            return _Flow(token, problem=LoginStateInvalid(
                'The stored login state for "{0}" is not a mapping.'.format(self.key)))
        echoes = [e for e in payload.get('e') or [] if isinstance(e, str)]
        flow_id = payload.get('k')
        return _Flow(token, payload['d'], echoes, signed_at,
                     flow_id=flow_id if isinstance(flow_id, str) else None)

    def _peek(self, token: str) -> Optional[_Flow]:
        """A token's payload *without* checking its signature, only to compare
        marks; the flow finally chosen is verified before anything is read.
        ``None`` for a token that cannot be ours (unreadable, oversized)."""
        if len(token) > self.max_bytes:
            return None
        try:
            payload = json.loads(token.rsplit('.', 2)[0])
        except (ValueError, RecursionError):
            return None
        if not isinstance(payload, dict):
            return None
        data, echoes = payload.get('d'), payload.get('e')
        return _Flow(token, data if isinstance(data, dict) else None,
                     [e for e in echoes if isinstance(e, str)] if isinstance(echoes, list) else [])

    def _matching_token(self, tokens: List[str]) -> Tuple[Optional[str], bool]:
        """The token this request belongs to, and whether any token was
        unreadable. Bound flows: the newest whose id the request carries.
        Others: the newest with a mark, shared by no other, in the request."""
        if self.bind:
            wanted = self._request_flow_id
            if not wanted or not _FLOW_ID.match(wanted):
                return None, False
            needle = '"k":"{0}"'.format(wanted)
            for token in reversed(tokens):
                if needle in token:
                    return token, False
            return None, False
        haystack = _haystack(self._params)
        if not haystack:
            return None, False
        peeked = [self._peek(token) for token in tokens]
        marks = [p.marks() if p is not None else set() for p in peeked]
        unreadable = any(p is None for p in peeked)
        shared = Counter(mark for own in marks for mark in own)
        for index in reversed(range(len(tokens))):
            if any(shared[mark] == 1 and mark in haystack for mark in marks[index]):
                return tokens[index], unreadable
        return None, unreadable

    def _select(self) -> None:
        """Pick the flow this request continues, then verify and load it.

        A flow is continued when the request carries one of its marks that no
        other flow shares (for a bound flow: its id). When none matches, the
        request reads empty state (a new login, or an answer that belongs to
        no login of this session) and a save stores a new flow beside the
        others. Only the flow used is decoded and verified.
        """
        if self._flows is not None:
            return
        tokens = self._flows = self._tokens()
        self.pending = len(tokens)
        matched, unreadable = self._matching_token(tokens) if tokens else (None, False)
        if matched is None:
            if unreadable:
                self.problem = LoginStateInvalid(
                    'The stored login state for "{0}" is not valid (tampered with or '
                    'truncated). Start the login again.'.format(self.key))
            return
        self._continues = True
        chosen = self._decode(matched)
        if chosen.valid and self.bind and not (
                chosen.flow_id and hmac.compare_digest(chosen.flow_id,
                                                       self._request_flow_id or '')):
            chosen = _Flow(matched, problem=LoginStateInvalid(
                'The stored login state for "{0}" does not carry the id its callback '
                'names. Start the login again.'.format(self.key)))
        if not chosen.valid:
            self.problem = chosen.problem
            self._invalid = chosen.token
            self._current = _Flow(data={})
            return
        self.found = True
        self.flow_id = chosen.flow_id
        signed_at = chosen.signed_at.timestamp() if chosen.signed_at else 0.0
        age = time.time() - signed_at
        if self.max_age is not None and age > self.max_age:
            self.problem = LoginStateExpired(
                'The login with "{0}" was started {1} seconds ago, longer than '
                'session_max_age ({2} s) allows. Start the login again.'
                .format(self.key, int(age), self.max_age))
            self._current = _Flow(chosen.token, {}, flow_id=chosen.flow_id)
        else:
            self._current = _Flow(chosen.token, dict(chosen.data or {}), chosen.echoes,
                                  flow_id=chosen.flow_id)

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
        new flow (keeping at most :attr:`max_flows`, newest last), unless it
        has nothing to keep. Expired flows of every provider are dropped, and
        the oldest ones too while all login state of the session is larger
        than :attr:`max_bytes`.

        :raises LoginStateTooLarge: when this flow alone is larger than
            :attr:`max_bytes`; nothing is written then.
        """
        self._select()
        if not self._continues and not self.data:
            return  # nothing to continue from (an OpenID realm page, say)
        if self._continues:
            flow_id = self._current.flow_id
        else:
            flow_id = new_flow_id() if self.bind else None
        echoes = [] if self.bind else self._needed_echoes()
        token = make_token(self._secret, self.data, echoes, self._serializer, flow_id)
        if len(token) > self.max_bytes:
            raise LoginStateTooLarge(
                'The login state of "{0}" would take {1} characters, more than the {2} '
                'one session may hold (for OpenID, the identifier\'s pages declare very '
                'long values). Log in with another identifier or provider.'.format(
                    self.key, len(token), self.max_bytes))
        slots = self._slots()
        mine = [t for t in slots.get(self.key, []) if t != self._invalid]
        if self._continues and self._current.token in mine:
            mine.remove(self._current.token)
        mine.append(token)
        slots[self.key] = mine[-self.max_flows:] if self.max_flows else mine
        self._write(slots, keep=token)
        self._current.token = token
        self.flow_id = flow_id

    def _needed_echoes(self) -> List[str]:
        """The redirect's values, unless the flow's own state already shows in
        them (the OAuth 2.0 CSRF token rides in ``state``; OpenID's identifier in
        ``openid.claimed_id``): only then must they be kept to recognise the
        callback (the OAuth 1.0a request token, whose secret alone is stored)."""
        if self._echoes is None:
            return []
        # One value at a time, stopping at the first that shows the state:
        # with ``state`` first (OAuth 2.0) the rest is never parsed.
        marks = _Flow(data=self.data).marks()
        echoes = []
        for value in self._echoes():
            if len(value) < MIN_ECHO_LENGTH:
                continue
            if marks and _Haystack([value]).shows_any(marks):
                return []
            echoes.append(value)
        return echoes

    def clear(self) -> None:
        """Remove the flow this request continued (its login is over). A
        request that continued no flow removes nothing."""
        self._select()
        if not self._continues:
            return
        gone = {self._current.token, self._invalid}
        slots = self._slots()
        mine = slots.get(self.key, [])
        if any(t in gone for t in mine):
            slots[self.key] = [t for t in mine if t not in gone]
            self._write(slots)
        self._current = _Flow(data={})

    # -- writing the store ------------------------------------------------

    def _slots(self) -> Dict[str, List[str]]:
        """A copy of every provider's tokens, without what cannot be ours."""
        slots = self.store.get(self.namespace)
        copy: Dict[str, List[str]] = {}
        if not isinstance(slots, dict):
            return copy
        for name, tokens in slots.items():
            if isinstance(tokens, str):
                tokens = [tokens]
            if isinstance(tokens, list):
                kept = [t for t in tokens if isinstance(t, str) and len(t) <= self.max_bytes]
                copy[name] = kept[-self.max_flows:] if self.max_flows else kept
        return copy

    def _write(self, slots: Dict[str, List[str]], keep: Optional[str] = None) -> None:
        """Store ``slots`` without expired flows, then without the oldest
        ones (never ``keep``) until they fit in :attr:`max_bytes`."""
        now = time.time()
        dated = []
        total = 0
        for name, tokens in slots.items():
            for token in tokens:
                signed_at = _signed_at(token)
                if signed_at is None:
                    continue
                if token != keep and self.max_age is not None and now - signed_at > self.max_age:
                    continue
                dated.append((signed_at, name, token))
                total += len(token)
        if total > self.max_bytes:
            dated.sort(key=lambda item: item[0])
            kept = []
            for signed_at, name, token in dated:
                if total > self.max_bytes and token != keep:
                    total -= len(token)
                else:
                    kept.append((signed_at, name, token))
            dated = kept
        alive = {token for _, _, token in dated}
        fresh = {}
        for name, tokens in slots.items():
            tokens = [t for t in tokens if t in alive]
            if tokens:
                fresh[name] = tokens
        # Assigning (rather than mutating) marks Flask's session as modified.
        if fresh:
            self.store[self.namespace] = fresh
        elif self.namespace in self.store:
            del self.store[self.namespace]
