# -*- coding: utf-8 -*-
"""Flask extension for the Authomatic login library.

Usage, as in upstream's ``authomatic.extras.flask``::

    from authomatic_extras.flask import FlaskAuthomatic

    authomatic = FlaskAuthomatic(config=CONFIG, secret='a long random string')

    @app.route('/login/<provider_name>/')
    @authomatic.login()
    def login(provider_name):
        if authomatic.result:
            if authomatic.result.error:
                return 'Login failed: {}'.format(authomatic.result.error.message)
            authomatic.result.user.update()
            return 'Hi {}'.format(authomatic.result.user.name)
        return authomatic.response

Or with an application factory::

    authomatic = FlaskAuthomatic()

    def create_app():
        app = Flask(__name__)
        app.config['AUTHOMATIC_CONFIG'] = CONFIG
        authomatic.init_app(app)
        return app

Differences from upstream that a user can rely on:

* :attr:`FlaskAuthomatic.result` and :attr:`FlaskAuthomatic.response` belong
  to the current request; two overlapping requests never see each other's.
* Login state kept in Flask's session is signed with ``secret``, expires
  after ``session_max_age`` seconds, is plain JSON (OpenID included), is
  removed when the login finishes, and all of it stays under
  :attr:`FlaskAuthomatic.login_state_max_bytes`.
* A provider's answer continues only the login of this browser it belongs
  to (OpenID: by a flow id in the signed ``return_to``); an answer or cancel
  that belongs to none fails with
  :class:`~authomatic_extras.login_state.LoginStateMismatch` and changes
  nothing.
* :func:`rotate_session` gives the session a new identity after a login.
* An unknown provider name answers 404.
* OpenID discovery reaches only http(s) URLs on public addresses unless the
  provider config allows more (:mod:`authomatic_extras.openid_guard`).
* Login secrets are redacted from everything the core logs
  (:mod:`authomatic_extras.log_redaction`).
"""
from __future__ import annotations

import contextlib
import logging
import re
import socket
import weakref
from functools import lru_cache, wraps
from urllib.parse import parse_qsl, unquote_plus, urlsplit
from typing import Any, Callable, Dict, Iterator, Optional, Tuple, TypeVar, cast

from authomatic import Authomatic
from authomatic.adapters import WerkzeugAdapter
from authomatic.core import LoginResult, resolve_provider_class
from authomatic.exceptions import (BaseError, CancellationError, ConfigError, FailureError,
                                   FetchError)
from flask import (Flask, abort, current_app, g, has_app_context, has_request_context,
                   make_response, request)
from flask import session as flask_session
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from authomatic_extras import signals
from authomatic_extras.address_policy import AddressPolicy, is_plain_host
from authomatic_extras.credentials import (DEFAULT_REFRESH_MARGIN, needs_refresh,
                                           refresh_credentials)
from authomatic_extras.debug_page import debug_error_response
from authomatic_extras.failure_log import (DEFER_CORE_FAILURE_RECORDS, deferring_core_failures,
                                           log_failed_login)
from authomatic_extras.fetch_timeout import fetch_timeout
from authomatic_extras.log_redaction import install_everywhere as install_log_redaction
from authomatic_extras.login_state import (MAX_STATE_BYTES, LoginState, LoginStateError,
                                            LoginStateMismatch, LoginStateMissing,
                                            LoginStateTooLarge)
from authomatic_extras.openid_binding import FLOW_PARAM, add_to_return_to
from authomatic_extras.openid_guard import generic_discovery_error, openid_guard
from authomatic_extras.providers.pkce import entries_without_pkce
from authomatic_extras.session_identity import rotate_session

__all__ = ['FlaskAuthomatic', 'MalformedCallbackError', 'rotate_session']

#: Key of the per-app state in :attr:`flask.Flask.extensions`.
EXTENSION_NAME = 'authomatic'

ViewFunc = TypeVar('ViewFunc', bound=Callable[..., Any])


class MalformedCallbackError(FailureError):
    """The core failed on a callback it could not parse (a forged or
    truncated ``state``, random bytes in a parameter). Its ``__cause__`` is
    the original exception."""


class _AppState(object):
    """What :meth:`FlaskAuthomatic.init_app` resolved for one app."""

    def __init__(self, config: Any, secret: Optional[str]):
        self.config = config
        self.secret = secret


