# -*- coding: utf-8 -*-
"""Signals sent by :class:`~authomatic_extras.flask.FlaskAuthomatic`.

Connect to them with blinker, as to Flask's own signals::

    from authomatic_extras.signals import login_succeeded

    @login_succeeded.connect_via(app)
    def remember(app, result, provider_name, **extra):
        app.logger.info('%s logged in with %s', result.user.name, provider_name)

The sender is always the current Flask app; every signal passes
``provider_name``.
"""
# flask.signals re-exports blinker's Namespace without declaring it public.
from flask.signals import Namespace  # type: ignore[attr-defined]

__all__ = ['login_started', 'login_succeeded', 'login_failed']

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
