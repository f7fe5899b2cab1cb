# -*- coding: utf-8 -*-
"""JSON serialization for login state, including python3-openid's objects.

Login state has to travel in places that only hold JSON (Flask's default
cookie session, webapp2's secure cookie). The OAuth providers of the
Authomatic core only keep strings there, but python3-openid's consumer puts
two kinds of objects into the session: an ``OpenIDServiceEndpoint`` and a
``YadisServiceManager``. Upstream answers that with :mod:`pickle`, which lets
whoever controls the data run code on the server.

:data:`login_state_serializer` keeps plain JSON for everything else and
encodes exactly those two classes as tagged JSON objects of their attributes.
Decoding never imports or instantiates any other type, so data a client sent
can at worst fail to decode.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

__all__ = ['LoginStateSerializer', 'login_state_serializer', 'UnserializableStateError']

_TAG = '__ae__'

#: Deepest nesting :meth:`LoginStateSerializer.loads` accepts. The core and
#: python3-openid store a handful of levels; anything deeper is forged.
MAX_DEPTH = 32


class UnserializableStateError(TypeError):
    """A value put into the login state cannot be stored as JSON."""


def _openid_types() -> Dict[str, type]:
    """The python3-openid classes we know how to store, by tag.

    Imported lazily: python3-openid is only needed by apps that use OpenID.
    """
    try:
        from openid.consumer.discover import OpenIDServiceEndpoint
        from openid.yadis.manager import YadisServiceManager
    except ImportError:  # pragma: no cover - exercised without python3-openid
        return {}
    return {'openid.endpoint': OpenIDServiceEndpoint,
            'openid.yadis_manager': YadisServiceManager}


class LoginStateSerializer(object):
    """A ``dumps`` / ``loads`` pair that :mod:`itsdangerous` can sign with.

    Supports what JSON supports, plus tuples (restored as tuples) and the
    python3-openid session objects listed in the module docstring.
    """

    def __init__(self) -> None:
        self._types: Optional[Dict[str, type]] = None

    @property
    def types(self) -> Dict[str, type]:
        if self._types is None:
            self._types = _openid_types()
        return self._types

    def dumps(self, value: Any) -> str:
        try:
            return json.dumps(self._encode(value), separators=(',', ':'), sort_keys=True)
        except RecursionError:
            raise UnserializableStateError('Login state nested too deeply to store.') from None

    def loads(self, text: Any) -> Any:
        """Decode ``text``; :class:`ValueError` for anything that is not
        login state, including JSON nested deeper than :data:`MAX_DEPTH`."""
        try:
            return self._decode(json.loads(text), 0)
        except RecursionError:
            raise ValueError('Login state nested too deeply.') from None

    def _encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self._encode(item) for item in value]
        if isinstance(value, tuple):
            return {_TAG: 'tuple', 'v': [self._encode(item) for item in value]}
        if isinstance(value, dict):
            encoded = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise UnserializableStateError(
                        'Login state keys must be strings, got {0!r}.'.format(key))
                encoded[key] = self._encode(item)
            if _TAG in encoded:
                return {_TAG: 'dict', 'v': encoded}
            return encoded
        for tag, cls in self.types.items():
            if type(value) is cls:
                return {_TAG: tag, 'v': self._encode(vars(value))}
        raise UnserializableStateError(
            'Cannot store a {0}.{1} in the login state: only JSON values, tuples '
            'and python3-openid session objects are supported. Pass a '
            'server-side session of your own as session= to keep other types.'
            .format(type(value).__module__, type(value).__name__))

    def _decode(self, value: Any, depth: int) -> Any:
        if not isinstance(value, (list, dict)):
            return value
        if depth >= MAX_DEPTH:
            raise ValueError('Login state nested deeper than {0} levels.'.format(MAX_DEPTH))
        depth += 1
        if isinstance(value, list):
            return [self._decode(item, depth) for item in value]
        tag = value.get(_TAG)
        if tag is None:
            return {key: self._decode(item, depth) for key, item in value.items()}
        payload = value.get('v')
        if tag == 'tuple' and isinstance(payload, list):
            return tuple(self._decode(item, depth) for item in payload)
        if tag == 'dict' and isinstance(payload, dict):
            return {key: self._decode(item, depth) for key, item in payload.items()}
        cls = self.types.get(tag)
        if cls is not None and isinstance(payload, dict):
            obj: Any = object.__new__(cls)
            obj.__dict__.update(self._decode(payload, depth))
            return obj
        raise ValueError('Unknown login state tag {0!r}.'.format(tag))


#: The serializer used for login state by default.
login_state_serializer = LoginStateSerializer()
