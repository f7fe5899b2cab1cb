"""PKCE (RFC 7636, S256) for the core's OAuth 2.0 providers."""
import json
import os
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from authomatic import Authomatic
from authomatic.core import resolve_provider_class
from authomatic.exceptions import ConfigError
from authomatic.providers import oauth1, oauth2

from authomatic_extras.providers import pkce
from authomatic_extras.testing import login_with_test_client, make_flask_login_app
from authomatic_extras.testing.apps import TEST_SECRET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


class ConfigurableOAuth2(oauth2.OAuth2):
    """An app's own OAuth 2.0 class without PKCE (endpoints from the config)."""

    @property
    def user_authorization_url(self):
        return self.settings.config[self.name]['base'] + '/authorize'

    @property
    def access_token_url(self):
        return self.settings.config[self.name]['base'] + '/token'

    user_info_url = ''

    def _x_scope_parser(self, scope):
        return ' '.join(scope)


#: The core's rule for provider classes (type_id of credentials).
PROVIDER_ID_MAP = [ConfigurableOAuth2]


def test_every_core_oauth2_class_has_a_pkce_twin():
    names = [name for name in oauth2.__all__ if name != 'OAuth2']
    assert len(names) == 19
    for name in names:
        twin = getattr(pkce, name)
        assert twin.__bases__ == (pkce.PKCE, getattr(oauth2, name))
        assert resolve_provider_class('authomatic_extras.providers.pkce.' + name) is twin
        # The core's rules: importable first base, PROVIDER_ID_MAP.
        assert resolve_provider_class(twin.get_type()) is pkce.PKCE
        assert twin in pkce.PROVIDER_ID_MAP
    assert pkce.PROVIDER_ID_MAP[1:20] == [getattr(pkce, n) for n in names]


def test_with_pkce_builds_once_and_refuses_other_protocols():
    built = pkce.with_pkce(ConfigurableOAuth2)
    assert pkce.with_pkce(ConfigurableOAuth2) is built
    assert pkce.with_pkce(built) is built
    assert pkce.with_pkce('authomatic.providers.oauth2.GitHub') is pkce.GitHub
    assert built.__module__ == 'authomatic_extras.providers.pkce'
    assert getattr(pkce, built.__name__) is built
    with pytest.raises(ConfigError, match='OAuth 2.0 provider classes only'):
        pkce.with_pkce(oauth1.Twitter)


