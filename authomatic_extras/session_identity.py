# -*- coding: utf-8 -*-
"""Give the current Flask session a new identity, as a login should.

Call :func:`rotate_session` in the view that completes a login, before you
put the user into the session::

    from authomatic_extras.flask import rotate_session

    if result.user:
        rotate_session()
        session['user_id'] = result.user.id

It defeats *session fixation*: with a server-side session (Flask-Session,
Flask-KVSession) the cookie holds only a session id, and an attacker who
planted an id of his own in the victim's browser before the login would
otherwise share the victim's logged-in session. The old id is deleted on the
server and the session gets a new one; the data is kept unless
``keep=False``. With Flask's own cookie session (no id on the server) the
session is re-written with new content, which is all a cookie session needs.

:func:`authomatic_extras.blueprint.make_login_blueprint` calls it for you.
"""
from __future__ import annotations

from typing import Any, Dict

from authomatic.exceptions import ConfigError
from flask import current_app, has_request_context
from flask import session as flask_session

__all__ = ['rotate_session']

#: Held in the session while it is regenerated: Flask-Session regenerates
#: only a non-empty session.
_PLACEHOLDER = '_authomatic_extras_rotating'


def rotate_session(keep: bool = True) -> None:
    """Give the current request's session a new identity.

    :param bool keep: keep the session's data (default); ``False`` empties
        the session as well.
    :raises RuntimeError: outside a request.
    :raises authomatic.exceptions.ConfigError: for a server-side session
        whose interface offers no way to change the id (Flask-Session older
        than 0.6: upgrade it).
    """
    if not has_request_context():
        raise RuntimeError('rotate_session() works on the session of the current request: '
                           'call it in the view that completes the login.')
    session: Any = flask_session._get_current_object()  # type: ignore[attr-defined]
    data: Dict[str, Any] = dict(session) if keep else {}
    own = getattr(session, 'regenerate', None)
    interface = current_app.session_interface
    if callable(own):  # Flask-KVSession
        own()
    elif getattr(session, 'sid', None) is not None:  # Flask-Session
        regenerate = getattr(interface, 'regenerate', None)
        if not callable(regenerate):
            raise ConfigError(
                'The session interface {0} keeps sessions on the server but cannot give a '
                'session a new id: upgrade Flask-Session to 0.6 or later.'.format(
                    type(interface).__name__))
        session[_PLACEHOLDER] = True  # regenerate() skips an empty session
        regenerate(session)
    session.clear()
    session.update(data)
    session.modified = True
