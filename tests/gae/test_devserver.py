# -*- coding: utf-8 -*-
"""The app.yaml dev server: refusals, and the example app over real HTTP.

The end-to-end tests run ``python -m authomatic_extras.gae.devserver`` as a
subprocess on a free port, with the datastore on disk in a temporary
storage path, and log in with ``requests`` against a real local OAuth 2.0
provider (``authomatic_extras.testing.LocalOAuth2Server``).
"""
import os
import subprocess
import sys
import textwrap

import pytest
import requests

from authomatic_extras.gae import devserver
from authomatic_extras.gae.devserver import AppYaml, AppYamlError
from authomatic_extras.testing.devserver_process import DevServerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
APP_YAML = os.path.join(REPO, 'app.yaml')
APPLICATION = 'dev~gen1-e2e-test'
LOCAL_CLASS = 'authomatic_extras.testing.providers.LocalOAuth2'


# -- refusals ----------------------------------------------------------------


def write_yaml(tmp_path, text):
    path = tmp_path / 'app.yaml'
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


@pytest.mark.parametrize('text, line, words', [
    ("""
     runtime: python39
     handlers:
     - url: /.*
       script: auto
     """, 1, "runtime 'python39'"),
    ("""
     runtime: python27
     api_version: 1
     threadsafe: false
     handlers:
     - url: /static
       static_dir: static
     - url: /.*
       script: main.py
     """, 8, "script 'main.py' is a CGI script"),
    ("""
     runtime: python27
     api_version: 1
     threadsafe: true
     handlers:
     - url: /.*
       script: no_such_module_here.app
     """, 6, "cannot load script 'no_such_module_here.app'"),
    ("""
     runtime: python27
     api_version: 1
     threadsafe: true
     includes:
     - no_such_include.yaml
     handlers:
     - url: /.*
       script: main.app
     """, 5, 'includes: no_such_include.yaml: no such file'),
])
def test_refuses_what_it_cannot_serve_naming_the_line(tmp_path, text, line,
                                                      words):
    path = write_yaml(tmp_path, text)
    with pytest.raises(AppYamlError) as caught:
        AppYaml(path).load_apps()
    message = str(caught.value)
    assert 'line %d:' % line in message, message
    assert words in message, message


