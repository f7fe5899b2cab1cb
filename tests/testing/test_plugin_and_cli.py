"""The pytest plugin's fixtures, its light import, and ``python -m``."""
import json
import subprocess
import sys
import textwrap

import requests
from werkzeug.test import Client

from authomatic_extras.testing import login_with_test_client
from authomatic_extras.testing.apps import make_login_app


def test_plugin_module_imports_nothing_heavy():
    code = ('import sys, authomatic_extras.testing.pytest_plugin, authomatic_extras.testing; '
            'heavy = [m for m in ("authlib", "openid", "requests", "flask") if m in sys.modules]; '
            'print(heavy)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == '[]'


def test_oauth2_fixture_logs_in(local_oauth2_server, oauth2_config):
    trip = login_with_test_client(Client(make_login_app(oauth2_config)),
                                  '/login/local_oauth2', username='bob')
    result = json.loads(trip.response.get_data(as_text=True))
    assert result['user']['email'] == 'bob@example.org'
    assert oauth2_config['local_oauth2']['provider_url'] == local_oauth2_server.url


def test_oauth1_and_openid_fixtures_are_running(local_oauth1_server, local_openid_server):
    assert requests.get(local_oauth1_server.url + '/', timeout=10).status_code == 200
    page = requests.get(local_openid_server.identifier('alice'), timeout=10)
    assert 'openid2.provider' in page.text


def test_fixture_state_does_not_leak_between_tests(tmp_path):
    (tmp_path / 'test_leak.py').write_text(textwrap.dedent('''
        def test_a(local_oauth2_server):
            local_oauth2_server.fault('token', '500')
            local_oauth2_server.add_user('zed')
            local_oauth2_server.expires_in = 1
            assert local_oauth2_server.get_user('zed') is not None

        def test_b(local_oauth2_server):
            assert local_oauth2_server._faults.take('token') is None
            assert local_oauth2_server.get_user('zed') is None
            assert local_oauth2_server.get_user('alice').name == 'Alice Liddell'
            assert local_oauth2_server.expires_in == 3600
    '''))
    out = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                          str(tmp_path)], capture_output=True, text=True, timeout=120,
                         cwd=str(tmp_path))
    assert '2 passed' in out.stdout, out.stdout + out.stderr


def test_oidc_fixture_state_does_not_leak_between_tests(tmp_path):
    (tmp_path / 'test_leak.py').write_text(textwrap.dedent('''
        from authomatic_extras.providers.discovery import cache

        def test_a(local_oidc_server):
            local_oidc_server.id_token_fault('expired')
            local_oidc_server.id_token_lifetime = -100
            local_oidc_server.reuse_codes = True
            cache.metadata(local_oidc_server.issuer + '/.well-known/openid-configuration',
                           local_oidc_server.issuer)

        def test_b(local_oidc_server):
            assert local_oidc_server._take_id_token_fault() is None
            assert local_oidc_server.id_token_lifetime == 300
            assert local_oidc_server.reuse_codes is False
            assert cache._metadata == {}
    '''))
    out = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                          str(tmp_path)], capture_output=True, text=True, timeout=120,
                         cwd=str(tmp_path))
    assert '2 passed' in out.stdout, out.stdout + out.stderr


def test_python_m_runs_an_oidc_issuer():
    proc = subprocess.Popen([sys.executable, '-m', 'authomatic_extras.testing', '--port', '0',
                             '--protocol', 'oidc'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        url = first.split(' on ')[1].strip()
        lines = []
        while not lines or not lines[-1].startswith('Press Ctrl+C'):
            lines.append(proc.stdout.readline())
            assert len(lines) < 30
        snippet = ''.join(lines)
        assert "'class_': 'authomatic_extras.providers.OIDC'" in snippet
        assert "'issuer': '{0}'".format(url) in snippet
        meta = requests.get(url + '/.well-known/openid-configuration', timeout=10).json()
        assert meta['jwks_uri'] == url + '/jwks'
        assert requests.get(meta['jwks_uri'], timeout=10).json()['keys'][0]['kty'] == 'RSA'
    finally:
        proc.terminate()
        proc.wait(10)


def test_python_m_runs_the_server_in_the_foreground():
    proc = subprocess.Popen([sys.executable, '-m', 'authomatic_extras.testing', '--port', '0'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith('LocalOAuth2Server listening on http://127.0.0.1:')
        url = first.split(' on ')[1].strip()
        lines = []
        while not lines or not lines[-1].startswith('Press Ctrl+C'):
            lines.append(proc.stdout.readline())
            assert len(lines) < 30
        snippet = ''.join(lines)
        assert "'provider_url': '{0}'".format(url) in snippet
        assert "'consumer_key': 'local-client'" in snippet
        meta = requests.get(url + '/.well-known/openid-configuration', timeout=10).json()
        assert meta['token_endpoint'] == url + '/token'
    finally:
        proc.terminate()
        proc.wait(10)
