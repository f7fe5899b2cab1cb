# -*- coding: utf-8 -*-
"""A ready login blueprint for :class:`~authomatic_extras.flask.FlaskAuthomatic`.

::

    from authomatic_extras.blueprint import make_login_blueprint

    def on_login(result):
        session['user'] = {'name': result.user.name, 'email': result.user.email}

    app.register_blueprint(make_login_blueprint(authomatic, on_login),
                           url_prefix='/auth')

gives ``/auth/login/<provider_name>`` (``url_for('authomatic.login',
provider_name='github')``). A ``next`` query argument says where to go after
the login; only a path on this site is accepted (``/profile?tab=2``), anything
that could leave the site (``//evil.example``, ``https://...``, ``/\\evil``)
is ignored, so the blueprint is no open redirect.
"""
from __future__ import annotations

from typing import Callable, Optional
from urllib.parse import urlencode, urlsplit

from authomatic.core import LoginResult
from flask import Blueprint, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape

from authomatic_extras.flask import FlaskAuthomatic, rotate_session

__all__ = ['make_login_blueprint', 'safe_next_path']

LoginHandler = Callable[[LoginResult], Optional[ResponseReturnValue]]


def safe_next_path(value: Optional[str]) -> Optional[str]:
    """Return ``value`` if it is a path on this site, else ``None``."""
    if not value or not value.startswith('/') or value.startswith('//'):
        return None
    if '\\' in value or any(ord(char) < 32 or ord(char) == 127 for char in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def _same_url_without(name: str, provider_name: str) -> str:
    """This login's own path (relative, on this site) with the query minus
    ``name``. The query is appended as data: request parameters are never
    keyword arguments of ``url_for`` (``_scheme``, ``_external``, ``_method``,
    ``endpoint`` ... would change the URL or fail)."""
    path = url_for('.login', provider_name=provider_name)
    rest = [(key, value) for key, value in request.args.items(multi=True) if key != name]
    return path + ('?' + urlencode(rest) if rest else '')


def make_login_blueprint(authomatic: FlaskAuthomatic, on_login: LoginHandler,
                         on_error: Optional[LoginHandler] = None, name: str = 'authomatic',
                         url_prefix: Optional[str] = None, next_arg: str = 'next',
                         default_next: str = '/') -> Blueprint:
    """Build a blueprint with the view ``<name>.login`` at
    ``/login/<provider_name>``.

    :param authomatic: The extension that runs the logins.
    :param on_login: Called with the successful
        :class:`~authomatic.core.LoginResult`; may return a response, else the
        user is redirected to ``next`` (or ``default_next``).
    :param on_error: Called with a failed result; may return a response, else
        a plain 401 page with the error message is shown.
    :param str next_arg: Name of the query argument holding the target path.
    :param str default_next: Where to go after a login without ``next``.
    """
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix)
    session_key = '{0}:next'.format(name)

    @authomatic.login()
    def run_login(provider_name: str) -> ResponseReturnValue:
        result = authomatic.result
        if result is None:
            return authomatic.response  # type: ignore[return-value]
        target = session.pop(session_key, None) or default_next
        if result.error is not None:
            answer = on_error(result) if on_error is not None else None
            if answer is not None:
                return answer
            message = getattr(result.error, 'message', None) or str(result.error)
            return 'Login failed: {0}'.format(escape(message)), 401
        # A new session id for the logged-in session: an id planted before
        # the login (session fixation) must not share it.
        rotate_session()
        answer = on_login(result)
        return answer if answer is not None else redirect(target)

    @blueprint.route('/login/<provider_name>', methods=['GET', 'POST'])
    def login(provider_name: str) -> ResponseReturnValue:
        if next_arg in request.args:
            # The core starts a login only on a request without parameters:
            # keep the target in the session and restart without it.
            target = safe_next_path(request.args.get(next_arg))
            if target is not None:
                session[session_key] = target
            return redirect(_same_url_without(next_arg, provider_name))
        return run_login(provider_name=provider_name)

    return blueprint
