"""pytest fixtures for the local test providers.

Registered as the ``authomatic_extras`` pytest plugin (``pytest11`` entry
point), so the fixtures are available in every project that installs
authomatic-extras. This module imports nothing optional at import time:
Authlib, python3-openid and requests are imported only when a fixture runs.

Fixtures (each runs its own server on ``127.0.0.1``, **started once per test
session** because starting is the slow part; per-test state does not leak:
before every test the users are reset to the defaults and all faults are
cleared):

``local_oauth2_server``
    a :class:`~authomatic_extras.testing.LocalOAuth2Server`.
``local_oauth1_server``
    a :class:`~authomatic_extras.testing.LocalOAuth1Server`.
``local_openid_server``
    a :class:`~authomatic_extras.testing.LocalOpenIDServer`.
``oauth2_config``
    ``{'local_oauth2': local_oauth2_server.config_entry(id=1)}``, a config
    ready for ``Authomatic(config, secret)``.
``local_oidc_server``
    a :class:`~authomatic_extras.testing.LocalOAuth2Server` in OpenID
    Connect mode (``oidc=True``); before every test the OIDC provider's
    discovery and JWKS cache is cleared too.
``oidc_config``
    ``{'local_oidc': local_oidc_server.oidc_config_entry(id=1)}``.

Tokens issued in earlier tests stay valid; tests that change server settings
(``expires_in``, ``require_pkce``) get them restored after the test. For a
server of your own per test, use the class as a context manager instead.
"""
import pytest


def _reset(server, **settings):
    from authomatic_extras.testing._base import UserDirectory

    server.users = UserDirectory()
    server.clear_faults()
    for name, value in settings.items():
        setattr(server, name, value)


@pytest.fixture(scope='session')
def _authomatic_extras_oauth2_session():
    from authomatic_extras.testing.oauth2_server import LocalOAuth2Server

    server = LocalOAuth2Server().start()
    yield server
    server.stop()


@pytest.fixture
def local_oauth2_server(_authomatic_extras_oauth2_session):
    """A running LocalOAuth2Server with default users and no faults."""
    server = _authomatic_extras_oauth2_session
    settings = dict(expires_in=server.expires_in, require_pkce=server.require_pkce,
                    issue_refresh_tokens=server.issue_refresh_tokens)
    _reset(server)
    yield server
    _reset(server, **settings)


@pytest.fixture
def oauth2_config(local_oauth2_server):
    """Config for the core with one provider named ``local_oauth2``."""
    return {'local_oauth2': local_oauth2_server.config_entry(id=1)}


@pytest.fixture(scope='session')
def _authomatic_extras_oidc_session():
    from authomatic_extras.testing.oauth2_server import LocalOAuth2Server

    server = LocalOAuth2Server(oidc=True).start()
    yield server
    server.stop()


@pytest.fixture
def local_oidc_server(_authomatic_extras_oidc_session):
    """A running LocalOAuth2Server in OpenID Connect mode, default users, no
    faults, and an empty discovery/JWKS cache on the client side."""
    from authomatic_extras.providers.discovery import clear_cache

    server = _authomatic_extras_oidc_session
    settings = dict(expires_in=server.expires_in, require_pkce=server.require_pkce,
                    issue_refresh_tokens=server.issue_refresh_tokens,
                    id_token_lifetime=server.id_token_lifetime, reuse_codes=False,
                    advertised_jwks_uri=None)
    _reset(server)
    clear_cache()
    yield server
    _reset(server, **settings)
    clear_cache()


@pytest.fixture
def oidc_config(local_oidc_server):
    """Config for the core with one OpenID Connect provider named ``local_oidc``."""
    return {'local_oidc': local_oidc_server.oidc_config_entry(id=1)}


@pytest.fixture(scope='session')
def _authomatic_extras_oauth1_session():
    from authomatic_extras.testing.oauth1_server import LocalOAuth1Server

    server = LocalOAuth1Server().start()
    yield server
    server.stop()


@pytest.fixture
def local_oauth1_server(_authomatic_extras_oauth1_session):
    """A running LocalOAuth1Server with default users and no faults."""
    server = _authomatic_extras_oauth1_session
    _reset(server)
    yield server
    _reset(server)


@pytest.fixture(scope='session')
def _authomatic_extras_openid_session():
    from authomatic_extras.testing.openid_server import LocalOpenIDServer

    server = LocalOpenIDServer().start()
    yield server
    server.stop()


@pytest.fixture
def local_openid_server(_authomatic_extras_openid_session):
    """A running LocalOpenIDServer with default users and no faults."""
    server = _authomatic_extras_openid_session
    _reset(server)
    yield server
    _reset(server)
