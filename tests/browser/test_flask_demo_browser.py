"""The README's demo in a real browser: ``python -m legacy_examples.flask_demo``.

The demo command itself runs as a subprocess (app on ``localhost``, local
providers on ``127.0.0.1``: two sites, so Chromium applies its SameSite
cookie rules as in production), and headless Chromium clicks through it:
log in, consent page, Allow, the user on the page, log out; Deny and its
error page; the OAuth 1.0a provider.
"""
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ALLOW_TITLE = 'Local test provider (OAuth 2.0)'


class Demo(object):
    def __init__(self, process):
        output = process.output
        self.process = process
        self.url = re.search(r'Open (http://\S+/) in your browser', output).group(1)
        self.provider_url = re.search(
            r'local OAuth 2\.0 provider:\s+(http://\S+)', output).group(1)
        self.oauth1_url = re.search(
            r'local OAuth 1\.0a provider:\s+(http://\S+)', output).group(1)


@pytest.fixture(scope='module')
def demo(chromium_path, subprocess_server):
    process = subprocess_server(
        ['-m', 'legacy_examples.flask_demo', '--port', '0', '--provider-port', '0'],
        ready=r'Press Ctrl\+C to stop')
    try:
        yield Demo(process)
    finally:
        code = process.stop()
    output = process.output
    assert 'Traceback' not in output, output
    assert code == 0, output


def expect():
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect


def start_login(page, demo, screenshots, provider='local', provider_url=None):
    """Open the demo, click "Log in with ...", arrive at the consent page."""
    page.goto(demo.url)
    link = page.locator('#login-' + provider)
    expect()(link).to_be_visible()
    assert link.inner_text().startswith('Log in with ')
    screenshots.take(page, 'start')
    link.click()
    provider_url = provider_url or demo.provider_url
    page.wait_for_url(lambda url: url.startswith(provider_url + '/'))
    expect()(page.locator('#consent-form')).to_be_visible()
    expect()(page.locator('#allow')).to_be_visible()
    expect()(page.locator('#deny')).to_be_visible()
    screenshots.take(page, 'consent')


def test_two_sites(demo):
    app, provider = urlsplit(demo.url), urlsplit(demo.provider_url)
    assert app.hostname == 'localhost'
    assert provider.hostname == '127.0.0.1' == urlsplit(demo.oauth1_url).hostname


def test_allow_shows_the_user_then_log_out(page, demo, screenshots):
    start_login(page, demo, screenshots)
    page.select_option('#username', 'bob')
    page.click('#allow')
    page.wait_for_url(demo.url)

    expect()(page.locator('#user-name')).to_have_text('Bob Marley')
    expect()(page.locator('.flash')).to_have_text('Logged in with ' + ALLOW_TITLE + '.')
    assert page.locator('#user-email').inner_text() == 'bob@example.org'
    assert page.locator('#user-id').inner_text() == 'id-bob'
    assert page.locator('#user-provider').inner_text() == ALLOW_TITLE
    # The local server issues tokens for an hour.
    assert re.match(r'in (59|60) minutes \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$',
                    page.locator('#user-expiry').inner_text())
    screenshots.take(page, 'logged-in')

    # The session cookie of the app (Lax: the provider's redirect back is a
    # cross-site top-level GET, which carries it) holds no token.
    cookies = {c['name']: c for c in page.context.cookies(demo.url)}
    assert cookies['authomatic_demo']['sameSite'] == 'Lax'
    assert cookies['authomatic_demo']['httpOnly'] is True
    assert 'access_token' not in page.content()

    page.reload()
    expect()(page.locator('#user-name')).to_have_text('Bob Marley')

    page.click('#logout')
    page.wait_for_url(demo.url)
    expect()(page.locator('.flash')).to_have_text('You are logged out.')
    expect()(page.locator('#login-local')).to_be_visible()
    assert page.locator('#user').count() == 0
    screenshots.take(page, 'logged-out')

    page.reload()
    expect()(page.locator('#login-local')).to_be_visible()
    assert page.locator('#user-name').count() == 0


