"""Cookie stuffing: login state an attacker pads must not cost a victim a login.

An OpenID identity page decides how much python3-openid puts into the
session (its claimed identifier is stored several times over). The
attacker makes the victim's browser start OpenID logins at padded pages
(plain GETs of ``/login/openid?id=...``); with no bound the session cookie
then grows past what browsers keep (4096 bytes for name and value; we check
the ``Set-Cookie`` line at <= 4093 bytes), the browser drops it, and the
victim's next OAuth 2.0 login loses its state.

The browser is emulated faithfully here: a ``Set-Cookie`` for the session
longer than the limit is not stored (the previous cookie stays).
"""
import secrets
from urllib.parse import quote, urlsplit

import pytest
import requests
from reliability_support import assert_clean_failure

#: A browser keeps a cookie whose Set-Cookie line is at most this long.
BROWSER_LIMIT = 4093


class Browser:
    """A test client that drops oversized session cookies, as browsers do."""

    def __init__(self, client):
        self.client = client
        self.largest = 0

    def get(self, path):
        before = self.client.get_cookie('session')
        response = self.client.get(path)
        for header in response.headers.getlist('Set-Cookie'):
            if header.startswith('session='):
                self.largest = max(self.largest, len(header))
                if len(header) > BROWSER_LIMIT:
                    if before is None:
                        self.client.delete_cookie('session')
                    else:
                        self.client.set_cookie('session', before.value)
        return response


def padded_identifier(server, length):
    """An identity page whose claimed identifier is ``length`` characters
    longer than usual (a user of the real local OpenID provider)."""
    username = secrets.token_urlsafe(length * 3 // 4)  # 6 bits a character: compresses badly
    server.add_user(username, name='Padded', email='padded@example.org')
    return server.identifier(username)


def finish_at_the_provider(location, username='alice'):
    with requests.Session() as http:
        page = http.get(location, allow_redirects=False, timeout=10)
        back = http.post(page.url, data={'username': username, 'decision': 'allow'},
                         allow_redirects=False, timeout=10)
    parts = urlsplit(back.headers['Location'])
    return parts.path + '?' + parts.query


@pytest.mark.parametrize('padding,pages', [(150, 6), (400, 4), (1300, 3), (6000, 2)])
def test_padded_openid_logins_never_cost_the_next_oauth2_login(
        make_app, providers_config, local_openid_server, padding, pages):
    app = make_app(providers_config)
    victim = Browser(app.test_client())
    for _ in range(pages):
        started = victim.get('/login/openid?id=' + quote(
            padded_identifier(local_openid_server, padding), ''))
        assert started.status_code < 500, started.data[:500]
        if started.status_code >= 400:
            body = assert_clean_failure(started)
            assert body['error_type'] == 'LoginStateTooLarge', body
            assert 'one session may hold' in body['error'], body

    # The victim's own OAuth 2.0 login, in the same browser.
    start = victim.get('/login/oauth2')
    assert start.status_code == 302, start.data[:500]
    callback = victim.get(finish_at_the_provider(start.headers['Location']))
    assert callback.status_code == 200, callback.get_json()
    assert callback.get_json()['user']['email'] == 'alice@example.org'
    assert victim.largest <= BROWSER_LIMIT, victim.largest


def test_one_oversized_login_fails_with_a_typed_error_and_keeps_the_others(
        make_app, providers_config, local_openid_server):
    """A single flow larger than the bound is not written: its step 1 ends in
    ``LoginStateTooLarge``, and the logins already pending are untouched."""
    from authomatic_extras.testing import stop_before_callback

    app = make_app(providers_config)
    client = app.test_client()
    pending = stop_before_callback(client, '/login/oauth2')
    browser = Browser(client)
    huge = browser.get('/login/openid?id=' + quote(
        padded_identifier(local_openid_server, 6000), ''))
    body = assert_clean_failure(huge)
    assert body['error_type'] == 'LoginStateTooLarge', body
    assert browser.largest <= BROWSER_LIMIT
    assert client.get(pending).status_code == 200


def test_expired_flows_are_dropped_on_every_write(make_app, providers_config,
                                                  local_openid_server, monkeypatch):
    """Flows older than ``session_max_age`` do not stay in the cookie: the
    next write of any provider's login drops them."""
    import time

    from authomatic_extras import login_state

    app = make_app(providers_config)
    client = app.test_client()
    client.get('/login/openid?id=' + quote(local_openid_server.identifier('alice'), ''))
    client.get('/login/oauth1')
    with client.session_transaction() as session:
        assert set(session['authomatic']) == {'openid', 'oauth1'}

    class Later:
        @staticmethod
        def time():
            return time.time() + 601

    monkeypatch.setattr(login_state, 'time', Later)
    assert client.get('/login/oauth2').status_code == 302
    with client.session_transaction() as session:
        assert set(session['authomatic']) == {'oauth2'}


def test_the_bound_is_an_attribute_of_the_extension(make_app, providers_config,
                                                    local_openid_server):
    """``FlaskAuthomatic.login_state_max_bytes``: an app that keeps more of its
    own data in the cookie lowers it; an OpenID login then no longer fits."""
    app = make_app(providers_config)
    app.authomatic.login_state_max_bytes = 600
    client = app.test_client()
    assert client.get('/login/oauth2').status_code == 302
    body = assert_clean_failure(client.get(
        '/login/openid?id=' + quote(local_openid_server.identifier('alice'), '')))
    assert body['error_type'] == 'LoginStateTooLarge'
    assert 'more than the 600' in body['error']


def test_login_state_at_the_bound_still_fits_a_browser_cookie():
    """The worst case for the bound: login state of random (barely
    compressible) characters written until the bound drops flows, plus 600
    bytes of the app's own session data: Flask's cookie still fits."""
    from flask import Flask, session

    from authomatic_extras.login_state import MAX_STATE_BYTES, LoginState

    app = Flask('at-the-bound')
    app.secret_key = 'at-the-bound-key'

    @app.route('/fill')
    def fill():
        session['user'] = secrets.token_urlsafe(450)
        for i in range(12):
            state = LoginState(session, 'authomatic', 'p{0}'.format(i % 5), 'secret')
            state['v'] = secrets.token_urlsafe(300)
            state.save()
        total = sum(len(t) for slot in session['authomatic'].values() for t in slot)
        return str(total)

    response = app.test_client().get('/fill')
    assert MAX_STATE_BYTES - 500 < int(response.get_data()) <= MAX_STATE_BYTES
    [cookie] = [h for h in response.headers.getlist('Set-Cookie') if h.startswith('session=')]
    assert len(cookie) <= BROWSER_LIMIT, len(cookie)
