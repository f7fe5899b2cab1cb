"""No attacker-controlled markup or URL in any HTML the login step emits.

The attacker's side: ``/login/<openid entry>?id=<attacker URL>`` (the core
lets ``?id=`` override any configured identifier), where the attacker's
identity page (a real local server, :class:`ScriptedSite`) declares a provider
endpoint that is not http(s): a ``javascript:`` URL in the HTML
``openid2.provider`` link, in an OpenID 1 ``openid.server`` link, or in the
``<URI>`` of a Yadis XRDS document, spelled plainly or with the case, blank
and control-character tricks browsers ignore; ``data:`` and ``vbscript:``
too. Before the fix the app answered with python3-openid's auto-submitting
form whose ``action`` was that URL (in Chromium the script ran on the app's
origin: tests/browser/test_openid_xss_browser.py).

Also: identifiers that are not http(s); hostile values inside an otherwise
valid form; the 400 and 404 pages; and the ``debug=True,
report_errors=False`` traceback page, which reflected request values.
"""
import base64
import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from reliability_support import assert_clean_failure

from authomatic_extras.testing import ScriptedSite, make_flask_login_app

XSS = '<img src=x onerror=alert(document.domain)>'

#: Endpoint spellings as they appear in the attacker's HTML attribute / XML text.
ENDPOINTS = {
    'javascript': 'javascript:alert(document.domain)',
    'javascript-upper': 'JAVASCRIPT:alert(document.domain)',
    'javascript-leading-space': ' JavaScript:alert(document.domain)',
    'javascript-tab': 'java&#9;script:alert(document.domain)',
    'javascript-newline': 'java&#10;script:alert(document.domain)',
    'javascript-entity': '&#106;avascript:alert(document.domain)',
    'data': 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript': 'vbscript:msgbox(1)',
}

HTML_OPENID2 = ('<!DOCTYPE html><html><head><link rel="openid2.provider" href="{endpoint}">'
                '</head><body>me</body></html>')
HTML_OPENID1 = ('<!DOCTYPE html><html><head><link rel="openid.server" href="{endpoint}">'
                '</head><body>me</body></html>')
XRDS = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>'
        '<Service priority="0"><Type>http://specs.openid.net/auth/2.0/signon</Type>'
        '<URI>{endpoint}</URI></Service></XRD></xrds:XRDS>')


@pytest.fixture(scope='module')
def site():
    with ScriptedSite() as served:
        yield served


@pytest.fixture
def app(providers_config):
    """The usual test app; its OpenID entry allows 127.0.0.1 (where the
    local provider and the attacker's site run): only the scheme check is
    between the attacker and the browser."""
    return make_flask_login_app(providers_config)


def _declare(site, shape, endpoint, name):
    if shape == 'html-openid2':
        return site.page('/' + name, HTML_OPENID2.format(endpoint=endpoint))
    if shape == 'html-openid1':
        return site.page('/' + name, HTML_OPENID1.format(endpoint=endpoint))
    xrds = site.page('/' + name + '.xrds', XRDS.format(endpoint=endpoint),
                     content_type='application/xrds+xml')
    return site.page('/' + name, '<html>yadis</html>', headers={'X-XRDS-Location': xrds})


