"""One browser, two tabs, the same provider: both callbacks log in.

Upstream keeps one state slot per provider, so the first tab fails with a
state mismatch; LoginState keeps a bounded list of flows per provider."""
from urllib.parse import urlsplit

import pytest
import requests


def _consent(location, username):
    with requests.Session() as http:
        page = http.get(location, allow_redirects=False, timeout=10)
        back = http.post(page.url, data={'username': username, 'decision': 'allow'},
                         allow_redirects=False, timeout=10)
    parts = urlsplit(back.headers['Location'])
    return parts.path + '?' + parts.query


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
@pytest.mark.parametrize('finish_order', ['first-tab-first', 'second-tab-first'])
def test_two_tabs_both_log_in(make_app, providers_config, provider, finish_order):
    browser = make_app(providers_config).test_client()
    first_tab = browser.get('/login/' + provider).headers['Location']
    second_tab = browser.get('/login/' + provider).headers['Location']
    callbacks = [_consent(first_tab, 'alice'), _consent(second_tab, 'bob')]
    expected = ['Alice Liddell', 'Bob Marley']
    order = [0, 1] if finish_order == 'first-tab-first' else [1, 0]
    for index in order:
        response = browser.get(callbacks[index])
        assert response.status_code == 200, response.get_json()
        assert response.get_json()['user']['name'] == expected[index]
    with browser.session_transaction() as session:
        assert 'authomatic' not in session


def test_pending_flows_per_provider_stay_bounded(make_app, providers_config):
    browser = make_app(providers_config).test_client()
    for _ in range(10):
        browser.get('/login/oauth2')
    with browser.session_transaction() as session:
        assert len(session['authomatic']['oauth2']) == 3
    assert len(browser.get_cookie('session').value) < 2000
