# -*- coding: utf-8 -*-
"""Errors of refreshing credentials.

All of them are :class:`authomatic.exceptions.CredentialsError` subclasses
(``except CredentialsRefreshError`` catches every refresh failure), and none
of them carries a token: their messages name the provider, the HTTP status
and the OAuth 2.0 error code only.
"""
from __future__ import annotations

from typing import Optional

from authomatic.exceptions import CredentialsError, FetchError

__all__ = ['CredentialsRefreshError', 'CredentialsExpiredError', 'CredentialsRefreshFetchError']


class CredentialsRefreshError(CredentialsError):
    """The provider refused to refresh the credentials, or answered with no
    new access token (a revoked or already used refresh token, a changed
    client secret, a provider error). Log the user in again.

    :attr:`provider_name`, :attr:`status` (the HTTP status of the token
    endpoint's answer, ``None`` when there was none) and :attr:`error` (the
    provider's OAuth 2.0 error code such as ``'invalid_grant'``, or ``None``).
    """

    def __init__(self, message: str, provider_name: str = '', status: Optional[int] = None,
                 error: Optional[str] = None) -> None:
        super(CredentialsRefreshError, self).__init__(message, status=status)
        #: The provider's name in the config.
        self.provider_name = provider_name
        #: The provider's OAuth 2.0 error code, if it sent one.
        self.error = error


class CredentialsExpiredError(CredentialsRefreshError):
    """The credentials expired and cannot be refreshed: they hold no refresh
    token (the provider issued none: many need ``access_type=offline`` or
    the ``offline_access`` scope), or the provider class never refreshes.
    Log the user in again."""


class CredentialsRefreshFetchError(CredentialsRefreshError, FetchError):
    """The provider's token endpoint could not be reached during a refresh,
    or did not answer within ``fetch_timeout``. The credentials are
    unchanged; try again later. Also an :class:`authomatic.exceptions.FetchError`."""