class _RequestState(object):
    """The login outcome of one request."""

    def __init__(self, request_object: Any, result: Optional[LoginResult], response: Response):
        self.request = request_object
        self.result = result
        self.response = response


@lru_cache(maxsize=None)
def _discovery_failure_class() -> Optional[type]:
    """python3-openid's ``DiscoveryFailure``, or ``None`` without python3-openid
    (imported lazily, once: OpenID is optional)."""
    try:
        from openid.yadis.discover import DiscoveryFailure
    except ImportError:
        return None
    return cast(type, DiscoveryFailure)


@lru_cache(maxsize=None)
def _openid_provider_class() -> Optional[type]:
    """The core's OpenID provider class, or ``None`` without python3-openid
    (the core's module imports it)."""
    try:
        from authomatic.providers.openid import OpenID
    except ImportError:
        return None
    return cast(type, OpenID)


def _root_cause(error: Optional[BaseException]) -> Optional[BaseException]:
    """The error itself, or for an error the core raised while handling
    another (a timeout, python3-openid's DiscoveryFailure), that other one."""
    if error is None or isinstance(error, BaseError):
        return error
    discovery_failure = _discovery_failure_class()
    causes: Tuple[type, ...] = (OSError,) if discovery_failure is None \
        else (OSError, discovery_failure)
    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, causes):
            return seen
        seen = seen.__cause__ or seen.__context__
    return error


def _current_request() -> Any:
    """The request object itself (every attribute read through the
    :data:`flask.request` proxy costs a context lookup)."""
    return request._get_current_object()  # type: ignore[attr-defined]


#: Parameters of a provider's answer (the core starts a login only without them).
_ANSWER_PARAMS = frozenset(['code', 'error', 'error_message', 'error_reason', 'state',
                            'oauth_token', 'oauth_verifier', 'denied', 'openid.mode'])


def _is_openid(settings: Any) -> bool:
    """Whether a provider is an OpenID one (the core's class or a subclass)."""
    openid_class = _openid_provider_class()
    if openid_class is None:
        return False
    provider_class = resolve_provider_class(settings.get('class_'))
    return isinstance(provider_class, type) and issubclass(provider_class, openid_class)


def _reset(response: Response) -> None:
    """Forget what the core put into ``response`` (the step is refused)."""
    response.status_code = 200
    response.headers.pop('Location', None)
    response.set_data(b'')


def _serialized_or_none(credentials: Any) -> Optional[str]:
    """``credentials.serialize()``, or ``None`` when the config entry has no ``id``."""
    try:
        return cast(str, credentials.serialize())
    except ConfigError:
        return None


def _prepared(response: Response) -> bool:
    """Whether the core put anything (a redirect, a page) into ``response``."""
    return response.status_code != 200 or 'Location' in response.headers \
        or bool(response.get_data())


#: The ``state`` parameter of a query string.
_STATE_VALUE = re.compile(r'(?:^|&)state=([^&]*)')


def _redirect_values(response: Response) -> Iterator[str]:
    """The query values of a redirect: what the provider may send back.
    ``state`` comes first (OAuth 2.0 carries the login's mark in it), the
    rest is parsed only if the caller reads on."""
    location = response.headers.get('Location')
    if not location:
        return
    query = urlsplit(location).query
    found = _STATE_VALUE.search(query)
    if found:
        yield unquote_plus(found.group(1))
    for name, value in parse_qsl(query):
        if name != 'state':
            yield value


