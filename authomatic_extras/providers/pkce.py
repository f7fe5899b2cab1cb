# -*- coding: utf-8 -*-
"""PKCE (RFC 7636, ``S256``) for the authomatic core's OAuth 2.0 providers.

With PKCE the authorization request carries a ``code_challenge`` and the
token request the matching ``code_verifier``, so an authorization code that
leaks (a log, a referrer, a malicious app on the same device) cannot be
redeemed by anyone else. Every OAuth 2.0 class of the core is offered here
with PKCE turned on, under the same name as in
:mod:`authomatic.providers.oauth2`; name it in a config entry like any
provider class, as an object or as a dotted string (which also works where
the config is stored as text, e.g. in the App Engine datastore)::

    from authomatic_extras.providers import pkce

    CONFIG = {
        'github': {
            'class_': pkce.GitHub,   # or 'authomatic_extras.providers.pkce.GitHub'
            'consumer_key': '...',
            'consumer_secret': '...',
            'id': 1,
        },
    }

Any other OAuth 2.0 class (one of your own) gets PKCE from
:func:`with_pkce`: ``'class_': with_pkce(MyProvider)``. Or keep the classes
your config names and mark the entries: :func:`apply_pkce` returns the
config with every entry that says ``'pkce': True`` switched to the PKCE
class (``Authomatic(apply_pkce(CONFIG), secret)``). The config entry's
``'pkce'`` setting turns it off for one provider (``'pkce': False``); it is
on by default for every class of this module, for
:class:`authomatic_extras.providers.OIDC` and for the local test provider.

The verifier never leaves the server except in the token request: the login
state keeps only a random seed, and the verifier is derived from that seed
with the app's ``secret`` (HMAC-SHA256) when it is needed, so neither the
browser (which holds the login state in a cookie) nor the provider's
authorization endpoint ever sees it.

This module runs on Python 2.7 too (gen-1 App Engine apps use it).
"""
import base64
import binascii
import hashlib
import hmac
import os
import threading

import six
from authomatic.core import resolve_provider_class
from authomatic.exceptions import ConfigError
from authomatic.providers import oauth2
from authomatic.providers.oauth2 import OAuth2

__all__ = ['PKCE', 'OAuth2', 'PROVIDER_ID_MAP', 'with_pkce', 'apply_pkce',
           'entries_without_pkce', 'code_challenge', 'code_verifier', 'setting']

#: Key of the PKCE seed in the login state.
SESSION_KEY = 'pkce'

_SALT = b'authomatic-extras.pkce-verifier\n'


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')


def code_challenge(verifier):
    """The ``S256`` code challenge of ``verifier`` (RFC 7636, section 4.2)."""
    return _b64url(hashlib.sha256(verifier.encode('ascii')).digest())


def code_verifier(secret, seed):
    """The code verifier of one login: HMAC-SHA256 of ``seed`` keyed with the
    app's ``secret``, base64url-encoded (43 characters of the unreserved set
    RFC 7636 allows)."""
    if isinstance(secret, six.text_type):
        secret = secret.encode('utf-8')
    if isinstance(seed, six.text_type):
        seed = seed.encode('ascii')
    return _b64url(hmac.new(secret, _SALT + seed, hashlib.sha256).digest())


def _new_seed():
    return binascii.hexlify(os.urandom(32)).decode('ascii')


def setting(provider, kwargs, name, default=None):
    """A provider setting: the login's keyword argument, then the provider's
    config entry, then the config's ``__defaults__``, then ``default``.

    This is the core's ``_kwarg`` as authomatic 1.3.0 has it, which keeps
    falsy values such as ``False`` or ``0`` (1.2.1 drops them, which would
    make ``'pkce': False`` mean "on")."""
    config = provider.settings.config
    for source in (kwargs, config.get(provider.name) or {},
                   config.get('__defaults__') or {}):
        value = source.get(name)
        if value is not None:
            return value
    return default


def _first_step(params):
    return not params or (len(params) == 1 and 'user_state' in params)


