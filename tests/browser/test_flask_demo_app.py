"""The Flask demo's app factory and the browser tests' skip rule, without a
browser (Flask's test client, a real local provider, pytest in a subprocess)."""
import os
import subprocess
import sys

from authomatic.providers import oauth1, oauth2

from legacy_examples.flask_demo import create_app, local_entries, providers_from_env
from legacy_examples.flask_demo.app import describe_expiry

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

GITHUB_ENV = {'GITHUB_CLIENT_ID': 'gh-id-123', 'GITHUB_CLIENT_SECRET': 'gh-secret-456'}


def test_real_providers_are_listed_only_when_both_variables_are_set():
    assert providers_from_env({}) == {}
    assert providers_from_env({'GITHUB_CLIENT_ID': 'x'}) == {}
    assert providers_from_env({'GITHUB_CLIENT_ID': 'x', 'GITHUB_CLIENT_SECRET': ' '}) == {}
    config = providers_from_env(dict(GITHUB_ENV, TWITTER_CONSUMER_KEY='k',
                                     TWITTER_CONSUMER_SECRET='s',
                                     MICROSOFT_CLIENT_ID='m', MICROSOFT_CLIENT_SECRET='n',
                                     MICROSOFT_TENANT='contoso.onmicrosoft.com'))
    assert sorted(config) == ['github', 'microsoft', 'twitter']
    assert config['github']['class_'] is oauth2.GitHub
    assert config['github']['consumer_key'] == 'gh-id-123'
    assert config['twitter']['class_'] is oauth1.Twitter
    assert config['microsoft']['class_'] is oauth2.MicrosoftOnline
    assert config['microsoft']['domain'] == 'contoso.onmicrosoft.com'
    every = providers_from_env({
        var: 'v' for p in ('GOOGLE', 'GITHUB', 'FACEBOOK', 'MICROSOFT')
        for var in (p + '_CLIENT_ID', p + '_CLIENT_SECRET')})
    assert sorted(every) == ['facebook', 'github', 'google', 'microsoft']
    ids = [entry['id'] for entry in every.values()]
    assert len(set(ids)) == len(ids) and not {1, 2} & set(ids)


def test_env_provider_on_the_page_and_its_redirect():
    app = create_app({'SECRET_KEY': 'test-secret-key-0123456789'}, providers_env=GITHUB_ENV)
    client = app.test_client()
    page = client.get('/').get_data(as_text=True)
    assert 'Log in with GitHub' in page
    assert 'Local test provider' not in page and 'gh-secret-456' not in page
    response = client.get('/login/github/')
    assert response.status_code == 302
    location = response.headers['Location']
    assert location.startswith('https://github.com/login/oauth/authorize?')
    assert 'client_id=gh-id-123' in location
    assert 'redirect_uri=http%3A%2F%2Flocalhost%2Flogin%2Fgithub%2F' in location
    assert client.get('/login/google/').status_code == 404


def test_no_provider_says_how_to_get_one():
    app = create_app({'SECRET_KEY': 'k' * 32}, providers_env={})
    page = app.test_client().get('/').get_data(as_text=True)
    assert 'id="no-providers"' in page and 'GITHUB_CLIENT_ID' in page


def test_login_keeps_only_json_safe_user_fields_in_the_session(local_oauth2_server):
    from authomatic_extras.testing import login_with_test_client

    app = create_app({'SECRET_KEY': 'test-secret-key-0123456789',
                      'AUTHOMATIC_CONFIG': local_entries(local_oauth2_server)})
    client = app.test_client()
    trip = login_with_test_client(client, '/login/local/', username='bob')
    # The callback stores the user and redirects to the start page.
    assert [hop.location for hop in trip.hops if hop.url.startswith(
        'http://localhost/login/local/?')] == ['/']
    assert trip.response.status_code == 200
    assert 'Bob Marley' in trip.response.get_data(as_text=True)
    with client.session_transaction() as session:
        user = dict(session['user'])
        assert not [key for key in session if key.startswith('authomatic')]
    assert user['name'] == 'Bob Marley' and user['id'] == 'id-bob'
    assert sorted(user) == ['email', 'expires_at', 'id', 'logged_in_at', 'name',
                            'provider', 'provider_title', 'username']
    assert all(isinstance(v, (str, int)) for v in user.values())
    page = client.get('/').get_data(as_text=True)
    assert 'Bob Marley' in page and 'bob@<wbr>example.<wbr>org' in page and 'Log out' in page
    client.get('/logout')
    with client.session_transaction() as session:
        assert 'user' not in session


def test_describe_expiry():
    assert describe_expiry(None).startswith('never')
    assert describe_expiry(1000 + 3600, now=1000) == 'in 60 minutes (1970-01-01 01:16 UTC)'
    assert describe_expiry(1000 + 90, now=1000).startswith('in 90 seconds')
    assert describe_expiry(1000, now=2000).startswith('expired')


def _run_browser_test(env_changes):
    env = dict(os.environ)
    env.pop('AUTHOMATIC_EXTRAS_REQUIRE_SERVICES', None)
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider',
         'tests/browser/test_flask_demo_browser.py::test_two_sites'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_skip_rule_without_chromium_skips_with_the_reason():
    proc = _run_browser_test({'AUTHOMATIC_EXTRAS_CHROMIUM': '/nonexistent/chromium'})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '1 skipped' in proc.stdout
    assert 'Chromium is not installed' in proc.stdout


def test_skip_rule_fails_when_services_are_required():
    proc = _run_browser_test({'AUTHOMATIC_EXTRAS_CHROMIUM': '/nonexistent/chromium',
                              'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES': '1'})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert '1 error' in proc.stdout or '1 failed' in proc.stdout
    assert 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES=1' in proc.stdout


def test_the_demo_announces_logins_through_the_signal(local_oauth2_server, caplog):
    import logging

    from authomatic_extras.testing import login_with_test_client
    from legacy_examples.flask_demo.app import create_app

    app = create_app({'AUTHOMATIC_CONFIG': {'local': local_oauth2_server.config_entry(id=1)},
                      'SECRET_KEY': 'signal-test-key'})
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        login_with_test_client(app.test_client(), '/login/local/', username='bob')
    assert 'Bob Marley logged in with local' in caplog.text
