"""Secrets stay secret, and nothing a client sends is unpickled.

* Logs captured at INFO from every logger during complete logins and failed
  ones, for OAuth 2.0, OAuth 1.0a and OpenID, hold no consumer secret, no
  access or refresh token, no token secret, no PKCE verifier, and nothing of
  the session cookie or the login state inside it.
* Error pages with ``debug=False`` (the app's JSON error and Flask's 500 page
  with ``report_errors=False``) hold none of them either.
* A pickle whose loading would run code is put into every place a client
  controls (each callback parameter, the session cookie raw and validly
  signed, the login state, other cookies, headers): it never runs.
"""
import base64
import logging
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest
from reliability_support import FLASK_SECRET, SECRET, flask_cookie, state_token
from authomatic_extras.testing import make_flask_login_app, replace_query


class SecretBag:
    """Collects the values that must never be logged or shown."""

    def __init__(self, config):
        self.values = {SECRET, FLASK_SECRET}
        for entry in config.values():
            for key in ('consumer_secret',):
                if entry.get(key):
                    self.values.add(entry[key])

    def hook(self, result):
        user = result.user
        credentials = getattr(user, 'credentials', None) if user else None
        if credentials is not None:
            for name in ('token', 'token_secret', 'refresh_token'):
                value = getattr(credentials, name, None)
                if value:
                    self.values.add(value)
        from flask import session
        self.add_session(dict(session))

    def add_session(self, data):
        namespace = data.get('authomatic') or {}
        for tokens in namespace.values():
            for token in tokens if isinstance(tokens, list) else [tokens]:
                self.values.add(token)
                # The signed payload alone (first segment) is session content too.
                self.values.add(str(token).split('.')[0])

    def add_cookies(self, client):
        cookie = client.get_cookie('session')
        if cookie is not None and cookie.value:
            self.values.add(cookie.value)
            self.values.add(cookie.value.lstrip('.').split('.')[0])

    def leaks_in(self, text):
        return sorted(v for v in self.values if v and len(v) >= 8 and v in text)


def _capture_login_state(bag, client):
    with client.session_transaction() as session:
        bag.add_session(dict(session))
        state = session.get('authomatic') or {}
    # The PKCE verifier and CSRF token inside the signed state.
    from authomatic_extras.login_state import LoginState
    for provider, tokens in state.items():
        reader = LoginState({'authomatic': state}, 'authomatic', provider, SECRET, None)
        for token in tokens:
            flow = reader._decode(token)
            for value in (flow.data or {}).values():
                if isinstance(value, str) and len(value) >= 16:
                    bag.values.add(value)


def _all_log_text(caplog, exclude=()):
    """Everything a handler could write: messages, tracebacks (what a
    Formatter prints: ``exc_text`` when a filter set it). ``exclude``:
    logger name prefixes to leave out."""
    parts = []
    for record in caplog.records:
        if exclude and record.name.startswith(exclude):
            continue
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
    return '\n'.join(parts)


def _path(provider, openid_server):
    if provider == 'openid':
        return '/login/openid?id=' + quote(openid_server.identifier('alice'), '')
    return '/login/' + provider


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1', 'openid'])
def test_complete_login_logs_no_secret_at_info(providers_config, local_openid_server,
                                               callback_for, caplog, provider):
    caplog.set_level(logging.INFO)
    bag = SecretBag(providers_config)
    app = make_flask_login_app(providers_config, view_hook=bag.hook)
    client = app.test_client()
    callback = callback_for(client, _path(provider, local_openid_server))
    _capture_login_state(bag, client)
    bag.add_cookies(client)
    response = client.get(callback)
    assert response.status_code == 200, response.get_json()
    bag.add_cookies(client)
    if provider != 'openid':
        assert len(bag.values) > 4  # tokens were collected
    text = _all_log_text(caplog)
    assert 'Procedure finished' in text or 'Authentication successful' in text
    assert bag.leaks_in(text) == []
    assert bag.leaks_in(response.get_data(as_text=True)) == []


# -- every level, every spelling ------------------------------------------------------

#: Query keys whose values are secrets (or let an attacker finish or forge a
#: login) wherever they appear: the callback's and the redirect's.
SECRET_KEYS = ('state', 'code', 'oauth_token', 'oauth_verifier', 'openid.assoc_handle',
               'openid.sig', 'openid.response_nonce', 'janrain_nonce')


