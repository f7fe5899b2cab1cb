"""The dev server's sign-in page in a real browser: ``continue`` never takes
Chromium off-site, whatever spelling browsers read as another host
(``/\\host``, ``//host``, ``\\\\host``, a tab inside, ``https:host``...).

A minimal app.yaml (one static file) served by
``python -m authomatic_extras.gae.devserver`` in a subprocess; Chromium
opens ``http://localhost:PORT/_ah/login?email=...&action=Login&continue=X``
and the test checks where it ends up.
"""
from urllib.parse import quote, urlsplit

import pytest

pytestmark = pytest.mark.browser

APP_YAML = (
    'runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n'
    '- url: /(after\\.txt)\n  static_files: \\1\n  upload: after\\.txt\n')

OFF_SITE = ['/\\evil.example/', '//evil.example/', '\\\\evil.example/', '/\t/evil.example/',
            '\t//evil.example/', 'https:evil.example', 'http:evil.example/', '/\\/evil.example/',
            'https://evil.example/', 'javascript:alert(document.domain)', ' //evil.example/',
            '/\n/evil.example/', '\\/evil.example/']


@pytest.fixture(scope='module')
def devserver(chromium_path, subprocess_server, tmp_path_factory):
    root = tmp_path_factory.mktemp('signin-browser')
    (root / 'after.txt').write_text('after sign-in\n')
    (root / 'app.yaml').write_text(APP_YAML)
    process = subprocess_server(
        ['-m', 'authomatic_extras.gae.devserver', str(root / 'app.yaml'), '--port', '0',
         '--storage-path', str(root / 'storage')],
        ready=r'^Serving .* at http://127\.0\.0\.1:(\d+)/', cwd=str(root))
    try:
        yield 'http://localhost:%s' % process.match.group(1)
    finally:
        code = process.stop()
    assert code == 0, process.output
    assert 'Traceback' not in process.output, process.output


def test_continue_never_leaves_the_site(page, devserver):
    """One browser, every spelling (a fresh browser each costs 3 s)."""
    seen = []
    page.on('request', lambda request: seen.append(request.url))
    for target in OFF_SITE:
        url = devserver + '/_ah/login?email=a%40example.com&action=Login&continue=' + quote(
            target, safe='')
        response = page.goto(url)
        assert response.status == 400, target
        assert urlsplit(page.url).hostname == 'localhost', (target, page.url)
        assert 'continue must be a URL of this server' in page.locator('body').inner_text()
    assert len(seen) == len(OFF_SITE), seen
    assert all(urlsplit(u).hostname == 'localhost' for u in seen), seen
    assert 'dev_appserver_login' not in {c['name'] for c in page.context.cookies()}


def test_continue_on_this_server_signs_in_and_lands_there(page, devserver):
    url = devserver + '/_ah/login?email=a%40example.com&action=Login&continue=' + quote(
        '/after.txt', safe='')
    page.goto(url)
    assert page.url == devserver + '/after.txt'
    assert page.locator('body').inner_text().strip() == 'after sign-in'
    cookies = {c['name']: c['value'] for c in page.context.cookies()}
    assert cookies['dev_appserver_login'].strip('"').startswith('a@example.com:False:')


def test_the_form_signs_in_with_a_get(page, devserver):
    page.goto(devserver + '/_ah/login?continue=' + quote('/after.txt', safe=''))
    page.fill('input[name=email]', 'admin@example.com')
    page.check('input[name=admin]')
    page.click('button[value=Login]')
    page.wait_for_url(devserver + '/after.txt')
    cookies = {c['name']: c['value'] for c in page.context.cookies()}
    assert cookies['dev_appserver_login'].strip('"').startswith('admin@example.com:True:')