class PKCE(OAuth2):
    """OAuth 2.0 with PKCE: put it first among the bases of a provider class
    (``class MyProvider(PKCE, SomeOAuth2Provider)``) or let
    :func:`with_pkce` build that class.

    On the first login step it stores a random seed in the login state and
    adds ``code_challenge`` and ``code_challenge_method=S256`` to the
    authorization request; on the callback it adds ``code_verifier`` to the
    token request. Config entry setting: ``'pkce'`` (default ``True``).

    Credentials of these classes serialize as OAuth 2.0 credentials, like
    those of the class they extend.
    """

    def __init__(self, *args, **kwargs):
        super(PKCE, self).__init__(*args, **kwargs)
        #: Whether this login uses PKCE (the ``'pkce'`` setting).
        self.pkce = bool(setting(self, kwargs, 'pkce', True))

    def login(self):
        if self.pkce and self.adapter is not None:
            self._add_pkce_params()
        return super(PKCE, self).login()

    def _add_pkce_params(self):
        params = self.params
        secret = self.settings.secret or ''
        if _first_step(params):
            seed = _new_seed()
            self._session_set(SESSION_KEY, seed)
            self.user_authorization_params = dict(
                self.user_authorization_params or {},
                code_challenge=code_challenge(code_verifier(secret, seed)),
                code_challenge_method='S256')
        elif params.get('code'):
            seed = self._session_get(SESSION_KEY)
            if seed:
                # Without a seed the token request goes out without a
                # verifier and the provider refuses the code.
                self.access_token_params = dict(
                    self.access_token_params or {},
                    code_verifier=code_verifier(secret, seed))


#: Provider classes of this module, in the order the core uses to compute
#: ``type_id`` of serialized credentials: the core's OAuth 2.0 classes in
#: the order of :data:`authomatic.providers.oauth2.__all__`, then classes
#: :func:`with_pkce` built, in the order it built them.
PROVIDER_ID_MAP = [PKCE]

_built = {}
_build_lock = threading.Lock()


def with_pkce(provider_class):
    """Return ``provider_class`` with PKCE: a subclass of :class:`PKCE` and
    ``provider_class`` (built once, then reused), or ``provider_class`` itself
    if it has PKCE already.

    :param provider_class: an OAuth 2.0 provider class of the core or of your
        own, or its dotted path.
    :raises authomatic.exceptions.ConfigError: for a class that is not an
        OAuth 2.0 provider.

    The class is registered in this module under its name (the core's
    classes keep theirs; others get their module path in front, e.g.
    ``myapp_providers_Gitea``), so serialized credentials can find it.
    """
    resolved = resolve_provider_class(provider_class)
    if not (isinstance(resolved, type) and issubclass(resolved, OAuth2)):
        raise ConfigError('PKCE works with OAuth 2.0 provider classes only, not '
                          '{0!r}.'.format(provider_class))
    if issubclass(resolved, PKCE):
        return resolved
    with _build_lock:
        built = _built.get(resolved)
        if built is None:
            if resolved.__module__ == oauth2.__name__:
                name = resolved.__name__
            else:
                name = '{0}_{1}'.format(resolved.__module__.replace('.', '_'),
                                        resolved.__name__)
            built = type(str(name), (PKCE, resolved), {
                '__module__': __name__,
                '__doc__': '{0} with PKCE (S256).'.format(resolved.__name__)})
            globals()[name] = built
            PROVIDER_ID_MAP.append(built)
            _built[resolved] = built
            if name not in __all__:
                __all__.append(name)
    return built


def _has_pkce(class_):
    try:
        resolved = resolve_provider_class(class_)
    except Exception:  # an unknown dotted path: the core reports it at login
        return True
    return isinstance(resolved, type) and issubclass(resolved, PKCE)


def apply_pkce(config):
    """Return a copy of the core's ``config`` in which every entry with
    ``'pkce': True`` names a PKCE class (:func:`with_pkce` of its class).
    Entries without the setting are left as they are."""
    result = {}
    for name, entry in config.items():
        if isinstance(entry, dict) and entry.get('pkce') is True \
                and not _has_pkce(entry.get('class_')):
            entry = dict(entry, class_=with_pkce(entry.get('class_')))
        result[name] = entry
    return result


def entries_without_pkce(config):
    """Names of ``config`` entries that ask for ``'pkce': True`` but name a
    class without PKCE (the core would silently ignore the setting)."""
    items = getattr(config, 'items', None)
    if not callable(items):
        return []
    return sorted(name for name, entry in items()
                  if isinstance(entry, dict) and entry.get('pkce') is True
                  and entry.get('class_') and not _has_pkce(entry.get('class_')))


for _name in oauth2.__all__:
    if _name != 'OAuth2':
        with_pkce(getattr(oauth2, _name))
del _name
