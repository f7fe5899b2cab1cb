"""Fixtures shared by the test folders (each folder's conftest adds its own).

The local providers' fixtures (``local_oauth2_server`` ...) come from the
``authomatic_extras`` pytest plugin; the helpers behind these fixtures are
public in :mod:`authomatic_extras.testing`."""
import os

import pytest

from authomatic_extras.testing import make_flask_login_app, stop_before_callback

#: Python 2.7 tests, run by tests/gae/test_py27_runtime.py through
#: tools/py27_testenv.py under CPython 2.7, never collected by this suite.
collect_ignore = ['gae27']

#: Set in CI: a missing browser or redis-server fails instead of skipping.
REQUIRE_SERVICES = 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES'


def services_required():
    return os.environ.get(REQUIRE_SERVICES) == '1'


@pytest.fixture
def make_app():
    """``make_app(config, **FlaskAuthomatic kwargs)``: a Flask app whose
    ``/login/<provider_name>`` answers the login result as JSON."""
    return make_flask_login_app


@pytest.fixture
def providers_config(local_oauth2_server, local_oauth1_server, local_openid_server):
    """One provider of each protocol, named after it."""
    return {
        'oauth2': local_oauth2_server.config_entry(id=1),
        'oauth1': local_oauth1_server.config_entry(id=2),
        'openid': local_openid_server.config_entry(id=3),
    }


@pytest.fixture
def callback_for():
    """``callback_for(client, path, username, decision)``: run a login up to
    the provider's answer and return the callback path, undelivered."""
    return stop_before_callback
