# -*- coding: utf-8 -*-
"""The users-API login provider (:class:`GAEOpenID`), as upstream's
``authomatic.providers.gaeopenid``.

App Engine decommissioned OpenID 2.0 federated login: the users API raises
``NotAllowedError`` for any ``federated_identity``, in production and in the
stub alike. So a Google identifier (or none) logs in with Google Accounts
through ``users.create_login_url(dest_url)``, which works; any other
identifier ends the login with a :class:`~authomatic_extras.gae.GAEError`
saying so (in ``result.error``), instead of upstream's bare
``NotAllowedError``.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
from __future__ import absolute_import

import logging

import authomatic.core as core
from authomatic import providers
from authomatic.exceptions import FailureError
from google.appengine.api import users

from authomatic_extras.gae.errors import GAEError

__all__ = ['GAEOpenID', 'Yahoo', 'Google', 'GOOGLE_IDENTIFIERS']

#: Identifiers served by a plain Google Accounts login.
GOOGLE_IDENTIFIERS = (
    'https://www.google.com/accounts/o8/id',
    'google.com',
    'gmail.com',
    'https://www.google.com',
)


class GAEOpenID(providers.AuthenticationProvider):
    """Login with the |gae| users API.

    Step one runs when the request carries the identifier parameter
    (``?id=...`` by default, ``identifier_param`` in the config) and
    redirects to the users-API login page; step two (back at the same URL,
    without the parameter) reads ``users.get_current_user()``. The
    :class:`authomatic.core.User` has ``id`` (the federated identity, else
    the users-API user id), ``email`` and ``gae_user``.
    """

    @providers.login_decorator
    def login(self):
        if self.params.get(self.identifier_param):
            self._log(logging.INFO, u'Starting users-API authentication.')
            url = login_url(self.url, self.identifier)
            self._log(logging.INFO, u'Redirecting user to {0}.'.format(url))
            self.redirect(url)
            return

        self._log(logging.INFO, u'Continuing users-API authentication.')
        user = users.get_current_user()
        if not user:
            raise FailureError(
                'Unable to authenticate identifier "{0}"!'.format(
                    self.identifier))
        self.user = core.User(self,
                              id=user.federated_identity() or user.user_id(),
                              email=user.email(),
                              gae_user=user)


def login_url(dest_url, identifier):
    """The users-API login URL for ``identifier``, back to ``dest_url``.

    :raises GAEError: for a non-Google identifier (federated login is gone).
    """
    if not identifier or identifier in GOOGLE_IDENTIFIERS:
        return users.create_login_url(dest_url=dest_url)
    try:
        return users.create_login_url(dest_url=dest_url,
                                      federated_identity=identifier)
    except users.NotAllowedError:
        raise GAEError(
            'App Engine no longer offers OpenID 2.0 federated login, so '
            'identifier {0!r} cannot be used; log in with Google Accounts '
            '(the Google provider, or no identifier) or use an OAuth 2.0 '
            'provider.'.format(identifier))


class Yahoo(GAEOpenID):
    """:class:`GAEOpenID` with ``identifier = "me.yahoo.com"``.

    Kept for the name: federated login is decommissioned, so its login
    ends with a :class:`~authomatic_extras.gae.GAEError`.
    """

    identifier = 'me.yahoo.com'


class Google(GAEOpenID):
    """:class:`GAEOpenID` logging in with Google Accounts."""

    identifier = 'https://www.google.com/accounts/o8/id'


PROVIDER_ID_MAP = [GAEOpenID, Yahoo, Google]
