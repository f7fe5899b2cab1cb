# -*- coding: utf-8 -*-
"""The credentials-store interface: where an app keeps each user's
provider credentials between requests.

A store maps a key (your app's user id) to the core's serialized
credentials (:meth:`authomatic.core.Credentials.serialize`, a short
percent-encoded string; never a pickle). Load them back with
``authomatic.credentials(store.load(user_id))``, or pass the string straight
to ``authomatic.access()``.
"""
from __future__ import annotations

import abc
from typing import Any, Optional, Union

from authomatic.core import Credentials

__all__ = ['CredentialsStore', 'serialized_credentials', 'store_key']

#: The longest key a store accepts.
MAX_KEY_LENGTH = 255


def store_key(key: Any) -> str:
    """``key`` as the string a store files credentials under.

    Accepts a non-empty ``str`` or an ``int`` of at most
    :data:`MAX_KEY_LENGTH` characters.

    :raises TypeError: for any other type.
    :raises ValueError: for an empty or too long key.
    """
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError('A credentials store key is a user id (str or int), not {0}.'.format(
            type(key).__name__))
    text = str(key)
    if not text or len(text) > MAX_KEY_LENGTH:
        raise ValueError('A credentials store key must be 1 to {0} characters long '
                         '(got {1}).'.format(MAX_KEY_LENGTH, len(text)))
    return text


def serialized_credentials(credentials: Union[Credentials, str]) -> str:
    """The serialized form of ``credentials`` (a ``Credentials`` object, or
    an already serialized string, returned as it is).

    :raises authomatic.exceptions.ConfigError: the provider's config entry
        has no ``id`` (the core needs one to serialize).
    :raises TypeError: for anything else.
    """
    if isinstance(credentials, Credentials):
        return credentials.serialize()
    if isinstance(credentials, str) and credentials:
        return credentials
    raise TypeError('Store authomatic.core.Credentials or their serialize() string, '
                    'not {0!r}.'.format(type(credentials).__name__))


class CredentialsStore(abc.ABC):
    """Abstract base of the credentials stores.

    Keys are your app's user ids (``str`` or ``int``; the stores file them as
    strings). To keep several providers' credentials per user, make the key
    of both, e.g. ``'{0}:{1}'.format(user_id, provider_name)``.

    Implementations: :class:`~authomatic_extras.credentials.SessionCredentialsStore`
    (Flask's session) and
    :class:`~authomatic_extras.credentials.SQLAlchemyCredentialsStore` (a table).
    """

    @abc.abstractmethod
    def load(self, key: Any) -> Optional[str]:
        """The serialized credentials stored under ``key``, or ``None``."""

    @abc.abstractmethod
    def save(self, key: Any, credentials: Union[Credentials, str]) -> None:
        """Store ``credentials`` (a ``Credentials`` object or its serialized
        string) under ``key``, replacing what was there."""

    @abc.abstractmethod
    def delete(self, key: Any) -> None:
        """Forget the credentials under ``key`` (nothing happens if there are none)."""
