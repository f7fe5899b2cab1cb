# -*- coding: utf-8 -*-
"""Credentials that stay fresh, and where to keep them.

* :func:`needs_refresh`, :func:`refresh_credentials`: refresh expired
  credentials with their refresh token, with typed errors
  (:class:`CredentialsRefreshError`, :class:`CredentialsExpiredError`,
  :class:`CredentialsRefreshFetchError`).
  :meth:`authomatic_extras.flask.FlaskAuthomatic.access` does it by itself
  and sends :data:`authomatic_extras.signals.credentials_refreshed`.
* :class:`CredentialsStore`, the store interface (``load``, ``save``,
  ``delete`` by user id), and two stores: :class:`SessionCredentialsStore`
  (Flask's session) and :class:`SQLAlchemyCredentialsStore` (a table; needs
  ``authomatic-extras[sqlalchemy]``). Both are imported on first use, so this
  package needs neither Flask nor SQLAlchemy until then.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, List

from .errors import CredentialsExpiredError, CredentialsRefreshError, CredentialsRefreshFetchError
from .refresh import DEFAULT_REFRESH_MARGIN, needs_refresh, refresh_credentials
from .store import CredentialsStore, serialized_credentials, store_key

__all__ = [
    'CredentialsRefreshError', 'CredentialsExpiredError', 'CredentialsRefreshFetchError',
    'DEFAULT_REFRESH_MARGIN', 'needs_refresh', 'refresh_credentials',
    'CredentialsStore', 'serialized_credentials', 'store_key',
    'SessionCredentialsStore', 'SQLAlchemyCredentialsStore',
]

if TYPE_CHECKING:  # imported on first use at run time (see __getattr__)
    from .session_store import SessionCredentialsStore
    from .sqlalchemy_store import SQLAlchemyCredentialsStore

_LAZY = {
    'SessionCredentialsStore': '.session_store',
    'SQLAlchemyCredentialsStore': '.sqlalchemy_store',
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError('module {0!r} has no attribute {1!r}'.format(__name__, name))
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
