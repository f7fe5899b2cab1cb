"""The demo's "OpenID Connect" button: a login at the local issuer (the local
OAuth 2.0 server in OpenID Connect mode, signing id_tokens with its RSA key)
through :class:`authomatic_extras.providers.OIDC`, and the page of verified
claims. First with Flask's test client, then the demo command in headless
Chromium."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from legacy_examples.flask_demo import create_app, local_entries

OIDC_TITLE = 'Local issuer (OpenID Connect)'


def test_local_entries_offer_the_issuer_only_in_oidc_mode(local_oauth2_server,
                                                          local_oidc_server):
    assert sorted(local_entries(local_oauth2_server)) == ['local']
    config = local_entries(local_oidc_server)
    assert sorted(config) == ['local', 'local_oidc']
    entry = config['local_oidc']
    assert entry['class_'] == 'authomatic_extras.providers.OIDC'
    assert entry['issuer'] == local_oidc_server.issuer
    assert entry['id'] not in (config['local']['id'], 2)


def test_oidc_login_shows_the_verified_claims(local_oidc_server):
    from authomatic_extras.testing import login_with_test_client

    app = create_app({'SECRET_KEY': 'oidc-demo-key-0123456789',
                      'AUTHOMATIC_CONFIG': local_entries(local_oidc_server)})
    client = app.test_client()
    start = client.get('/').get_data(as_text=True)
    assert 'Log in with ' + OIDC_TITLE in start and 'OpenID Connect' in start

    trip = login_with_test_client(client, '/login/local_oidc/', username='bob')
    authorize = [hop.url for hop in trip.hops if '/authorize?' in hop.url][0]
    asked = parse_qs(urlsplit(authorize).query)
    assert asked['nonce'] and asked['code_challenge_method'] == ['S256']
    assert 'openid' in asked['scope'][0].split()
    assert trip.response.status_code == 200
    page = trip.response.get_data(as_text=True)
    assert 'Bob Marley' in page and 'Verified ID token claims' in page

    with client.session_transaction() as session:
        claims = dict(session['user']['claims'])
    assert claims['sub'] == 'id-bob'
    assert claims['iss'] == local_oidc_server.issuer
    assert claims['aud'] == 'local-client'
    assert claims['email_verified'] == 'true'
    assert claims['email'] == 'bob@example.org'
    assert re.match(r'^\d+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$', claims['exp'])
    assert 'nonce' not in claims
    assert 'id="claim-sub"' in page and 'id="claim-email_verified"' in page


def test_a_spoiled_id_token_is_a_readable_failure(local_oidc_server):
    from authomatic_extras.testing import login_with_test_client

    app = create_app({'SECRET_KEY': 'oidc-demo-key-0123456789',
                      'AUTHOMATIC_CONFIG': local_entries(local_oidc_server)})
    local_oidc_server.id_token_fault('wrong_aud', times=1)
    trip = login_with_test_client(app.test_client(), '/login/local_oidc/', username='alice')
    assert trip.response.status_code == 401
    page = trip.response.get_data(as_text=True)
    assert 'Login failed' in page and 'aud' in page
    assert 'Traceback' not in page and 'Verified ID token claims' not in page


# -- in a real browser ----------------------------------------------------------


def expect():
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect


@pytest.fixture(scope='module')
def demo(chromium_path, subprocess_server):
    process = subprocess_server(
        ['-m', 'legacy_examples.flask_demo', '--port', '0', '--provider-port', '0',
         '--no-oauth1'], ready=r'Press Ctrl\+C to stop')
    try:
        output = process.output
        yield {
            'url': re.search(r'Open (http://\S+/) in your browser', output).group(1),
            'issuer': re.search(r'local OpenID Connect issuer:\s+(http://\S+)',
                                output).group(1),
        }
    finally:
        code = process.stop()
    assert 'Traceback' not in process.output, process.output
    assert code == 0, process.output


@pytest.mark.browser
def test_openid_connect_button_in_the_browser(page, demo, screenshots):
    page.goto(demo['url'])
    button = page.locator('#login-local_oidc')
    expect()(button).to_have_text('Log in with ' + OIDC_TITLE)
    assert 'OpenID Connect' in page.locator('ul.providers').inner_text()
    screenshots.take(page, 'start')

    button.click()
    page.wait_for_url(lambda url: url.startswith(demo['issuer'] + '/authorize?'))
    asked = parse_qs(urlsplit(page.url).query)
    assert asked['nonce'] and asked['code_challenge_method'] == ['S256']
    expect()(page.locator('#consent-form')).to_be_visible()
    screenshots.take(page, 'consent')
    page.select_option('#username', 'alice')
    page.click('#allow')
    page.wait_for_url(demo['url'])

    expect()(page.locator('#user-name')).to_have_text('Alice Liddell')
    assert page.locator('#user-provider').inner_text() == OIDC_TITLE
    claims = {row.locator('th').inner_text(): row.locator('td').inner_text()
              for row in page.locator('#claims tr').all()}
    assert claims['sub'] == 'id-alice'
    assert claims['iss'] == demo['issuer']
    assert claims['aud'] == 'local-client'
    assert claims['email_verified'] == 'true'
    assert claims['email'] == 'alice@example.org'
    assert 'nonce' not in claims
    assert 'eyJ' not in page.content()          # no id_token nor any JWT on the page
    screenshots.take(page, 'claims')

    page.click('#logout')
    expect()(page.locator('#login-local_oidc')).to_be_visible()
    assert page.locator('#claims').count() == 0