class FlaskAuthomatic(Authomatic):
    """Flask Plugin for authomatic support.

    Encapsulates all the functionality of this package.

    :param dict config: The Authomatic config (provider name -> settings), or
        a :class:`~authomatic_extras.interfaces.BaseConfig`. ``None`` to read
        ``AUTHOMATIC_CONFIG`` from the app config in :meth:`init_app`.
    :param str secret: A secret string that will be used as the key for
        signing the login state and as a salt by CSRF token generation.
        ``None`` to read ``AUTHOMATIC_SECRET`` (then ``SECRET_KEY``) from the
        app config.
    :param session_max_age: Maximum allowed age of the login state, in
        seconds. A callback that arrives later ends in a
        :class:`~authomatic_extras.login_state.LoginStateExpired` error.
    :param bool secure_cookie: If ``True`` the cookie that carries the login
        state is saved with the ``Secure`` attribute. With Flask's session that
        cookie is the session cookie, so this sets ``SESSION_COOKIE_SECURE``.
    :param session: Custom dictionary-like session implementation, used
        instead of Flask's session (for instance a
        :class:`~authomatic_extras.interfaces.BaseSession`).
    :param callable session_save_method: A method of the supplied session or
        any mechanism that saves the session data and cookie. Defaults to
        ``session.save``.
    :param bool report_errors: If ``True`` exceptions encountered during the
        login procedure will be caught and reported in the
        :attr:`LoginResult.error` attribute. Default is ``True``.
    :param bool debug: If ``True`` traceback of exceptions will be written to
        response (only when ``report_errors`` is ``False``). Default is
        ``False``.
    :param int logging_level: The logging level threshold for the default
        logger. This setting is ignored when ``logger`` is set. Default is
        ``logging.INFO``.
    :param str prefix: Prefix used as the name of the login state (the key
        that holds it in the session, and the core's session key prefix).
    :param logger: A :class:`logging.Logger` instance.
    :param app: A Flask app to :meth:`init_app` right away (an addition to the
        upstream signature, for the app-factory convention).
    :param fetch_timeout: Seconds each network operation of a call to the
        provider may take during a login or :meth:`access` before the login
        ends in a :class:`~authomatic.exceptions.FetchError`; ``None`` waits
        forever as upstream does (an addition to the upstream signature).
    """

    #: Bound of all login state one session holds, every provider together,
    #: in characters (Flask's session only). The oldest logins in flight are
    #: dropped to stay under it; one login larger than it fails with
    #: :class:`~authomatic_extras.login_state.LoginStateTooLarge`. Lower it
    #: if your app keeps more than about 1 KB of its own data in the
    #: session cookie (browsers drop cookies over 4 KB).
    login_state_max_bytes: int = MAX_STATE_BYTES

    def __init__(self, config: Any = None, secret: Optional[str] = None,
                 session_max_age: Optional[int] = 600, secure_cookie: bool = False,
                 session: Any = None, session_save_method: Optional[Callable[[], Any]] = None,
                 report_errors: bool = True, debug: bool = False,
                 logging_level: int = logging.INFO, prefix: str = 'authomatic',
                 logger: Optional[logging.Logger] = None, app: Optional[Flask] = None,
                 fetch_timeout: Optional[float] = 20) -> None:
        if session is not None and session_save_method is None:
            session_save_method = getattr(session, 'save', None)
            if not callable(session_save_method):
                raise ConfigError('A custom session needs a session_save_method (or a '
                                  'save() method): pass session_save_method=...')
        default_logger = logging.getLogger('authomatic_extras.flask.' + prefix)
        super(FlaskAuthomatic, self).__init__(
            config, secret, session_max_age=session_max_age, secure_cookie=secure_cookie,
            session=session, session_save_method=session_save_method,
            report_errors=report_errors, debug=debug, logging_level=logging_level,
            prefix=prefix, logger=default_logger)
        # authomatic 1.2.1 sets the level only on a logger of its own making.
        default_logger.setLevel(logging_level)
        if logger is not None:
            # The core would set logging_level on it; the docs say it is ignored.
            self._logger = logger
        # Whatever the core and python3-openid log goes through these loggers:
        # never a state, code, token or signature (any level).
        install_log_redaction(self._logger)
        # Failed logins are logged once, by the extension (failure_log).
        self._logger.addFilter(DEFER_CORE_FAILURE_RECORDS)
        self.fetch_timeout = fetch_timeout
        self._openid_store: Any = None
        #: Per-app config and secret resolved by :meth:`init_app`, keyed by
        #: the app (one extension may serve several apps).
        self._app_states: 'weakref.WeakKeyDictionary[Flask, _AppState]' = \
            weakref.WeakKeyDictionary()
        #: Where this instance keeps the current request's outcome in ``g``.
        self._g_key = '_authomatic_extras_{0:x}'.format(id(self))
        if app is not None:
            self.init_app(app)

    # -- configuration -----------------------------------------------------

    @property
    def config(self) -> Any:
        """The config given to the constructor, else the current app's."""
        if self._config is not None:
            return self._config
        state = self._app_state()
        return state.config if state is not None else None

    @config.setter
    def config(self, value: Any) -> None:
        self._config = value

    @property
    def secret(self) -> Optional[str]:
        """The secret given to the constructor, else the current app's."""
        if self._secret:
            return self._secret
        state = self._app_state()
        return state.secret if state is not None else None

    @secret.setter
    def secret(self, value: Optional[str]) -> None:
        self._secret = value

    def init_app(self, app: Flask) -> None:
        """Register the extension with ``app``.

        Reads ``AUTHOMATIC_CONFIG`` and ``AUTHOMATIC_SECRET`` (falling back to
        ``SECRET_KEY``) from ``app.config`` for whatever the constructor was
        not given, and registers the extension as
        ``app.extensions['authomatic']``, as Flask's extension guide asks. The
        values resolved for ``app`` are kept by the extension, per app.

        :raises authomatic.exceptions.ConfigError: when no config or no secret
            can be found.
        """
        config = self._config if self._config is not None else app.config.get('AUTHOMATIC_CONFIG')
        secret = (self._secret or app.config.get('AUTHOMATIC_SECRET')
                  or app.config.get('SECRET_KEY'))
        if config is None:
            raise ConfigError('FlaskAuthomatic has no provider config: pass config= or set '
                              'AUTHOMATIC_CONFIG in the app config.')
        if not secret:
            raise ConfigError('FlaskAuthomatic has no secret: pass secret= or set '
                              'AUTHOMATIC_SECRET (or SECRET_KEY) in the app config.')
        unprotected = entries_without_pkce(config)
        if unprotected:
            raise ConfigError('The config entries {0} say "pkce": True but name a class without '
                              'PKCE: wrap the config in authomatic_extras.providers.pkce.'
                              'apply_pkce().'.format(', '.join(unprotected)))
        if self.secure_cookie and self.session is None:
            app.config['SESSION_COOKIE_SECURE'] = True
        self._app_states[app] = _AppState(config, secret)
        app.extensions[EXTENSION_NAME] = self

    def _app_state(self) -> Optional[_AppState]:
        if not has_app_context():
            return None
        return self._app_states.get(current_app._get_current_object())  # type: ignore[attr-defined]

    def _ensure_app(self) -> None:
        """Apply :meth:`init_app` to the current app if nobody did (seed usage)."""
        app = cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
        if app not in self._app_states:
            self.init_app(app)

    # -- per-request outcome -----------------------------------------------

    def _request_state(self) -> Optional[_RequestState]:
        if not has_request_context():
            return None
        state = g.get(self._g_key)
        if state is not None and state.request is _current_request():
            return cast(_RequestState, state)
        return None

    @property
    def result(self) -> Optional[LoginResult]:
        """The :class:`authomatic.core.LoginResult` of the current request.

        ``None`` while the login is under way (return :attr:`response` then)
        and outside a request.
        """
        state = self._request_state()
        return state.result if state is not None else None

    @property
    def response(self) -> Optional[Response]:
        """The response the login step prepared for the current request
        (a redirect to the provider, or a page the provider needs)."""
        state = self._request_state()
        return state.response if state is not None else None

    # -- the view decorator ------------------------------------------------

    # The seed's decorator replaces the core's login(adapter, ...) on purpose.
    def login(  # type: ignore[override]
            self, *login_args: Any, **login_kwargs: Any) -> Callable[[ViewFunc], ViewFunc]:
        """Decorator for Flask view functions.

        Runs :meth:`authomatic.Authomatic.login` for the current request, then
        calls the view, which reads :attr:`result` and returns
        :attr:`response` while the login is under way. Arguments are those of
        :meth:`authomatic.Authomatic.login` without the adapter. Without a
        provider name, the view's ``provider_name`` URL argument is used; an
        unknown provider answers 404.
        """
        if len(login_args) > 2:
            raise TypeError('login() takes the provider name and a callback positionally; '
                            'pass the other arguments by keyword.')

        def decorator(view: ViewFunc) -> ViewFunc:
            @wraps(view)
            def decorated(*args: Any, **kwargs: Any) -> ResponseReturnValue:
                login_response = make_response()
                try:
                    result = self._login_for_request(login_response, login_args, login_kwargs,
                                                     kwargs.get('provider_name'))
                except HTTPException:
                    raise
                except Exception as error:
                    if not self.debug:
                        raise
                    # debug=True with report_errors=False: show the traceback,
                    # escaped (the core's own page reflects request values).
                    self._logger.exception('authomatic: login failed')
                    return debug_error_response(error)
                setattr(g, self._g_key, _RequestState(_current_request(), result, login_response))
                return self._carry_headers(login_response, view(*args, **kwargs))

            return cast(ViewFunc, decorated)

        return decorator

    def _login_for_request(self, login_response: Response, login_args: Tuple[Any, ...],
                           login_kwargs: Dict[str, Any],
                           url_provider_name: Optional[str]) -> Optional[LoginResult]:
        self._ensure_app()
        current = _current_request()
        args = list(login_args)
        kwargs = dict(login_kwargs)
        if args:
            provider_name = args.pop(0)
        else:
            provider_name = kwargs.pop('provider_name', None) or url_provider_name
        callback = args.pop(0) if args else kwargs.pop('callback', None)
        settings = self._provider_settings(provider_name)
        if settings is None:
            abort(404, description='Unknown login provider.')
        if not is_plain_host(current.host):
            # The core writes the request's URL into pages and redirects.
            abort(400, description='The Host header is not a valid host name.')

        state = None
        openid = _is_openid(settings)
        if 'session' in kwargs:
            session = kwargs.pop('session')
            saver = kwargs.pop('session_saver', None) or getattr(session, 'save', None)
            if not callable(saver):
                raise ConfigError('login(session=...) needs session_saver=... (or a session '
                                  'with a save() method).')
        elif self.session is not None:
            session, saver = self.session, self.session_save_method
        else:
            # OpenID answers are tied to their login by a flow id in the signed
            # return_to; OAuth answers by the state / request token they echo.
            state = LoginState(flask_session._get_current_object(),  # type: ignore[attr-defined]
                               self.prefix, provider_name, cast(str, self.secret),
                               self.session_max_age, params=current.args.values(),
                               echoes=lambda: _redirect_values(login_response), bind=openid,
                               flow_id=current.args.get(FLOW_PARAM) if openid else None,
                               max_bytes=self.login_state_max_bytes)
            session, saver = state, state.save

        if openid and 'store' not in kwargs and settings.get('store') is None:
            kwargs['store'] = self.openid_store
        adapter = WerkzeugAdapter(current, login_response)

        def without_login(error: BaseError) -> LoginResult:
            return self._result_without_login(adapter, provider_name, settings, session,
                                              saver, error, kwargs)

        if state is not None and state.bind and 'openid.mode' in current.args \
                and not (state.continued and state.found and state.problem is None):
            # An OpenID answer of no usable login of this session (none, or
            # expired, or invalid): refused before python3-openid acts on it
            # (no discovery, no verification, no nonce spent).
            result: Optional[LoginResult] = without_login(self._unmatched(state, provider_name))
        else:
            # Only OpenID discovers and fetches through python3-openid; OAuth
            # providers never reach what the guard watches.
            guard = (openid_guard(AddressPolicy.from_settings(settings)) if openid
                     else contextlib.nullcontext())
            try:
                with fetch_timeout(self.fetch_timeout), deferring_core_failures(), guard:
                    result = super(FlaskAuthomatic, self).login(
                        adapter, provider_name, callback=callback, session=session,
                        session_saver=saver, **kwargs)
            except LoginStateTooLarge as error:
                # Raised by state.save(), which the core calls outside its
                # error handling: the step is refused, nothing was written.
                _reset(login_response)
                result = without_login(error)
        if result is None and state is not None and state.bind and state.flow_id \
                and not add_to_return_to(login_response, FLOW_PARAM, state.flow_id):
            _reset(login_response)
            result = without_login(FailureError(
                'The OpenID request could not be tied to this browser (no openid.return_to '
                'in the first step), so it was not sent. Start the login again.'))
        if result is not None:
            if state is not None:
                state.clear()  # only the flow this request continued, if any
                result = self._check_state(result, state, provider_name)
            result = self._clarify_error(result)
            if result.error is not None:
                log_failed_login(self._logger, provider_name, result.error)
        elif not _prepared(login_response):
            # The core neither started nor continued a login (it starts only
            # on a request without parameters): say so instead of a blank 200.
            abort(400, description=(
                'This request neither starts nor continues a login with "{0}": the '
                'parameters {1} are not what the provider sends back. Start the login '
                'again from its link, without query parameters.').format(
                    provider_name, ', '.join(sorted(current.args)) or '(none)'))
        self._send_signal(provider_name, result, login_response)
        return result

    @property
    def openid_store(self) -> Any:
        """The python3-openid store OpenID logins use when their config names
        none: a :class:`openid.store.memstore.MemoryStore` of this process.

        It keeps nonces on the server, so a replayed OpenID callback is refused
        even with an old session cookie (the core's default keeps them in the
        session, which the client controls). With several app processes it
        breaks OpenID (a login finished on another instance fails): share one
        store by setting ``'store'`` in the provider's config
        (:class:`authomatic_extras.openid_stores.RedisOpenIDStore`,
        python3-openid's SQL stores, or
        :class:`authomatic_extras.gae.openid.NDBOpenIDStore`).
        """
        if self._openid_store is None:
            from openid.store.memstore import MemoryStore
            self._openid_store = MemoryStore()
        return self._openid_store

    @staticmethod
    def _send_signal(provider_name: str, result: Optional[LoginResult],
                     login_response: Response) -> None:
        signal = (signals.login_started if result is None else signals.login_failed
                  if result.error is not None else signals.login_succeeded)
        if not signal.receivers:
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if result is None:
            if login_response.status_code in (301, 302, 303, 307) or login_response.data:
                signals.login_started.send(app, provider_name=provider_name,
                                           response=login_response)
        elif result.error is not None:
            signals.login_failed.send(app, provider_name=provider_name, result=result,
                                      error=result.error)
        else:
            signals.login_succeeded.send(app, provider_name=provider_name, result=result)

    def _clarify_error(self, result: LoginResult) -> LoginResult:
        """Give errors that escaped the core's own checks a typed, readable form."""
        error = _root_cause(result.error)
        discovery_failure = _discovery_failure_class()
        if discovery_failure is not None and isinstance(error, discovery_failure):
            # The core reads e.message on it, which python3-openid lacks. One
            # message whatever the target answered: no port-scan oracle.
            result.error = generic_discovery_error(error)
        elif isinstance(error, (TimeoutError, socket.timeout)):
            clear: BaseError = FetchError(
                'The provider did not answer within fetch_timeout ({0} s).'.format(
                    self.fetch_timeout))
            clear.__cause__ = error
            result.error = clear
        elif isinstance(error, OSError):
            clear = FetchError('The connection to the provider failed ({0}).'.format(error))
            clear.__cause__ = error
            result.error = clear
        elif error is not None and not isinstance(error, BaseError):
            clear = MalformedCallbackError(
                'The login could not be completed ({0}: {1}); the request may be '
                'malformed. Start the login again.'.format(type(error).__name__, error))
            clear.__cause__ = error
            result.error = clear
        return result

    def _provider_settings(self, provider_name: Any) -> Any:
        """The config entry of a provider one may log in with, else ``None``."""
        if not provider_name or not isinstance(provider_name, str):
            return None
        if provider_name.startswith('__'):  # '__defaults__' and the like
            return None
        config = self.config
        settings = config.get(provider_name) if config is not None else None
        if settings is not None and callable(getattr(settings, 'get', None)) \
                and settings.get('class_'):
            return settings
        return None

    def _check_state(self, result: LoginResult, state: LoginState,
                     provider_name: str) -> LoginResult:
        """A finished login must rest on a valid login state of this session.

        Only a request that continues one of the session's own flows may end
        a login: anything else (an answer or a cancel meant for another
        browser, a replay, a forged link) fails with
        :class:`~authomatic_extras.login_state.LoginStateMismatch` (or
        ``LoginStateMissing`` when no login is pending) and leaves the
        pending logins alone. A failure caused by unusable state says so,
        unless the user cancelled or the provider was unreachable, which are
        the better messages.
        """
        if isinstance(result.error, LoginStateError):
            return result  # refused before the provider's login ran
        problem: Optional[LoginStateError] = state.problem
        if not state.continued:
            if result.error is None:
                problem = self._unmatched(state, provider_name)
            elif isinstance(result.error, FetchError) or not _ANSWER_PARAMS & set(request.args):
                problem = None  # a first step that failed: the core's error says why
            elif isinstance(result.error, CancellationError) and not state.pending:
                problem = None  # nothing pending to protect: the user said no
            else:
                problem = self._unmatched(state, provider_name)
        elif result.error is None:
            if problem is None and not state.found:
                problem = self._unmatched(state, provider_name)
        elif isinstance(result.error, (CancellationError, FetchError)):
            problem = None
        if problem is None:
            return result
        return self._refuse(result, problem)

    def _refuse(self, result: LoginResult, problem: LoginStateError) -> LoginResult:
        if not self.report_errors:
            self._logger.warning('authomatic: %s', problem)
            raise problem
        result.provider.user = None
        result.error = problem
        return result

    @staticmethod
    def _unmatched(state: LoginState, provider_name: str) -> LoginStateError:
        if state.problem is not None:
            return state.problem
        if state.pending:
            return LoginStateMismatch(
                'This answer from "{0}" does not belong to any login in flight in this '
                'browser session (it may come from another browser, an old tab, or a '
                'forged link); the pending logins were left as they were. Start the '
                'login again if it was yours.'.format(provider_name))
        return LoginStateMissing(
            'This login link for "{0}" was already used, or its login was not started in '
            'this browser (a reloaded page, the Back button, or cookies blocked). Start '
            'the login again.'.format(provider_name))

    def _result_without_login(self, adapter: Any, provider_name: str, settings: Any,
                              session: Any, saver: Any, error: BaseError,
                              kwargs: Dict[str, Any]) -> LoginResult:
        """A failed :class:`LoginResult` for a step refused without running
        the provider's login (its provider object is made as the core makes
        it, so ``result.provider`` is there as usual)."""
        provider_class = resolve_provider_class(settings.get('class_'))
        provider = provider_class(self, adapter=adapter, provider_name=provider_name,
                                  callback=None, session=session, session_saver=saver,
                                  **kwargs)
        result = LoginResult(provider)
        if isinstance(error, LoginStateError):
            return self._refuse(result, error)
        if not self.report_errors:
            raise error
        result.error = error
        return result

    @staticmethod
    def _carry_headers(login_response: Response, rv: ResponseReturnValue) -> ResponseReturnValue:
        """Keep cookies the login step set when the view returns its own response."""
        if rv is login_response:
            return rv
        cookies = login_response.headers.getlist('Set-Cookie')
        if not cookies:
            return rv
        response = make_response(rv)
        for cookie in cookies:
            response.headers.add('Set-Cookie', cookie)
        return response

    #: Seconds before their expiry at which :meth:`access` refreshes credentials.
    refresh_margin: int = DEFAULT_REFRESH_MARGIN

    def access(self, credentials: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        """Same as :meth:`authomatic.Authomatic.access`, bounded by
        ``fetch_timeout``, with credentials kept fresh.

        Credentials that expired, or expire within :attr:`refresh_margin`
        seconds, are refreshed first when they hold a refresh token: a
        ``Credentials`` object passed in is updated in place, and
        :data:`~authomatic_extras.signals.credentials_refreshed` is sent so
        the app can store the new ones.

        :raises authomatic_extras.credentials.CredentialsExpiredError: expired
            credentials with no refresh token.
        :raises authomatic_extras.credentials.CredentialsRefreshError: the
            provider refused the refresh.
        :raises authomatic_extras.credentials.CredentialsRefreshFetchError:
            the provider was unreachable or slower than ``fetch_timeout``
            during the refresh (an :class:`~authomatic.exceptions.FetchError`).
        """
        with fetch_timeout(self.fetch_timeout):
            credentials = self.credentials(credentials)
            if needs_refresh(credentials, self.refresh_margin):
                previous = _serialized_or_none(credentials)
                if refresh_credentials(credentials):
                    self._send_refreshed(credentials, previous)
            return super(FlaskAuthomatic, self).access(credentials, url, *args, **kwargs)

    @staticmethod
    def _send_refreshed(credentials: Any, previous: Optional[str]) -> None:
        if signals.credentials_refreshed.receivers:
            app = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
            signals.credentials_refreshed.send(
                app, provider_name=credentials.provider_name, credentials=credentials,
                serialized=_serialized_or_none(credentials), previous=previous)

    def session_saver(self) -> None:
        """Mark Flask's session modified (upstream's saver, kept for compatibility)."""
        flask_session.modified = True