def _spellings(value):
    """``value`` raw, URL-encoded (once and twice, ``%20`` and ``+`` style)
    and, when it is base64 text, decoded."""
    forms = {value, quote(value, safe=''), quote_plus(value), quote(quote(value, safe=''), safe=''),
             quote(value)}
    try:
        padded = value + '=' * (-len(value) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode('ascii')).decode('utf-8')
    except (ValueError, UnicodeError):
        decoded = None
    if decoded and decoded.isprintable() and len(decoded) >= 8:
        forms.add(decoded)
    return {f for f in forms if len(f) >= 8}


def _callback_secrets(callback):
    query = dict(parse_qsl(urlsplit(callback).query))
    return {query[k] for k in SECRET_KEYS if query.get(k)}


def _openid_association_secrets(app):
    store = app.authomatic.openid_store
    found = set()
    for associations in getattr(store, 'server_assocs', {}).values():
        for association in getattr(associations, 'assocs', {}).values():
            found.add(association.handle)
            found.add(base64.b64encode(association.secret).decode('ascii'))
    return found


#: Loggers of the other parties, which run in the test process too: the local
#: providers (Authlib, python3-openid's server, Werkzeug serving them) and the
#: browser stand-in (requests/urllib3). The app under test logs through none.
NOT_THE_APP = ('authlib', 'openid.server', 'authomatic_extras.testing', 'werkzeug', 'urllib3')


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1', 'openid'])
def test_complete_login_logs_no_secret_at_any_level(providers_config, local_openid_server,
                                                    callback_for, caplog, provider):
    """Every logger captured at DEBUG, the extension's logger at DEBUG too:
    no secret of the login in any spelling (the core's "Redirecting user to"
    line carries the OAuth 2.0 ``state`` URL-encoded and the OAuth 1.0a
    request token; its DEBUG lines carry codes, tokens and secrets)."""
    caplog.set_level(logging.DEBUG)
    bag = SecretBag(providers_config)
    app = make_flask_login_app(providers_config, view_hook=bag.hook,
                               logging_level=logging.DEBUG)
    client = app.test_client()
    callback = callback_for(client, _path(provider, local_openid_server))
    _capture_login_state(bag, client)
    bag.add_cookies(client)
    bag.values |= _callback_secrets(callback)
    response = client.get(callback)
    assert response.status_code == 200, response.get_json()
    bag.add_cookies(client)
    if provider == 'openid':
        bag.values |= _openid_association_secrets(app)
    text = _all_log_text(caplog, exclude=NOT_THE_APP)
    assert 'Procedure finished' in text
    assert len(caplog.records) > 10   # DEBUG really was captured
    secrets = {v for v in bag.values if v and len(v) >= 8}
    assert len(secrets) >= 5, secrets
    leaks = sorted((secret, form) for secret in secrets for form in _spellings(secret)
                   if form in text)
    assert leaks == []


FAILURES = {
    'wrong-state': lambda cb: replace_query(cb, state='forged'),
    'replay': lambda cb: cb,
    'token-500': None,
    'userinfo-truncated': None,
}


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
@pytest.mark.parametrize('failure', sorted(FAILURES))
def test_failed_login_logs_and_shows_no_secret(providers_config, local_oauth2_server,
                                               local_oauth1_server, callback_for, caplog,
                                               provider, failure):
    """Every logger at DEBUG (the extension's too); secrets searched in
    every spelling, as for complete logins."""
    caplog.set_level(logging.DEBUG)
    server = local_oauth2_server if provider == 'oauth2' else local_oauth1_server
    bag = SecretBag(providers_config)
    app = make_flask_login_app(providers_config, view_hook=bag.hook,
                               logging_level=logging.DEBUG)
    client = app.test_client()
    callback = callback_for(client, '/login/' + provider)
    _capture_login_state(bag, client)
    bag.add_cookies(client)
    bag.values |= _callback_secrets(callback)
    if failure == 'replay':
        assert client.get(callback).status_code == 200
    elif failure == 'token-500':
        server.fault('token', '500')
    elif failure == 'userinfo-truncated':
        server.fault('userinfo', 'truncated_json')
    elif provider == 'oauth1':  # OAuth 1.0a has no state: forge its request token
        callback = replace_query(callback, oauth_token='forged-token-value')
    else:
        callback = FAILURES[failure](callback)
    response = client.get(callback)
    assert response.status_code == 401, response.data
    text = _all_log_text(caplog, exclude=NOT_THE_APP)
    assert 'Reported suppressed exception' in text or 'authomatic:' in text
    secrets = {v for v in bag.values if v and len(v) >= 8}
    assert sorted((secret, form) for secret in secrets for form in _spellings(secret)
                  if form in text) == []
    assert bag.leaks_in(response.get_data(as_text=True)) == []


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_error_page_without_debug_shows_no_secret(providers_config, local_oauth2_server,
                                                  local_oauth1_server, callback_for, caplog,
                                                  provider):
    """``report_errors=False, debug=False``: the failure is Flask's generic
    500 page (by choice of the app), with no traceback and no secret."""
    caplog.set_level(logging.INFO)
    server = local_oauth2_server if provider == 'oauth2' else local_oauth1_server
    bag = SecretBag(providers_config)
    app = make_flask_login_app(providers_config, report_errors=False, debug=False)
    client = app.test_client()
    callback = callback_for(client, '/login/' + provider)
    _capture_login_state(bag, client)
    bag.add_cookies(client)
    server.fault('userinfo', 'html')
    response = client.get(callback)
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert 'Traceback' not in page
    assert bag.leaks_in(page) == []
    assert bag.leaks_in(_all_log_text(caplog)) == []


