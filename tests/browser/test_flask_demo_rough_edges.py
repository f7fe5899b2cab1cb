"""The demo's pages a user reaches by Deny, reload and Back say in plain
words what happened and who is logged in; the demo command prints one clear
line for a busy port and shows its own INFO lines. Flask's test client and
the demo command in a subprocess, against the real local provider."""
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests

from authomatic_extras.testing import login_with_requests, login_with_test_client
from authomatic_extras.testing import stop_before_callback
from legacy_examples.flask_demo import create_app, local_entries

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


@pytest.fixture
def demo_client(local_oauth2_server):
    app = create_app({'SECRET_KEY': 'rough-edges-key-0123456789',
                      'AUTHOMATIC_CONFIG': local_entries(local_oauth2_server)})
    return app.test_client()


def _text(response):
    return re.sub(r'\s+', ' ', response.get_data(as_text=True))


def test_deny_while_logged_in_says_who_is_still_logged_in(demo_client):
    login_with_test_client(demo_client, '/login/local/', username='alice')
    trip = login_with_test_client(demo_client, '/login/local/', username='bob',
                                  decision='deny')
    page = _text(trip.response)
    assert trip.response.status_code == 401
    assert 'Login cancelled' in page
    assert 'You are still logged in as Alice Liddell' in page
    assert 'nobody is logged in' not in page.lower()
    assert 'Alice Liddell' in _text(demo_client.get('/'))


def test_deny_when_nobody_is_logged_in_says_so(demo_client):
    trip = login_with_test_client(demo_client, '/login/local/', decision='deny')
    assert 'Nobody is logged in.' in _text(trip.response)


def test_reloaded_callback_says_the_link_was_used_and_offers_the_way_back(demo_client):
    callback = stop_before_callback(demo_client, '/login/local/', username='alice')
    assert demo_client.get(callback).status_code == 302       # logged in, sent to /
    reloaded = demo_client.get(callback)                        # the Back button / reload
    page = _text(reloaded)
    assert reloaded.status_code == 401
    assert 'This login link was already used' in page
    assert 'You are still logged in as Alice Liddell' in page
    assert 'FailureError' not in page and 'Unable to retrieve stored state' not in page
    assert 'id="retry" href="/login/local/"' in page and 'id="home"' in page


def test_back_to_the_consent_page_and_allow_again(demo_client):
    """Allow, then Back to the provider's page and Allow again: the second
    answer reaches a login that is over."""
    first = stop_before_callback(demo_client, '/login/local/', username='alice')
    demo_client.get(first)
    with demo_client.session_transaction() as session:
        assert session['user']['name'] == 'Alice Liddell'
    # A second Allow of the same consent page gives a new code with the old state.
    page = _text(demo_client.get(first))
    assert 'This login link was already used' in page


def test_both_sites_have_an_icon(demo_client, local_oauth2_server):
    icon = demo_client.get('/favicon.ico')
    assert icon.status_code == 200 and icon.mimetype == 'image/svg+xml'
    assert b'<svg' in icon.data
    assert 'rel="icon"' in _text(demo_client.get('/'))
    consent = requests.get(demo_client.get('/login/local/').headers['Location'], timeout=10)
    assert consent.status_code == 200
    assert re.search(r'<link rel="icon" href="data:image/svg\+xml,', consent.text)


def test_email_wraps_at_its_parts_on_a_narrow_screen(demo_client):
    login_with_test_client(demo_client, '/login/local/', username='alice')
    page = demo_client.get('/').get_data(as_text=True)
    assert 'alice@<wbr>example.<wbr>org' in page
    css = demo_client.get('/static/demo.css').get_data(as_text=True)
    assert 'overflow-wrap: anywhere' not in css
    assert '@media (max-width: 32rem)' in css


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _demo_command(*args):
    return [sys.executable, '-m', 'legacy_examples.flask_demo', '--no-oauth1'] + list(args)


def test_busy_port_prints_one_clear_message():
    with socket.socket() as busy:
        busy.bind(('localhost', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run(_demo_command('--port', str(port), '--provider-port', '0'),
                              cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ['error: port {0} of localhost for the app is in use; pick another with '
                     '--port (0 = any free port).'.format(port)], proc.stderr


def test_the_demo_command_shows_its_login_lines():
    port = _free_port()
    proc = subprocess.Popen(_demo_command('--port', str(port), '--provider-port', '0'),
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.time() + 60
        for line in proc.stdout:
            if 'Press Ctrl+C' in line or time.time() > deadline:
                break
        trip = login_with_requests('http://localhost:{0}/login/local/'.format(port),
                                   username='bob')
        assert trip.response.status_code == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert re.search(r'INFO legacy_examples\.flask_demo\S*: Bob Marley logged in with local',
                     output), output
    assert 'Traceback' not in output