def test_cli_refusal_is_a_message_not_a_traceback(tmp_path):
    path = write_yaml(tmp_path, """
        runtime: python27
        api_version: 1
        threadsafe: true
        handlers:
        - url: /.*
          script: hello.py
        """)
    proc = subprocess.run(
        [sys.executable, '-m', 'authomatic_extras.gae.devserver', path,
         '--port', '0', '--storage-path', str(tmp_path / 'st')],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert 'refusing app.yaml' in proc.stderr and 'line 6' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_parses_the_repository_app_yaml():
    config = AppYaml(APP_YAML)   # parsed and checked; no app imported
    assert all(h.app is None for h in config.handlers)
    assert config.info.runtime == 'python27'
    assert config.info.threadsafe is True
    assert [h.script or h.static_dir or h.static_files
            for h in config.handlers] == [
        'legacy_examples/gen1/static', 'legacy_examples/gen1/static/\\1',
        'legacy_examples.gen1.main.app']


# -- the server as a subprocess ---------------------------------------------



@pytest.fixture
def oauth2_provider():
    from authomatic_extras.testing import LocalOAuth2Server

    server = LocalOAuth2Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def seed_config(storage, provider):
    """Store the provider's config entry in the dev server's datastore."""
    from authomatic_extras.gae import NDBConfig

    entry = provider.config_entry(id=1)
    with devserver.open_storage(storage, APPLICATION):
        NDBConfig(id='local', provider_name='local', class_=LOCAL_CLASS,
                  provider_id=entry['id'],
                  consumer_key=entry['consumer_key'],
                  consumer_secret=entry['consumer_secret'],
                  scope=', '.join(entry['scope']),
                  provider_url=entry['provider_url']).put()


def test_example_app_logs_in_over_http_and_config_survives_restart(
        tmp_path, oauth2_provider):
    from authomatic_extras.testing import login_with_requests

    storage = str(tmp_path / 'storage')
    seed_config(storage, oauth2_provider)

    server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    try:
        home = requests.get(server.url + '/', timeout=30)
        assert home.status_code == 200
        assert 'href="/login/local"' in home.text
        trip = login_with_requests(server.url + '/login/local')
        assert trip.response.status_code == 200
        assert trip.response.url == server.url + '/'  # away from the callback
        assert 'Logged in as Alice Liddell (alice@example.org)' in trip.response.text
        assert trip.consent_hops
        # Static handlers of app.yaml.
        css = requests.get(server.url + '/static/style.css', timeout=30)
        assert css.status_code == 200
        assert css.headers['Content-Type'] == 'text/css'
        robots = requests.get(server.url + '/robots.txt', timeout=30)
        assert robots.text.startswith('User-agent')
        assert requests.get(server.url + '/static/..%2f..%2f..%2fapp.yaml',
                            timeout=30).status_code == 404
    finally:
        assert server.stop() == 0

    # A new process on the same storage path: the config entity is there.
    with devserver.open_storage(storage, APPLICATION):
        from authomatic_extras.gae import NDBConfig
        assert NDBConfig.get_by_id('local') is not None
        stored = NDBConfig.get('local')
        assert stored['consumer_key'] == \
            oauth2_provider.default_client.client_id
        assert stored['provider_url'] == oauth2_provider.url

    server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    try:
        assert 'href="/login/local"' in requests.get(
            server.url + '/', timeout=30).text
        trip = login_with_requests(server.url + '/login/local',
                                   username='bob')
        assert 'Logged in as Bob Marley (bob@example.org)' in trip.response.text
    finally:
        server.stop()


def test_first_visit_creates_the_example_entity(tmp_path):
    storage = str(tmp_path / 'storage')
    server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    try:
        response = requests.get(server.url + '/login/local', timeout=30)
        assert response.status_code == 503
        assert 'populate it with data' in response.text
        # Points at what exists locally, not at a production console.
        assert '--seed FILE' in response.text
        assert '/_ah/admin/config' in response.text
        assert 'Datastore Viewer' not in response.text
        assert 'Traceback' not in response.text
        # The next visit lists no provider, and says where to add one.
        again = requests.get(server.url + '/', timeout=30)
        assert again.status_code in (200, 503)  # 503 while the query lags
        assert '--seed FILE' in again.text and '/_ah/admin/config' in again.text
    finally:
        server.stop()
    with devserver.open_storage(storage, APPLICATION):
        from authomatic_extras.gae import NDBConfig
        assert NDBConfig.get_by_id('Example') is not None


def test_users_api_login_through_the_dev_sign_in_page(tmp_path):
    """GAEOpenID (Google Accounts via the users API) end to end."""
    storage = str(tmp_path / 'storage')
    with devserver.open_storage(storage, APPLICATION):
        from authomatic_extras.gae import NDBConfig
        NDBConfig(id='google', provider_name='google',
                  class_='authomatic_extras.gae.gaeopenid.Google').put()
        NDBConfig(id='yahoo', provider_name='yahoo',
                  class_='authomatic_extras.gae.gaeopenid.Yahoo').put()
    server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    try:
        browser = requests.Session()
        step1 = browser.get(server.url + '/login/google?id=google.com',
                            allow_redirects=False, timeout=30)
        assert step1.status_code == 302
        assert step1.headers['Location'].startswith(
            server.url + '/_ah/login?continue=')
        form = browser.get(step1.headers['Location'], timeout=30)
        assert 'name="email"' in form.text
        done = browser.post(server.url + '/_ah/login', data={
            'email': 'carol@example.com', 'action': 'Login',
            'continue': server.url + '/login/google'}, timeout=30)
        assert done.status_code == 200
        assert '(carol@example.com)' in done.text

        # Federated OpenID 2.0 is gone: a clear typed error, no traceback.
        yahoo = browser.get(server.url + '/login/yahoo?id=me.yahoo.com',
                            timeout=30)
        assert yahoo.status_code == 401
        assert 'GAEError' in yahoo.text
        assert 'no longer offers OpenID 2.0 federated login' in yahoo.text
        # The sign-in page does not redirect off-site.
        assert browser.get(server.url + '/_ah/login?continue=http://evil/',
                           timeout=30).status_code == 400
    finally:
        server.stop()


def test_config_from_the_admin_page_then_login(tmp_path, oauth2_provider):
    """The first visit's message points at /_ah/admin/config: an admin
    stores the provider there, then a visitor logs in."""
    import re

    from authomatic_extras.testing import login_with_requests

    storage = str(tmp_path / 'storage')
    server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    try:
        assert requests.get(server.url + '/', timeout=30).status_code == 503
        anonymous = requests.get(server.url + '/_ah/admin/config', allow_redirects=False,
                                 timeout=30)
        assert anonymous.status_code == 302
        assert '/_ah/login?continue=' in anonymous.headers['Location']
        visitor = requests.get(server.url + '/_ah/admin/config', timeout=30,
                               cookies={'dev_appserver_login': 'v@example.com:False:1'})
        assert visitor.status_code == 403

        admin = requests.Session()
        admin.get(server.url + '/_ah/login', params={
            'email': 'admin@example.com', 'admin': 'True', 'action': 'Login',
            'continue': '/_ah/admin/config'}, timeout=30)
        page = admin.get(server.url + '/_ah/admin/config', timeout=30)
        assert page.status_code == 200 and 'Provider config' in page.text
        token = re.search(r'name="token" value="([0-9a-f]+)"', page.text).group(1)
        entry = oauth2_provider.config_entry(id=1)
        config = (
            'local:\n'
            '  class_: {0}\n'
            '  provider_id: 1\n'
            '  consumer_key: {1}\n'
            '  consumer_secret: {2}\n'
            '  scope: [openid, profile, email]\n'
            '  provider_url: {3}\n').format(LOCAL_CLASS, entry['consumer_key'],
                                             entry['consumer_secret'], entry['provider_url'])
        bad = admin.post(server.url + '/_ah/admin/config', timeout=30,
                         data={'token': token, 'config': 'local: [not, a, mapping]'})
        assert bad.status_code == 400 and 'the entry is a mapping' in bad.text
        stored = admin.post(server.url + '/_ah/admin/config', timeout=30,
                            data={'token': token, 'config': config})
        assert stored.status_code == 200 and 'Stored: local.' in stored.text
        listing = stored.text.split('<h2>')[0]
        assert 'local-client' in listing and entry['consumer_secret'] not in listing
        assert 'href="/login/local"' in requests.get(server.url + '/', timeout=30).text
        trip = login_with_requests(server.url + '/login/local', username='bob')
        assert 'Logged in as Bob Marley (bob@example.org)' in trip.response.text
    finally:
        assert server.stop() == 0, server.output


def test_seed_file_errors_are_messages(tmp_path):
    bad = tmp_path / 'seed.yaml'
    bad.write_text('local:\n  class_: 42\n')
    proc = subprocess.run(
        [sys.executable, '-m', 'authomatic_extras.gae.devserver', APP_YAML,
         '--port', '0', '--storage-path', str(tmp_path / 'st'), '--seed', str(bad)],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert 'class_ must be a dotted class name' in proc.stderr
    assert 'Traceback' not in proc.stderr
