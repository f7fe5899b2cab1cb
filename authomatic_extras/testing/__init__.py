"""Local test providers for Authomatic: real OAuth 2.0, OAuth 1.0a and
OpenID 2.0 servers on ``127.0.0.1``, with no internet and no account.

Public API (imported lazily, so ``import authomatic_extras.testing`` stays
cheap and needs none of the optional libraries):

* :class:`LocalOAuth2Server` (Authlib), :class:`LocalOAuth1Server` (Authlib),
  :class:`LocalOpenIDServer` (python3-openid);
* :class:`LocalUser`, the test users they offer on their consent page;
* the provider classes :class:`LocalOAuth2` and :class:`LocalOAuth1` for the
  core's config (:mod:`authomatic_extras.testing.providers`);
* the drivers :func:`login_with_requests` and :func:`login_with_test_client`
  (:mod:`authomatic_extras.testing.driver`);
* pytest fixtures in :mod:`authomatic_extras.testing.pytest_plugin`.

Quick start::

    from authomatic import Authomatic
    from authomatic_extras.testing import LocalOAuth2Server

    with LocalOAuth2Server() as server:
        authomatic = Authomatic({'local': server.config_entry(id=1)}, 'secret')
        # your app calls authomatic.login(adapter, 'local') at /login/local

See ``docs/testing.md`` for the whole guide.
"""
import importlib

__all__ = [
    'LocalOAuth2Server', 'LocalOAuth1Server', 'LocalOpenIDServer', 'LocalUser',
    'LocalClient', 'LocalOAuth2', 'LocalOAuth1', 'login_with_requests',
    'login_with_test_client', 'LoginTrip', 'Hop', 'LoginDriveError',
    'FAULT_KINDS', 'CONSENT_HEADER', 'LocalAppServer', 'stop_before_callback',
    'replace_query', 'make_login_app', 'make_flask_login_app', 'ScriptedSite',
    'ID_TOKEN_FAULTS',
]

_WHERE = {
    'LocalOAuth2Server': '.oauth2_server',
    'LocalClient': '.oauth2_models',
    'ID_TOKEN_FAULTS': '.oidc_issuer',
    'LocalOAuth1Server': '.oauth1_server',
    'LocalOpenIDServer': '.openid_server',
    'LocalUser': '._base',
    'FAULT_KINDS': '._base',
    'LocalAppServer': '._base',
    'LocalOAuth2': '.providers',
    'LocalOAuth1': '.providers',
    'login_with_requests': '.driver',
    'login_with_test_client': '.driver',
    'LoginTrip': '.driver',
    'Hop': '.driver',
    'LoginDriveError': '.driver',
    'CONSENT_HEADER': '.driver',
    'stop_before_callback': '.driver',
    'replace_query': '.driver',
    'make_login_app': '.apps',
    'make_flask_login_app': '.apps',
    'ScriptedSite': '.scripted_site',
}


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError('module {0!r} has no attribute {1!r}'.format(__name__, name))
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