# -- pickles -------------------------------------------------------------------------


def _payload_places(canary, config, flask_cookie, state_token):
    """(description, how to send) for every client-controlled place."""
    b64 = canary.b64()
    raw = canary.payload().decode('latin-1')
    std = base64.b64encode(canary.payload()).decode()
    values = [b64, std, raw]
    places = []
    for value in values:
        for param in ('code', 'state', 'error', 'user_state', 'oauth_token', 'oauth_verifier',
                      'denied', 'openid.mode', 'openid.assoc_handle', 'openid.sig',
                      'janrain_nonce', 'id'):
            places.append(('param ' + param, {'query': {param: value}}))
        places.append(('raw session cookie', {'cookies': {'session': value}}))
        places.append(('core session cookie', {'cookies': {'authomatic': value}}))
        places.append(('other cookie', {'cookies': {'webapp2authomatic': value}}))
        for provider in config:
            places.append(('signed session, state slot ' + provider, {'cookies': {
                'session': flask_cookie({'authomatic': {provider: [value]}})}}))
            places.append(('signed session, state data ' + provider, {'cookies': {
                'session': flask_cookie({'authomatic': {provider: [
                    state_token({'csrf': value, 'pkce_verifier': value,
                                 'oauth_token_secret': value, 'x': value})]}})}}))
        places.append(('header', {'headers': {'Authorization': 'Bearer ' + b64,
                                              'X-Session': b64}}))
    return places


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1', 'openid'])
def test_no_pickle_from_the_client_is_ever_loaded(providers_config, local_openid_server,
                                                  canary, provider):
    import os

    # The control: loading the payload really runs the code.
    import pickle
    pickle.loads(canary.payload())
    assert canary.fired
    os.remove(canary.path)

    app = make_flask_login_app(providers_config)
    sent = 0
    for where, how in _payload_places(canary, providers_config, flask_cookie, state_token):
        for step in ('start', 'callback'):
            client = app.test_client()
            for name, value in how.get('cookies', {}).items():
                client.set_cookie(name, value)
            query = dict(how.get('query', {}))
            if step == 'callback' and provider == 'oauth2':
                query.setdefault('code', 'c')
                query.setdefault('state', 's')
            if step == 'callback' and provider == 'oauth1':
                query.setdefault('oauth_token', 't')
                query.setdefault('oauth_verifier', 'v')
            if provider == 'openid':
                query.setdefault('id', local_openid_server.identifier('alice'))
                if step == 'callback':
                    query.setdefault('openid.mode', 'id_res')
            path = '/login/' + provider + ('?' + '&'.join(
                '{0}={1}'.format(quote(k), quote(v, safe='')) for k, v in query.items())
                if query else '')
            response = client.get(path, headers=how.get('headers', {}))
            assert response.status_code < 500, (where, step, response.data[:500])
            sent += 1
            assert not canary.fired, f'a client pickle was loaded: {where} ({step})'
    assert sent > 100