class _Forms(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.actions = []
        self.scripts = 0
        self.handlers = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form':
            self.actions.append(attrs.get('action') or '')
        if tag == 'script':
            self.scripts += 1
        self.handlers += [(tag, k) for k in attrs if k.startswith('on')]


def _forms(html):
    parser = _Forms()
    parser.feed(html)
    return parser


@pytest.mark.parametrize('shape', ['html-openid2', 'html-openid1', 'xrds'])
@pytest.mark.parametrize('spelling', sorted(ENDPOINTS))
def test_endpoint_that_is_not_http_is_refused(app, site, shape, spelling):
    identity = _declare(site, shape, ENDPOINTS[spelling], f'{shape}-{spelling}')
    response = app.test_client().get('/login/openid?id=' + quote(identity, ''))
    page = response.get_data(as_text=True)
    forms = _forms(page)
    assert forms.actions == [], (response.status_code, page[:600])
    body = assert_clean_failure(response)
    assert body['error_type'] in ('OpenIDEndpointRefused', 'OpenIDDiscoveryError'), body
    assert 'script' not in page.lower()


@pytest.mark.parametrize('shape', ['html-openid2', 'xrds'])
def test_plain_javascript_endpoint_gets_the_typed_error(app, site, shape):
    identity = _declare(site, shape, ENDPOINTS['javascript'], 'typed-' + shape)
    body = assert_clean_failure(app.test_client().get('/login/openid?id=' + quote(identity, '')))
    assert body['error_type'] == 'OpenIDEndpointRefused', body
    assert 'http' in body['error']


@pytest.mark.parametrize('identifier', [
    'javascript:alert(document.domain)', ' JavaScript:alert(1)', 'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd',
    'ftp://example.org/me', 'gopher://127.0.0.1:6379/_INFO',
])
def test_identifier_that_is_not_http_is_refused(app, identifier):
    response = app.test_client().get('/login/openid?id=' + quote(identifier, ''))
    body = assert_clean_failure(response)
    assert body['error_type'] == 'OpenIDEndpointRefused', body
    assert '<script' not in response.get_data(as_text=True)


def test_hostile_values_in_a_valid_form_stay_data(app, site, local_openid_server):
    """A valid http endpoint, but a ``local_id`` and a claimed-id path full
    of markup: the form the app sends holds them only as escaped values."""
    page = ('<html><head><link rel="openid2.provider" href="{0}">'
            '<link rel="openid2.local_id" href="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">'
            '</head></html>').format(local_openid_server.endpoint_url)
    site.page('/x"><script>alert(1)</script>', page)   # the server sees the decoded path
    identity = site.url + '/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E'
    response = app.test_client().get('/login/openid?id=' + quote(identity, ''),
                                     headers={'Host': 'localhost'})
    html = response.get_data(as_text=True)
    forms = _forms(html)
    assert response.status_code == 200, html[:500]
    assert forms.actions == [local_openid_server.endpoint_url]
    assert forms.scripts <= 1   # python3-openid's own submit script
    assert forms.handlers in ([], [('body', 'onload')])
    assert '<script>alert' not in html


def test_error_pages_escape_what_the_request_sent(app):
    client = app.test_client()
    ignored = client.get('/login/oauth2?' + quote(XSS, '') + '=1')
    assert ignored.status_code == 400
    unknown = client.get('/login/' + quote(XSS, ''))
    assert unknown.status_code == 404
    for response in (ignored, unknown):
        assert XSS not in response.get_data(as_text=True)


# -- debug=True, report_errors=False: the traceback page -------------------------------


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize('where', ['csrf-in-state', 'state', 'openid-identifier'])
def test_debug_traceback_page_escapes_request_values(providers_config, callback_for, where,
                                                     site):
    app = make_flask_login_app(providers_config, report_errors=False, debug=True)
    client = app.test_client()
    if where == 'openid-identifier':
        path = '/login/openid?id=' + quote(site.url + '/nothing-here/' + XSS, '')
    else:
        callback = callback_for(client, '/login/oauth2')
        code = callback.split('code=')[1].split('&')[0]
        state = _b64({'csrf': XSS}) if where == 'csrf-in-state' else XSS
        path = '/login/oauth2?code={0}&state={1}'.format(code, quote(state, ''))
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 500, page[:500]
    assert 'Traceback' in page             # debug: the traceback is shown ...
    assert XSS not in page                  # ... but nothing of the request is markup
    assert '<img' not in page
    assert response.headers['Content-Type'].startswith('text/html')
    assert response.headers.get('X-Content-Type-Options') == 'nosniff'


@pytest.mark.parametrize('query', ['realm=realm', 'xrds=xrds'])
def test_realm_and_xrds_pages_hold_no_markup_from_the_request(app, query):
    """The core's realm page and XRDS document carry the request's URL
    unescaped: a hostile ``Host`` is refused before the core runs (Werkzeug 3
    empties an invalid one, Werkzeug 2.3 passed it on into the page)."""
    client = app.test_client()
    response = client.get('/login/openid?' + query,
                          headers={'Host': 'x"><script>alert(1)</script>'})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    assert '<script' not in page and 'alert(1)' not in page
    assert client.get('/login/openid?' + query).status_code == 200
