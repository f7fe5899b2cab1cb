# -*- coding: utf-8 -*-
"""Refresh credentials that expired or are about to, with typed errors.

Framework-free: :meth:`authomatic_extras.flask.FlaskAuthomatic.access` uses
it by itself; elsewhere::

    from authomatic_extras.credentials import needs_refresh, refresh_credentials
    from authomatic_extras.fetch_timeout import fetch_timeout

    credentials = authomatic.credentials(serialized)
    if needs_refresh(credentials):
        with fetch_timeout(10):
            refresh_credentials(credentials)   # updated in place
        save(credentials.serialize())

The refresh itself is the core's :meth:`authomatic.core.Credentials.refresh`
(the OAuth 2.0 ``refresh_token`` grant); this module decides when to call it
and turns what can go wrong into
:class:`~authomatic_extras.credentials.CredentialsRefreshError` and its
subclasses.
"""
from __future__ import annotations

import http.client
import re
import socket
from typing import Any, Optional

from authomatic.core import Credentials
from authomatic.exceptions import BaseError, FetchError

from .errors import (CredentialsExpiredError, CredentialsRefreshError,
                     CredentialsRefreshFetchError)

__all__ = ['DEFAULT_REFRESH_MARGIN', 'needs_refresh', 'refresh_credentials']

#: Seconds before their expiry at which credentials count as expired: an
#: API call made with them should not run out halfway.
DEFAULT_REFRESH_MARGIN = 60

# An OAuth 2.0 error code (RFC 6749 section 5.2) is a short token; anything
# else the provider sent is not repeated in our messages.
_ERROR_CODE = re.compile(r'^[A-Za-z0-9_.\-]{1,64}$')


def needs_refresh(credentials: Credentials, margin: int = DEFAULT_REFRESH_MARGIN) -> bool:
    """Whether ``credentials`` expired or expire within ``margin`` seconds.

    Credentials without an expiry (OAuth 1.0a, or a provider that gave no
    ``expires_in``) never need one.
    """
    return not credentials.valid or credentials.expire_soon(margin)


def refresh_credentials(credentials: Credentials) -> bool:
    """Refresh ``credentials`` in place with their refresh token.

    Returns ``True`` when they were refreshed, ``False`` when they cannot be
    but are still valid (left as they are).

    :raises CredentialsExpiredError: they cannot be refreshed (no refresh
        token, or a provider class that never refreshes) and they expired.
    :raises CredentialsRefreshFetchError: the token endpoint was unreachable
        or slower than the current ``fetch_timeout``.
    :raises CredentialsRefreshError: the provider refused (its status and
        OAuth 2.0 error code are on the exception).
    """
    name = credentials.provider_name or '(unknown provider)'
    if credentials.refresh_token == 'None':
        # The core serializes a missing refresh token as str(None); sending
        # that to the provider would only earn an invalid_grant.
        credentials.refresh_token = ''
    secrets = [value for value in (credentials.refresh_token, credentials.token) if value]
    try:
        response = credentials.refresh(force=True)
    except (FetchError, OSError, http.client.HTTPException) as error:
        raise CredentialsRefreshFetchError(
            'Refreshing the credentials of "{0}" failed: its token endpoint {1}. The '
            'credentials are unchanged; try again later.'.format(name, _reason(error)),
            provider_name=name) from error
    except (BaseError, ValueError, TypeError, AttributeError, UnicodeError) as error:
        # The core could not read the answer (garbage, truncated JSON...).
        raise CredentialsRefreshError(
            'Refreshing the credentials of "{0}" failed: the provider\'s answer could '
            'not be read ({1}). Log the user in again.'.format(name, type(error).__name__),
            provider_name=name) from None
    if response is None:
        if credentials.valid:
            return False
        raise CredentialsExpiredError(
            'The credentials of "{0}" expired and cannot be refreshed: they hold no '
            'refresh token (ask the provider for offline access, e.g. the '
            '"offline_access" scope or access_type=offline). Log the user in '
            'again.'.format(name), provider_name=name)
    data = _data(response)
    if response.status != 200 or not data.get('access_token'):
        code = data.get('error')
        code = code if isinstance(code, str) and _ERROR_CODE.match(code) else None
        described = _description(data.get('error_description'), secrets)
        raise CredentialsRefreshError(
            'The provider "{0}" refused to refresh the credentials (HTTP {1}{2}{3}). Log '
            'the user in again.'.format(
                name, response.status, ', ' + code if code else '',
                ': ' + described if described else ''),
            provider_name=name, status=response.status, error=code)
    return True


def _reason(error: BaseException) -> str:
    """What went wrong with the connection, in words (no URL, no body)."""
    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, (TimeoutError, socket.timeout)):
            from authomatic_extras.fetch_timeout import current_fetch_timeout
            limit = current_fetch_timeout()
            return 'did not answer within fetch_timeout ({0} s)'.format(limit) \
                if limit is not None else 'timed out'
        if isinstance(seen, ConnectionError):
            return 'could not be reached ({0})'.format(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, FetchError):
        return 'could not be reached ({0})'.format(error.original_message or error.message)
    return 'could not be reached ({0})'.format(type(error).__name__)


def _data(response: Any) -> Any:
    try:
        data = response.data
    except Exception:  # an unreadable body is a refusal, not a crash
        return {}
    return data if isinstance(data, dict) else {}


def _description(value: Any, secrets: Any) -> str:
    """The provider's ``error_description``, short and with no token in it."""
    if not isinstance(value, str):
        return ''
    text = ' '.join(value.split())[:200]
    for secret in secrets:
        text = text.replace(secret, '[redacted]')
    return text
