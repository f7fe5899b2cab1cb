# -*- coding: utf-8 -*-
"""Signals sent by :class:`~authomatic_extras.flask.FlaskAuthomatic`.

Connect to them with blinker, as to Flask's own signals::

    from authomatic_extras.signals import login_succeeded

    @login_succeeded.connect_via(app)
    def remember(app, result, provider_name, **extra):
        app.logger.info('%s logged in with %s', result.user.name, provider_name)

The sender is the current Flask app (for :data:`credentials_refreshed`,
``None`` when ``access()`` runs outside an app context); every signal passes
``provider_name``.

:data:`credentials_refreshed` tells the app to store the new credentials::

    from authomatic_extras.signals import credentials_refreshed

    @credentials_refreshed.connect_via(app)
    def store_them(app, credentials, serialized, **extra):
        store.save(current_user.get_id(), serialized)
"""
# flask.signals re-exports blinker's Namespace without declaring it public.
from flask.signals import Namespace  # type: ignore[attr-defined]

__all__ = ['login_started', 'login_succeeded', 'login_failed', 'credentials_refreshed']

_signals = Namespace()

#: Sent when a login begins: the response that sends the user to the
#: provider is ready. Arguments: ``provider_name``, ``response`` (the
#: redirect, which receivers may still add headers to).
login_started = _signals.signal('authomatic-login-started')

#: Sent when a login succeeds. Arguments: ``provider_name``, ``result`` (the
#: :class:`authomatic.core.LoginResult`, whose ``user`` is set).
login_succeeded = _signals.signal('authomatic-login-succeeded')

#: Sent when a login fails or is cancelled. Arguments: ``provider_name``,
#: ``result``, ``error`` (``result.error``, an
#: :class:`authomatic.exceptions.BaseError`).
login_failed = _signals.signal('authomatic-login-failed')

#: Sent when :meth:`~authomatic_extras.flask.FlaskAuthomatic.access` has
#: refreshed expired credentials, before it calls the provider's API with
#: them. Store the new ones: the old access token no longer works, and a
#: provider that rotates refresh tokens has revoked the old refresh token.
#: Sender: the current app (``None`` outside an app context). Arguments:
#: ``provider_name``, ``credentials`` (the refreshed
#: :class:`authomatic.core.Credentials`), ``serialized`` (their
#: ``serialize()`` string) and ``previous`` (the serialized credentials before
#: the refresh, to find where they were stored). ``serialized`` and
#: ``previous`` are ``None`` when the provider's config entry has no ``id``.
credentials_refreshed = _signals.signal('authomatic-credentials-refreshed')
