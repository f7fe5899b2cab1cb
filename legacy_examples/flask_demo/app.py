"""The Flask demo app: log in with a provider, see who you are, log out.

Built with an application factory so tests (and your own code) can make as
many apps as they like::

    from legacy_examples.flask_demo import create_app

    app = create_app({'AUTHOMATIC_CONFIG': {'local': server.config_entry(id=1)},
                      'SECRET_KEY': '...'})

Pages:

``/``
    the login links (one per configured provider), or, once logged in, the
    user's name, e-mail, id and the credentials' expiry with a "Log out" link;
``/login/<provider name>/``
    the login (:meth:`FlaskAuthomatic.login`): a redirect to the provider,
    then, on its way back, the user is stored in Flask's session and the
    browser is sent to ``/``. A refused or failed login shows a readable
    error page (status 401);
``/logout``
    forgets the user.

Only JSON-safe fields are kept in the session (name, e-mail, id, username,
provider and the expiry time, and for OpenID Connect the verified id_token
claims shown on the page); no token ever reaches the session or a page.
"""
import logging
import os
import secrets
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

from authomatic.exceptions import CancellationError
from flask import (Blueprint, Flask, flash, redirect, render_template, request, send_from_directory,
                   session, url_for)
from markupsafe import Markup, escape

from authomatic_extras.failure_log import is_user_side_failure
from authomatic_extras.flask import FlaskAuthomatic
from authomatic_extras.login_state import LoginStateExpired
from authomatic_extras.signals import login_succeeded

from .providers import provider_title, providers_from_env

__all__ = ['create_app', 'authomatic', 'demo']

#: The extension, shared by every app :func:`create_app` makes; each app
#: gets its own provider config and secret through ``init_app``.
authomatic = FlaskAuthomatic(logger=logging.getLogger('legacy_examples.flask_demo.login'))

demo = Blueprint('demo', __name__)

#: Host names of this machine: an issuer there is a local one.
LOOPBACK_HOSTS = ('127.0.0.1', 'localhost', '::1')

#: The session key of the logged-in user.
USER_KEY = 'user'

DEFAULTS = {
    # Our own cookie name: the local providers run on other ports of the same
    # machine, and browsers do not separate cookies by port.
    'SESSION_COOKIE_NAME': 'authomatic_demo',
    # Lax (the browsers' default) is what a login needs: the provider sends
    # the browser back with a cross-site top-level GET, which carries it.
    'SESSION_COOKIE_SAMESITE': 'Lax',
    'SESSION_COOKIE_HTTPONLY': True,
    'DEMO_TITLE': 'authomatic-extras Flask demo',
}


def create_app(config=None, providers_env=None):
    """Make the demo app.

    :param dict config: Flask config values. ``AUTHOMATIC_CONFIG`` is the
        providers' config for the authomatic core; without it, the real
        providers whose environment variables are set are used (see
        :mod:`legacy_examples.flask_demo.providers`). ``SECRET_KEY``
        defaults to ``FLASK_DEMO_SECRET_KEY`` from the environment, else a
        random key per process (logins then do not survive a restart).
    :param dict providers_env: the environment to read real providers from
        (default :data:`os.environ`), for tests.
    """
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    if config:
        app.config.update(config)
    if not app.config.get('SECRET_KEY'):
        app.config['SECRET_KEY'] = (os.environ.get('FLASK_DEMO_SECRET_KEY')
                                    or secrets.token_urlsafe(32))
    if app.config.get('AUTHOMATIC_CONFIG') is None:
        app.config['AUTHOMATIC_CONFIG'] = providers_from_env(providers_env)
    authomatic.init_app(app)
    app.register_blueprint(demo)
    app.jinja_env.filters['expiry'] = describe_expiry
    app.jinja_env.filters['breakable'] = breakable
    app.register_error_handler(404, _not_found)
    login_succeeded.connect(_announce_login, app)
    return app


def _announce_login(app, provider_name, result, **extra):
    """A ``login_succeeded`` receiver: say who logged in (no tokens)."""
    app.logger.info('%s logged in with %s', result.user.name or result.user.id, provider_name)


# -- views ---------------------------------------------------------------------


@demo.route('/')
def index():
    return render_template('index.html', user=session.get(USER_KEY),
                           providers=list_providers())


@demo.route('/login/<provider_name>/')
@authomatic.login()
def login(provider_name):
    result = authomatic.result
    if result is None:
        return authomatic.response          # the redirect to the provider
    title = provider_title(provider_name, _config().get(provider_name) or {})
    if result.error is not None:
        return _login_failed(title, result.error)
    user = result.user
    if user is None:
        return _login_failed(title, None)
    if not (user.name or user.email) and user.credentials:
        # The core's providers fetch the profile only when asked.
        user.update()
    session[USER_KEY] = user_record(provider_name, title, user)
    flash('Logged in with {0}.'.format(title))
    return redirect(url_for('.index'))


@demo.route('/favicon.ico')
def favicon():
    return send_from_directory(demo_static(), 'favicon.svg', mimetype='image/svg+xml',
                               max_age=86400)


@demo.route('/logout')
def logout():
    if session.pop(USER_KEY, None) is not None:
        flash('You are logged out.')
    return redirect(url_for('.index'))


# -- helpers -------------------------------------------------------------------


def _config():
    return authomatic.config or {}


def demo_static():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')