def test_code_challenge_is_rfc7636_s256():
    # RFC 7636, appendix B.
    assert pkce.code_challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') == \
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    verifier = pkce.code_verifier('secret', 'seed')
    assert len(verifier) == 43 and set(verifier) <= set(
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~')
    assert pkce.code_verifier('secret', 'seed') == verifier
    assert pkce.code_verifier('other secret', 'seed') != verifier


def login_capturing(app, path='/login/p'):
    """Log in, keeping every URL and cookie the browser saw."""
    client = app.test_client()
    trip = login_with_test_client(client, path)
    seen = ' '.join([hop.url for hop in trip.hops] + [hop.location or '' for hop in trip.hops])
    cookies = client.get_cookie('session')
    return trip, seen, cookies


def test_verifier_never_reaches_the_browser(local_oauth2_server):
    """The seed rides in the signed login state; the verifier exists only on
    the server (derived with the secret) and in the token request."""
    entry = {'class_': pkce.with_pkce(ConfigurableOAuth2), 'id': 3,
             'consumer_key': 'local-client', 'consumer_secret': 'local-secret',
             'scope': ['profile'], 'base': local_oauth2_server.url}
    app = make_flask_login_app({'p': entry})
    client = app.test_client()
    start = client.get('/login/p')
    cookie = client.get_cookie('session').value
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    token = session['authomatic']['p'][0]
    state = json.loads(token.rsplit('.', 2)[0])['d']
    seed = state['authomatic:p:pkce']
    verifier = pkce.code_verifier(TEST_SECRET, seed)
    location = start.headers['Location']
    query = parse_qs(urlsplit(location).query)
    assert query['code_challenge'] == [pkce.code_challenge(verifier)]
    assert verifier not in location and verifier not in cookie
    assert verifier not in token  # the login state holds the seed only
    # The rest of the login: the server (require_pkce=True) accepts the verifier.
    trip = login_with_test_client(app.test_client(), '/login/p')
    assert trip.json()['error'] is None
    assert all(verifier not in (hop.url + (hop.location or '')) for hop in trip.hops)


def test_own_class_with_pkce_logs_in_where_pkce_is_required(local_oauth2_server):
    entry = {'class_': pkce.with_pkce(ConfigurableOAuth2), 'id': 3,
             'consumer_key': 'local-client', 'consumer_secret': 'local-secret',
             'scope': ['profile'], 'base': local_oauth2_server.url}
    seen = []
    app = make_flask_login_app({'p': entry}, view_hook=seen.append)
    login_with_test_client(app.test_client(), '/login/p')
    assert seen[0].error is None and seen[0].user.credentials.token


def test_without_pkce_the_server_that_requires_it_refuses(local_oauth2_server):
    entry = {'class_': ConfigurableOAuth2, 'id': 3, 'consumer_key': 'local-client',
             'consumer_secret': 'local-secret', 'scope': ['profile'],
             'base': local_oauth2_server.url}
    trip = login_with_test_client(make_flask_login_app({'p': entry}).test_client(),
                                  '/login/p')
    assert 'code_challenge' not in trip.hops[0].location
    assert trip.json()['error_type'] == 'FailureError'
    assert 'PKCE' in trip.json()['error']


def test_pkce_false_turns_it_off(local_oauth2_server):
    local_oauth2_server.require_pkce = False
    config = {'p': local_oauth2_server.config_entry(id=1, pkce=False)}
    trip = login_with_test_client(make_flask_login_app(config).test_client(), '/login/p')
    assert 'code_challenge' not in trip.hops[0].location
    assert trip.json()['user']['id'] == 'id-alice'


def test_missing_seed_sends_no_verifier_and_the_provider_refuses(local_oauth2_server,
                                                                 callback_for):
    """A callback whose login state lost the seed cannot redeem the code."""
    app = make_flask_login_app({'p': local_oauth2_server.config_entry(id=1)},
                               session_max_age=600)
    client = app.test_client()
    callback = callback_for(client, '/login/p')
    other = app.test_client()  # a browser without this login's state
    answer = other.get(callback)
    assert answer.status_code == 401
    assert answer.get_json()['user'] is None


def test_pkce_credentials_serialize_and_refresh(local_oauth2_server):
    seen = []
    config = {'p': local_oauth2_server.config_entry(id=1)}
    app = make_flask_login_app(config, view_hook=seen.append)
    login_with_test_client(app.test_client(), '/login/p')
    serialized = seen[0].user.credentials.serialize()
    credentials = Authomatic(config, 'secret').credentials(serialized)
    assert credentials.provider_type == 'authomatic_extras.testing.providers.PKCE'
    response = credentials.refresh(force=True)
    assert response.status == 200 and credentials.token != seen[0].user.credentials.token


def _python27():
    found = shutil.which('pyenv')
    if not found:
        return None
    proc = subprocess.run([found, 'which', 'python2.7'], capture_output=True, text=True,
                          env=dict(os.environ, PYENV_VERSION='2.7.18'))
    return proc.stdout.strip() if proc.returncode == 0 else None


@pytest.mark.slow
def test_pkce_and_local_provider_run_on_python_27(tmp_path):
    """The gen-1 import path (pkce, LocalOAuth2) on the real Python 2.7: both
    login steps' first half, and no JOSE library imported."""
    python27 = _python27()
    if python27 is None:
        if os.environ.get('AUTHOMATIC_EXTRAS_REQUIRE_SERVICES') == '1':
            pytest.fail('Python 2.7.18 (pyenv) is missing')
        pytest.skip('Python 2.7.18 (pyenv) is not installed')
    lib = tmp_path / 'lib'
    install = subprocess.run(
        [python27, '-m', 'pip', 'install', '-q', '--no-deps', '--disable-pip-version-check',
         '-t', str(lib), 'authomatic==1.3.0', 'six'],
        capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    run = subprocess.run(
        [python27, os.path.join(HERE, 'py27', 'check_pkce_py27.py'), str(lib), REPO],
        capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "('local', 'ok'" in run.stdout and "('gh', 'ok'" in run.stdout
    assert run.stdout.strip().endswith("('2.7.18', True)")


def test_apply_pkce_switches_marked_entries_only():
    config = {'a': {'class_': oauth2.GitHub, 'pkce': True, 'id': 1},
              'b': {'class_': 'authomatic.providers.oauth2.Google', 'pkce': True, 'id': 2},
              'c': {'class_': oauth2.Google, 'id': 3},
              'd': {'class_': pkce.Google, 'pkce': True, 'id': 4}}
    applied = pkce.apply_pkce(config)
    assert applied['a']['class_'] is pkce.GitHub
    assert applied['b']['class_'] is pkce.Google
    assert applied['c'] is config['c'] and applied['d'] is config['d']
    assert config['a']['class_'] is oauth2.GitHub  # the original is untouched
    assert pkce.entries_without_pkce(config) == ['a', 'b']
    assert pkce.entries_without_pkce(applied) == []


def test_flask_refuses_pkce_true_on_a_class_without_it(local_oauth2_server):
    from flask import Flask

    from authomatic_extras.flask import FlaskAuthomatic

    entry = {'class_': ConfigurableOAuth2, 'id': 3, 'consumer_key': 'local-client',
             'consumer_secret': 'local-secret', 'scope': ['profile'],
             'base': local_oauth2_server.url, 'pkce': True}
    with pytest.raises(ConfigError, match=r'entries p say "pkce": True .*apply_pkce'):
        FlaskAuthomatic({'p': entry}, 'secret', app=Flask(__name__))
    FlaskAuthomatic(pkce.apply_pkce({'p': entry}), 'secret', app=Flask(__name__))
    app = make_flask_login_app(pkce.apply_pkce({'p': entry}))
    trip = login_with_test_client(app.test_client(), '/login/p')
    assert 'code_challenge_method=S256' in trip.hops[0].location
    assert trip.json()['error'] is None
