# -*- coding: utf-8 -*-
"""How :class:`~authomatic_extras.flask.FlaskAuthomatic` logs a failed login.

The authomatic core logs every error it reports in ``result.error`` at ERROR
level with a full traceback, including what a user causes on purpose or by
accident: a reloaded callback, the Back button to a used consent page, an
expired login link. A terminal full of tracebacks for those hides the real
faults. The extension therefore logs each failed login once, itself, after it
has classified the error:

* a failure the user's side caused (:func:`is_user_side_failure`): one
  WARNING line, no traceback;
* anything else (the provider unreachable or broken, a bug): ERROR with the
  traceback, as the core would.

While the extension runs a login it asks :class:`DeferCoreFailureRecords`,
a filter on the logger it hands to the core, to drop the core's own
error-with-traceback record for that login.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
from typing import Iterator, Optional

from authomatic.exceptions import CancellationError, FailureError

from authomatic_extras.login_state import LoginStateError

__all__ = ['DeferCoreFailureRecords', 'deferring_core_failures', 'is_user_side_failure',
           'log_failed_login']

_deferring: 'contextvars.ContextVar[bool]' = contextvars.ContextVar(
    'authomatic_extras_deferring_core_failures', default=False)


class DeferCoreFailureRecords(logging.Filter):
    """Drops records with a traceback logged inside
    :func:`deferring_core_failures` (the core's "Reported suppressed
    exception" record); the extension logs that failure itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _deferring.get())


#: The one filter instance every extension adds to its logger (adding it
#: twice to one logger is a no-op).
DEFER_CORE_FAILURE_RECORDS = DeferCoreFailureRecords()


@contextlib.contextmanager
def deferring_core_failures() -> Iterator[None]:
    """Within this block (one login step of this request), the core's
    error-with-traceback records are dropped."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def is_user_side_failure(error: Optional[BaseException]) -> bool:
    """Whether ``error`` is a failure the user's side caused rather than a
    fault: the user denied access; the login state is missing, expired or
    forged (a reloaded or replayed callback, the Back button); the callback
    was malformed; or the provider refused the code or token with a 4xx (a
    code already used or expired)."""
    from authomatic_extras.flask import MalformedCallbackError

    if isinstance(error, (CancellationError, LoginStateError, MalformedCallbackError)):
        return True
    status = getattr(error, 'status', None)
    return isinstance(error, FailureError) and isinstance(status, int) and 400 <= status < 500


def log_failed_login(logger: logging.Logger, provider_name: str,
                     error: BaseException) -> None:
    """Log a failed login once: one WARNING line for a user-side failure,
    ERROR with the traceback for a fault."""
    if is_user_side_failure(error):
        logger.warning('authomatic: login with "%s" failed: %s: %s', provider_name,
                       type(error).__name__, error)
    else:
        logger.error('authomatic: login with "%s" failed: %s: %s', provider_name,
                     type(error).__name__, error,
                     exc_info=(type(error), error, error.__traceback__))