def test_deny_shows_a_readable_error(page, demo, screenshots):
    start_login(page, demo, screenshots)
    with page.expect_response(lambda r: urlsplit(r.url).hostname == 'localhost'
                              and '/login/local/' in r.url and r.status == 401) as seen:
        page.click('#deny')
    assert seen.value.status == 401
    expect()(page.locator('#error-heading')).to_have_text('Login cancelled')
    message = page.locator('#error-message').inner_text()
    assert 'You chose not to log in with ' + ALLOW_TITLE in message
    assert 'Deny' in message
    body = page.locator('body').inner_text()
    assert 'Traceback' not in body and 'Error:' not in body
    screenshots.take(page, 'denied')

    page.click('#home')
    page.wait_for_url(demo.url)
    expect()(page.locator('#login-local')).to_be_visible()
    assert page.locator('#user').count() == 0
    screenshots.take(page, 'back-at-start')

    # "Try again" after a refusal starts a new login from scratch.
    page.go_back()
    expect()(page.locator('#retry')).to_be_visible()
    page.click('#retry')
    page.wait_for_url(lambda url: url.startswith(demo.provider_url + '/'))
    page.click('#allow')
    page.wait_for_url(demo.url)
    expect()(page.locator('#user-name')).to_have_text('Alice Liddell')
    screenshots.take(page, 'allowed-after-deny')


def test_oauth1_provider_in_the_browser(page, demo, screenshots):
    start_login(page, demo, screenshots, provider='local_oauth1',
                provider_url=demo.oauth1_url)
    page.click('#allow')
    page.wait_for_url(demo.url)
    expect()(page.locator('#user-name')).to_have_text('Alice Liddell')
    assert page.locator('#user-email').inner_text() == 'alice@example.org'
    assert page.locator('#user-id').inner_text() == 'id-alice'
    assert page.locator('#user-expiry').inner_text().startswith('never')
    screenshots.take(page, 'logged-in')
    page.click('#logout')
    expect()(page.locator('#login-local_oauth1')).to_be_visible()


def test_unknown_provider_page(page, demo, screenshots):
    response = page.goto(demo.url + 'login/nope/')
    assert response.status == 404
    expect()(page.locator('#error-heading')).to_have_text('Not found')
    screenshots.take(page, 'not-found')


def test_back_to_the_consent_page_after_login_says_the_link_was_used(page, demo, screenshots):
    """Allow, then the Back button to the provider's page and Allow again: a
    plain page says the link was used and that Alice is still logged in."""
    missing = []
    page.on('response', lambda r: missing.append(r.url) if r.status == 404 else None)
    start_login(page, demo, screenshots)
    page.click('#allow')
    page.wait_for_url(demo.url)
    expect()(page.locator('#user-name')).to_have_text('Alice Liddell')
    page.go_back()                       # the provider's consent page again
    page.wait_for_url(lambda url: url.startswith(demo.provider_url + '/'))
    page.click('#allow')
    expect()(page.locator('#error-heading')).to_have_text('This login link was already used')
    message = page.locator('#error-message').inner_text()
    assert 'You are still logged in as Alice Liddell' in message
    body = page.locator('body').inner_text()
    assert 'FailureError' not in body and 'stored state' not in body
    screenshots.take(page, 'link-already-used')
    page.click('#home')
    page.wait_for_url(demo.url)
    expect()(page.locator('#user-name')).to_have_text('Alice Liddell')
    page.click('#logout')
    assert missing == [], missing        # no favicon (or other) 404 on either site


def test_deny_while_logged_in_keeps_the_user_and_says_so(page, demo, screenshots):
    start_login(page, demo, screenshots)
    page.click('#allow')
    page.wait_for_url(demo.url)
    page.goto(demo.url + 'login/local/')     # logged in: the page shows no login links
    page.wait_for_url(lambda url: url.startswith(demo.provider_url + '/'))
    page.click('#deny')
    expect()(page.locator('#error-heading')).to_have_text('Login cancelled')
    assert 'You are still logged in as Alice Liddell' in \
        page.locator('#error-message').inner_text()
    screenshots.take(page, 'denied-while-logged-in')
    page.click('#home')
    expect()(page.locator('#user-name')).to_have_text('Alice Liddell')
    page.click('#logout')


def test_email_is_not_broken_mid_word_at_390_px(page, demo, screenshots):
    page.set_viewport_size({'width': 390, 'height': 844})
    start_login(page, demo, screenshots)
    page.click('#allow')
    page.wait_for_url(demo.url)
    expect()(page.locator('#user-email')).to_have_text('alice@example.org')
    # Each part between the break opportunities (after "@" and ".") sits on
    # one line: a break inside a part would give its text two line boxes.
    lines_per_part = page.evaluate('''() => {
        const dd = document.getElementById('user-email');
        return Array.from(dd.childNodes).filter(n => n.nodeType === 3).map(n => {
            const range = document.createRange();
            range.selectNodeContents(n);
            return range.getClientRects().length;
        });
    }''')
    assert lines_per_part and all(count == 1 for count in lines_per_part), lines_per_part
    screenshots.take(page, 'logged-in-390px')
    page.click('#logout')
