# -*- coding: utf-8 -*-
"""A credentials store in Flask's session."""
from __future__ import annotations

from typing import Any, Dict, MutableMapping, Optional, Union

from authomatic.core import Credentials

from .store import CredentialsStore, serialized_credentials, store_key

__all__ = ['SessionCredentialsStore']


class SessionCredentialsStore(CredentialsStore):
    """Keeps credentials in Flask's session: ``session[session_key]`` is a
    JSON object of key -> serialized credentials.

    Works inside a request only, and holds the credentials of the users of
    that browser session only: fine for "call the provider's API while the
    user is here", not for background jobs (use
    :class:`~authomatic_extras.credentials.SQLAlchemyCredentialsStore`).

    Flask's default session is a cookie that is signed, not encrypted: the
    user's browser holds the tokens (readable by the user, not changeable),
    and each set of credentials adds about 150 to 300 bytes to a cookie that
    browsers cap at 4 KB. Set ``SESSION_COOKIE_SECURE`` (HTTPS only) and keep
    ``SESSION_COOKIE_HTTPONLY``, or use a server-side session (Flask-Session)
    to keep the tokens off the browser.

    :param str session_key: the session key the credentials live under.
    :param session: the session mapping to use instead of
        :data:`flask.session` (for a custom session object).
    """

    def __init__(self, session_key: str = 'authomatic_credentials',
                 session: Optional[MutableMapping[str, Any]] = None) -> None:
        self.session_key = session_key
        self._session = session

    @property
    def session(self) -> MutableMapping[str, Any]:
        if self._session is not None:
            return self._session
        from flask import session
        return session

    def _entries(self) -> Dict[str, str]:
        entries = self.session.get(self.session_key)
        if not isinstance(entries, dict):
            return {}
        return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}

    def _write(self, entries: Dict[str, str]) -> None:
        # A new dict on every write: Flask notices the change and resends the cookie.
        if entries:
            self.session[self.session_key] = entries
        else:
            self.session.pop(self.session_key, None)

    def load(self, key: Any) -> Optional[str]:
        return self._entries().get(store_key(key))

    def save(self, key: Any, credentials: Union[Credentials, str]) -> None:
        entries = self._entries()
        entries[store_key(key)] = serialized_credentials(credentials)
        self._write(entries)

    def delete(self, key: Any) -> None:
        entries = self._entries()
        if entries.pop(store_key(key), None) is not None:
            self._write(entries)