def breakable(text):
    """``text`` (an e-mail address, an id) HTML-escaped, with line-break
    opportunities after ``@`` and ``.`` so a narrow screen wraps it there
    rather than in the middle of a word."""
    if text is None:
        return text
    escaped = str(escape(text))
    return Markup(escaped.replace('@', '@<wbr>').replace('.', '.<wbr>'))


def list_providers():
    """``[(name, title, protocol, provider_url or None)]`` of the configured
    providers, local ones first."""
    found = []
    for name, entry in _config().items():
        if name.startswith('__') or not hasattr(entry, 'get') or not entry.get('class_'):
            continue
        cls = entry['class_']
        cls_name = cls if isinstance(cls, str) else '{0}.{1}'.format(
            cls.__module__, cls.__name__)
        protocol = 'OAuth 1.0a' if '.oauth1.' in cls_name or cls_name.endswith(
            'OAuth1') else 'OpenID Connect' if entry.get('issuer') else 'OAuth 2.0'
        local = entry.get('provider_url') if 'testing' in cls_name else None
        if entry.get('issuer') and urlsplit(entry['issuer']).hostname in LOOPBACK_HOSTS:
            local = entry['issuer']
        found.append({'name': name, 'title': provider_title(name, entry),
                      'protocol': protocol, 'local_url': local})
    found.sort(key=lambda p: (p['local_url'] is None, p['name']))
    return found


def user_record(provider_name, title, user):
    """The JSON-safe description of a logged-in user kept in the session."""
    credentials = user.credentials
    expires_at = int(getattr(credentials, 'expiration_time', 0) or 0) or None

    def text(value):
        return None if value is None else str(value)

    record = {
        'provider': provider_name,
        'provider_title': title,
        'id': text(user.id),
        'name': text(user.name),
        'email': text(user.email),
        'username': text(user.username),
        'expires_at': expires_at,
        'logged_in_at': int(time.time()),
    }
    claims = getattr(user, 'id_token_claims', None)
    if claims:  # OpenID Connect: the id_token's claims, verified by the provider class
        record['claims'] = shown_claims(claims)
    return record


#: The id_token claims the page shows, in this order (the nonce is left out).
SHOWN_CLAIMS = ('sub', 'iss', 'aud', 'azp', 'iat', 'exp', 'auth_time', 'name', 'email',
                'email_verified', 'preferred_username', 'locale')


def shown_claims(claims):
    """``[[name, text], ...]`` of the verified claims the page shows."""
    shown = []
    for name in SHOWN_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        elif isinstance(value, (list, tuple)):
            value = ', '.join(str(v) for v in value)
        elif name in ('iat', 'exp', 'auth_time') and isinstance(value, (int, float)):
            value = '{0} ({1})'.format(int(value), datetime.fromtimestamp(
                value, tz=timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC'))
        shown.append([name, str(value)])
    return shown


def describe_expiry(expires_at, now=None):
    """``'in 59 minutes (2026-11-01 12:34 UTC)'``, ``'expired ...'`` or
    ``'never'`` for credentials without expiry (OAuth 1.0a)."""
    if not expires_at:
        return 'never (these credentials do not expire)'
    now = time.time() if now is None else now
    when = datetime.fromtimestamp(expires_at, tz=timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    seconds = int(expires_at - now)
    if seconds <= 0:
        return 'expired ({0})'.format(when)
    if seconds < 120:
        span = '{0} seconds'.format(seconds)
    elif seconds < 2 * 3600:
        span = '{0} minutes'.format(seconds // 60)
    elif seconds < 2 * 86400:
        span = '{0} hours'.format(seconds // 3600)
    else:
        span = '{0} days'.format(seconds // 86400)
    return 'in {0} ({1})'.format(span, when)


def _login_failed(title, error):
    """The page of a login that did not finish, in plain words: what
    happened, whether somebody is still logged in, and the way back."""
    user = session.get(USER_KEY)
    still = (' You are still logged in as {0} (with {1}).'.format(
        user.get('name') or user.get('username') or user.get('id'), user.get('provider_title'))
        if user else ' Nobody is logged in.')
    detail = None  # The core's message may carry a request token.
    if isinstance(error, CancellationError):
        heading = 'Login cancelled'
        message = ('You chose not to log in with {0}: you clicked "Deny" on its page (or '
                   'cancelled there).').format(title) + still
    elif isinstance(error, LoginStateExpired):
        heading = 'This login link has expired'
        message = ('The login with {0} was started too long ago to be finished '
                   'now.').format(title) + still + ' To log in, start again below.'
    elif is_user_side_failure(error):
        heading = 'This login link was already used'
        message = ('This page belongs to a login with {0} that is already over: the page '
                   'was reloaded, or reached again with the Back button.').format(
                       title) + still + ' To log in again, start again below.'
    else:
        heading = 'Login failed'
        message = 'Logging in with {0} did not work.'.format(title) + still
        detail = ('{0}: {1}'.format(type(error).__name__, getattr(error, 'message', error))
                  if error is not None else 'The provider returned no user.')
    return render_template('error.html', heading=heading, message=message,
                           detail=detail, provider=title,
                           retry_url=request.path), 401


def _not_found(error):
    description = getattr(error, 'description', None) or 'No such page.'
    return render_template('error.html', heading='Not found', message=description,
                           detail=None, provider=None, retry_url=None), 404