def test_a_logger_of_the_app_gets_the_redaction_too(providers_config, callback_for, caplog):
    """``FlaskAuthomatic(logger=...)``: the core logs through the app's
    logger, which gets the redacting filter (once, however many extensions)."""
    from authomatic_extras.log_redaction import RedactingFilter

    mine = logging.getLogger('tests.reliability.my-app-logger')
    mine.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    app = make_flask_login_app(providers_config, logger=mine)
    make_flask_login_app(providers_config, logger=mine)
    client = app.test_client()
    callback = callback_for(client, '/login/oauth2')
    state = dict(parse_qsl(urlsplit(callback).query))['state']
    assert client.get(callback).status_code == 200
    assert sum(isinstance(f, RedactingFilter) for f in mine.filters) == 1
    mine_text = '\n'.join(r.getMessage() for r in caplog.records if r.name == mine.name)
    assert 'Redirecting user to' in mine_text and 'state=[redacted]' in mine_text
    assert not any(form in mine_text for form in _spellings(state))


@pytest.mark.parametrize('line,secret', [
    ("Redirecting user to http://op/authorize?client_id=c&state=eyJjc3JmIjogIngifQ%3D%3D.",
     'eyJjc3JmIjogIngifQ'),
    ('body: code_verifier=VERIFIER123&code=CODE12345&client_secret=SECRET123', 'VERIFIER123'),
    ("params: {'code': 'CODE12345', 'client_secret': 'SECRET123'}", 'SECRET123'),
    ("headers: {'Authorization': 'Basic bG9jYWw6c2VjcmV0'}", 'bG9jYWw6c2VjcmV0'),
    ("headers: {'Authorization': 'Bearer TOKEN12345'}", 'TOKEN12345'),
    ('OAuth oauth_token="TOKEN12345", oauth_signature="SIG12345"', 'SIG12345'),
    ("with association {HMAC-SHA1}{6b063a30}{b'Qot45w=='}", 'Qot45w'),
    ('return_to=http%3A%2F%2Fa%2Fl%3Fjanrain_nonce%3DNONCE1234%26x%3D1', 'NONCE1234'),
    ('openid.sig=SIG12345&openid.assoc_handle=HANDLE123&openid.response_nonce=NONCE1234',
     'HANDLE123'),
    ('{"csrf": "CSRF12345", "user_state": ""}', 'CSRF12345'),
])
def test_redact_removes_the_value_and_keeps_the_rest(line, secret):
    from authomatic_extras.log_redaction import redact

    cleaned = redact(line)
    assert secret not in cleaned
    assert '[redacted]' in cleaned
    assert redact('code_challenge=abc&user_state=kept&client_id=c') == \
        'code_challenge=abc&user_state=kept&client_id=c'


class _Collect(logging.Handler):
    def __init__(self, level):
        super(_Collect, self).__init__(level)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _logger_under_test(name):
    from authomatic_extras.log_redaction import install

    logger = logging.getLogger('authomatic_extras.tests.redaction.' + name)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return install(logger)


LINE = 'Redirecting user to http://p/authorize?state=STATE12345&client_id=c'


@pytest.mark.parametrize('handler_level, record_level, redacted', [
    (logging.INFO, logging.INFO, True),
    (logging.DEBUG, logging.INFO, True),
    (logging.WARNING, logging.WARNING, True),
    (logging.WARNING, logging.INFO, False),     # nobody emits it: left as it is
])
def test_a_record_is_redacted_whenever_a_handler_receives_it(handler_level, record_level,
                                                             redacted):
    from authomatic_extras.log_redaction import RedactingFilter

    logger = _logger_under_test('{0}-{1}'.format(handler_level, record_level))
    handler = _Collect(handler_level)
    logger.addHandler(handler)
    seen = []

    class Spy(logging.Filter):        # after the redaction: what the record holds now
        def filter(self, record):
            seen.append(record.getMessage())
            return True

    logger.addFilter(Spy())
    try:
        logger.log(record_level, LINE)
    finally:
        logger.removeHandler(handler)
    assert any(isinstance(f, RedactingFilter) for f in logger.filters)
    assert ('STATE12345' not in seen[0]) is redacted
    assert all('STATE12345' not in message for message in handler.messages)
    assert len(handler.messages) == (1 if record_level >= handler_level else 0)


def test_records_that_reach_only_the_last_resort_are_redacted_from_warning_up(capsys):
    logger = _logger_under_test('last-resort')
    logger.info(LINE)                    # below logging.lastResort (WARNING): not emitted
    logger.warning(LINE)                 # written to stderr by the last resort
    err = capsys.readouterr().err
    assert 'STATE12345' not in err and '[redacted]' in err
