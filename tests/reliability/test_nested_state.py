"""Deeply nested login state is refused as invalid, never a RecursionError.

The worst case for the session cookie: ``SECRET_KEY`` leaked (the attacker
signs Flask sessions) and, for the signed cases, the authomatic secret too
(the attacker signs login-state tokens with ``login_state.make_token``).
JSON nested a few hundred levels deep decodes in C but recursed in Python;
a few thousand levels deep failed in ``json`` itself. Either was a 500.
"""
import base64
import json

import pytest
from reliability_support import SECRET, assert_clean_failure, flask_cookie

from authomatic_extras.login_state import make_token
from authomatic_extras.testing import stop_before_callback


class RawJSON:
    """A serializer for ``make_token`` that writes the text it is given, so
    the token carries nesting no honest writer produces."""

    def __init__(self, text):
        self.text = text

    def dumps(self, value):
        return self.text


def nested(depth, kind):
    return ('[' * depth + ']' * depth) if kind == 'list' else \
        ('{"a":' * depth + '1' + '}' * depth)


def csrf_of(callback):
    from urllib.parse import parse_qs, urlsplit
    state = parse_qs(urlsplit(callback).query)['state'][0]
    return json.loads(base64.urlsafe_b64decode(state + '=' * (-len(state) % 4)))['csrf']


@pytest.mark.parametrize('kind', ['list', 'dict'])
@pytest.mark.parametrize('depth', [120, 450, 900, 3000, 20000])
@pytest.mark.parametrize('signed', [True, False])
def test_deeply_nested_login_state(make_app, providers_config, kind, depth, signed):
    """The forged token carries the pending login's own CSRF token (so it
    is the flow the callback picks) next to a deeply nested value."""
    client = make_app(providers_config).test_client()
    callback = stop_before_callback(client, '/login/oauth2')
    csrf = csrf_of(callback)
    text = '{"d":{"authomatic:oauth2:csrf":"%s","x":%s},"e":[]}' % (csrf, nested(depth, kind))
    token = make_token(SECRET, {}, serializer=RawJSON(text))
    if not signed:
        token = token[:-6] + ('AAAAAA' if not token.endswith('AAAAAA') else 'BBBBBB')
    client.set_cookie('session', flask_cookie({'authomatic': {'oauth2': [token]}}))
    body = assert_clean_failure(client.get(callback))
    assert body['error_type'] == 'LoginStateInvalid', body


@pytest.mark.parametrize('depth', [450, 900, 3000])
def test_deeply_nested_token_beside_a_real_one(make_app, providers_config, depth):
    """A nested token planted beside the real pending login: the real
    callback still logs in; step 1 of a new login still works."""
    client = make_app(providers_config).test_client()
    callback = stop_before_callback(client, '/login/oauth2')
    with client.session_transaction() as session:
        real = session['authomatic']['oauth2']
    text = '{"d":{"x":%s},"e":[]}' % nested(depth, 'list')
    bad = make_token(SECRET, {}, serializer=RawJSON(text))
    client.set_cookie('session', flask_cookie({'authomatic': {'oauth2': [bad] + real}}))
    assert client.get('/login/oauth1').status_code == 302
    assert client.get(callback).status_code == 200


def test_deeply_nested_flask_session_value_at_step_one(make_app, providers_config):
    """Junk nested anywhere in our namespace at step 1: the login starts."""
    client = make_app(providers_config).test_client()
    text = nested(900, 'list')
    for slot in ([make_token(SECRET, {}, serializer=RawJSON(text))],
                 'x.' + text + '.y'):
        client.set_cookie('session', flask_cookie({'authomatic': {'oauth2': slot}}))
        assert client.get('/login/oauth2').status_code == 302
