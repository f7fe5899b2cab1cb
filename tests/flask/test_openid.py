"""OpenID 2.0 through FlaskAuthomatic with Flask's default (JSON, signed
cookie) session: python3-openid's session objects travel as tagged JSON."""
import base64
import json
import zlib
from urllib.parse import quote

import pytest

from authomatic_extras.testing import LocalAppServer, login_with_requests, login_with_test_client


def _openid_path(server, username):
    return '/login/openid?id=' + quote(server.identifier(username), '')


def test_openid_login_with_the_test_client(make_app, providers_config, local_openid_server):
    app = make_app(providers_config)
    trip = login_with_test_client(app.test_client(), _openid_path(local_openid_server, 'bob'),
                                  username='bob')
    body = trip.response.get_json()
    assert trip.response.status_code == 200, body
    assert body['user']['name'] == 'Bob Marley'
    assert body['user']['email'] == 'bob@example.org'
    assert body['user']['id'] == local_openid_server.identifier('bob')


def test_openid_login_over_real_http(make_app, providers_config, local_openid_server):
    app = make_app(providers_config)
    with LocalAppServer(app, host='localhost') as served:
        trip = login_with_requests(served.url + _openid_path(local_openid_server, 'alice'))
    body = trip.response.json()
    assert trip.response.status_code == 200, body
    assert body['user']['email'] == 'alice@example.org'


def test_openid_denied(make_app, providers_config, local_openid_server):
    app = make_app(providers_config)
    trip = login_with_test_client(app.test_client(), _openid_path(local_openid_server, 'alice'),
                                  decision='deny')
    assert trip.response.status_code == 401
    assert trip.response.get_json()['error_type'] == 'CancellationError'


def _flask_session_payload(client):
    """Decode (without verifying) Flask's session cookie, as a client could."""
    value = client.get_cookie('session').value
    compressed = value.startswith('.')
    payload = value.lstrip('.').split('.')[0]
    raw = base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def test_openid_state_in_flask_session_is_signed_json_not_pickle(make_app, providers_config,
                                                                 local_openid_server):
    client = make_app(providers_config).test_client()
    first = client.get(_openid_path(local_openid_server, 'alice'))
    assert first.status_code in (200, 302)
    [stored] = _flask_session_payload(client)['authomatic']['openid']
    # One itsdangerous token: payload.timestamp.signature, JSON inside.
    assert stored.count('.') >= 2
    assert b'openid.consumer' not in stored.encode()


@pytest.mark.parametrize('tamper', ['drop-signature', 'swap-payload'])
def test_tampered_openid_state_fails_cleanly(make_app, providers_config, local_openid_server,
                                             tamper):
    from flask.sessions import SecureCookieSessionInterface

    app = make_app(providers_config)
    client = app.test_client()
    client.get(_openid_path(local_openid_server, 'alice'))
    session_data = _flask_session_payload(client)
    [token] = session_data['authomatic']['openid']
    head, _, _ = token.partition('.')
    session_data['authomatic']['openid'] = [
        head if tamper == 'drop-signature' else
        base64.urlsafe_b64encode(b'{"x":1}').decode().rstrip('=') + token[len(head):]]
    # Re-sign the Flask session (an attacker who knows SECRET_KEY but not the
    # authomatic secret): the login state itself must still be refused.
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    client.set_cookie('session', serializer.dumps(session_data))
    trip = login_with_test_client(client, _openid_path(local_openid_server, 'alice'))
    # A fresh start overwrites the broken state and the login completes.
    assert trip.response.status_code == 200, trip.response.data


def test_tampered_openid_state_at_the_callback_is_an_error(make_app, providers_config,
                                                           local_openid_server):
    from flask.sessions import SecureCookieSessionInterface

    app = make_app(providers_config)
    client = app.test_client()
    hops = []

    # Run the login up to the provider's answer, then tamper before the callback.
    from authomatic_extras.testing import driver

    original = client.open

    def open_and_tamper(*args, **kwargs):
        target = args[0] if args else kwargs.get('path', '')
        if 'openid.mode' in str(target):
            session_data = _flask_session_payload(client)
            [token] = session_data['authomatic']['openid']
            session_data['authomatic']['openid'] = [token[:-4] + 'AAAA']
            serializer = SecureCookieSessionInterface().get_signing_serializer(app)
            client.set_cookie('session', serializer.dumps(session_data))
            hops.append(target)
        return original(*args, **kwargs)

    client.open = open_and_tamper
    trip = driver.login_with_test_client(client, _openid_path(local_openid_server, 'alice'))
    assert hops, 'the callback was never reached'
    assert trip.response.status_code == 401
    assert trip.response.get_json()['error_type'] == 'LoginStateInvalid'
