"""The gen-1 App Engine example (``app.yaml``) in a real browser.

Same approach as ``tests/gae/test_devserver.py``: the provider config is
stored in a fresh on-disk datastore, then
``python -m authomatic_extras.gae.devserver app.yaml --port 0 --storage-path DIR``
runs as a subprocess. Chromium opens it as ``http://localhost:PORT`` while
the local OAuth 2.0 provider is on ``127.0.0.1``: two sites, so the
``Webapp2Session`` cookie crosses the provider's redirect back under
Chromium's SameSite rules, as in production.
"""
import os
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
APP_YAML = os.path.join(REPO, 'app.yaml')
APPLICATION = 'dev~gen1-browser-test'
LOCAL_CLASS = 'authomatic_extras.testing.providers.LocalOAuth2'


def seed_config(storage, provider):
    """Store the local provider's config entry in the dev server's datastore."""
    devserver = pytest.importorskip('authomatic_extras.gae.devserver')
    from authomatic_extras.gae import NDBConfig

    entry = provider.config_entry(id=1)
    with devserver.open_storage(storage, APPLICATION):
        NDBConfig(id='local', provider_name='local', class_=LOCAL_CLASS,
                  provider_id=entry['id'], consumer_key=entry['consumer_key'],
                  consumer_secret=entry['consumer_secret'],
                  scope=', '.join(entry['scope']),
                  provider_url=entry['provider_url']).put()


@pytest.fixture(scope='module')
def gen1(chromium_path, subprocess_server, tmp_path_factory):
    from authomatic_extras.testing import LocalOAuth2Server

    provider = LocalOAuth2Server(host='127.0.0.1').start()
    storage = str(tmp_path_factory.mktemp('gen1-browser') / 'storage')
    try:
        seed_config(storage, provider)
        process = subprocess_server(
            ['-m', 'authomatic_extras.gae.devserver', APP_YAML, '--port', '0',
             '--storage-path', storage, '--application', APPLICATION],
            ready=r'^Serving .* at http://127\.0\.0\.1:(\d+)/',
            # Outside the checkout: the installed authomatic_extras (with .gae).
            cwd=os.path.dirname(storage))
    except BaseException:
        provider.stop()
        raise
    port = int(process.match.group(1))
    try:
        # The dev server listens on 127.0.0.1; the browser calls it localhost.
        yield {'url': 'http://localhost:%d/' % port, 'provider_url': provider.url}
    finally:
        code = process.stop()
        provider.stop()
    assert code == 0, process.output
    assert 'Traceback' not in process.output, process.output


def expect():
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect


def to_consent(page, gen1, screenshots):
    page.goto(gen1['url'])
    expect()(page.locator('h1')).to_have_text('Authomatic gen-1 example')
    link = page.locator('a[href="/login/local"]')
    expect()(link).to_be_visible()
    screenshots.take(page, 'start')
    link.click()
    page.wait_for_url(lambda url: url.startswith(gen1['provider_url'] + '/authorize'))
    expect()(page.locator('#consent-form')).to_be_visible()
    screenshots.take(page, 'consent')


def test_two_sites(gen1):
    assert urlsplit(gen1['url']).hostname == 'localhost'
    assert urlsplit(gen1['provider_url']).hostname == '127.0.0.1'


def test_gen1_allow_shows_the_user(page, gen1, screenshots):
    to_consent(page, gen1, screenshots)
    page.select_option('#username', 'bob')
    page.click('#allow')
    # The callback redirects to the home page: a reload cannot replay it.
    page.wait_for_url(gen1['url'])
    expect()(page.locator('h1')).to_have_text('Authomatic gen-1 example')
    expect()(page.locator('.user')).to_have_text('Logged in as Bob Marley (bob@example.org)')
    expect()(page.locator('.user-id')).to_have_text('id: id-bob')
    screenshots.take(page, 'logged-in')
    page.reload()
    expect()(page.locator('.user')).to_have_text('Logged in as Bob Marley (bob@example.org)')


def test_gen1_deny_shows_a_readable_error(page, gen1, screenshots):
    to_consent(page, gen1, screenshots)
    with page.expect_response(lambda r: r.url.startswith(gen1['url'] + 'login/local?')) as seen:
        page.click('#deny')
    assert seen.value.status == 401
    expect()(page.locator('h1')).to_have_text('Login failed')
    body = page.locator('body').inner_text()
    assert 'You chose Deny at the provider' in body
    assert 'Traceback' not in body
    screenshots.take(page, 'denied')


def test_gen1_log_out(page, gen1, screenshots):
    to_consent(page, gen1, screenshots)
    page.click('#allow')
    page.wait_for_url(gen1['url'])
    expect()(page.locator('.user')).to_contain_text('Logged in as Alice Liddell')
    page.get_by_role('link', name=re.compile('^Log out$')).click()
    page.wait_for_url(gen1['url'])
    expect()(page.locator('a[href="/login/local"]')).to_be_visible()
    assert 'Alice Liddell' not in page.locator('body').inner_text()
    screenshots.take(page, 'logged-out')
