"""A provider's answer continues only the login that asked for it.

From the attacker's side, with the real local providers:

* login CSRF: the attacker's own valid answer (OAuth 2.0 code, OAuth 1.0a
  verifier, OpenID assertion) delivered into a victim's browser that has a
  login pending logs nobody in, and the victim's own login still finishes;
* a leaked, unused answer for the victim, replayed in the attacker's browser
  that has a login of its own pending, logs nobody in;
* a forged cancel link (``?error=access_denied&state=x``, ``?denied=x``,
  ``?openid.mode=cancel``) ends in a clear error and leaves every pending
  login intact: the victim's real callback still succeeds.
"""
from urllib.parse import quote

import pytest
from reliability_support import assert_clean_failure

from authomatic_extras.testing import stop_before_callback

PROVIDERS = ['oauth2', 'oauth1', 'openid']


def start_path(provider, openid_server, username='alice'):
    if provider == 'openid':
        return '/login/openid?id=' + quote(openid_server.identifier(username), '')
    return '/login/' + provider


def _user(response):
    body = response.get_json(silent=True) or {}
    return (body.get('user') or {}).get('email')


# -- login CSRF --------------------------------------------------------------


@pytest.mark.parametrize('victim_pending_id', ['alice', 'bob'])
@pytest.mark.parametrize('provider', PROVIDERS)
def test_attackers_own_answer_delivered_to_a_victim_logs_nobody_in(
        make_app, providers_config, local_openid_server, provider, victim_pending_id):
    """Bob (the attacker) consents at the provider for his own login and
    does not deliver the answer; he makes Alice's browser start a login (a
    plain GET does it, for any identifier) and then load his callback URL."""
    app = make_app(providers_config)
    attacker = app.test_client()
    attackers_answer = stop_before_callback(
        attacker, start_path(provider, local_openid_server, 'bob'), username='bob')
    victim = app.test_client()
    victims_answer = stop_before_callback(
        victim, start_path(provider, local_openid_server, victim_pending_id),
        username=victim_pending_id)

    forced = victim.get(attackers_answer)
    body = assert_clean_failure(forced)
    assert body['user'] is None, body

    # The victim's own login was left alone and still finishes as herself.
    own = victim.get(victims_answer)
    assert own.status_code == 200, own.get_json()
    assert _user(own) == f'{victim_pending_id}@example.org'


@pytest.mark.parametrize('attacker_pending_id', ['alice', 'bob'])
@pytest.mark.parametrize('provider', PROVIDERS)
def test_leaked_unused_answer_replayed_in_the_attackers_session_logs_nobody_in(
        make_app, providers_config, local_openid_server, provider, attacker_pending_id):
    """Alice's answer leaked before her browser delivered it (a Referer, a
    proxy log). Bob has a login of his own pending (for Alice's identifier
    or his own) and loads Alice's callback URL."""
    app = make_app(providers_config)
    victim = app.test_client()
    leaked = stop_before_callback(victim, start_path(provider, local_openid_server, 'alice'))
    attacker = app.test_client()
    pending = attacker.get(start_path(provider, local_openid_server, attacker_pending_id))
    assert pending.status_code in (200, 302), pending.data[:500]

    replayed = attacker.get(leaked)
    body = assert_clean_failure(replayed)
    assert body['user'] is None, body

    # Refused before anything was spent: Alice still logs in with it.
    own = victim.get(leaked)
    assert own.status_code == 200, own.get_json()
    assert _user(own) == 'alice@example.org'


def test_openid_answer_carries_a_per_flow_value_inside_the_signed_return_to(
        make_app, providers_config, local_openid_server):
    """Where the binding lives: the callback's ``openid.return_to`` (which
    the provider signs, ``openid.signed`` lists it) carries a value that is
    different for every login, and the same value is a parameter of the
    callback itself."""
    from urllib.parse import parse_qs, urlsplit

    app = make_app(providers_config)
    answers = [stop_before_callback(app.test_client(),
                                    start_path('openid', local_openid_server))
               for _ in range(2)]
    values = []
    for answer in answers:
        query = parse_qs(urlsplit(answer).query)
        assert 'return_to' in query['openid.signed'][0].split(',')
        signed_query = parse_qs(urlsplit(query['openid.return_to'][0]).query)
        bound = [name for name in signed_query if name not in ('realm', 'janrain_nonce')]
        assert bound, signed_query
        assert all(query[name] == signed_query[name] for name in bound)
        values.append({name: signed_query[name][0] for name in bound})
    assert values[0] != values[1]


def test_openid_answer_with_the_per_flow_value_swapped_is_refused(
        make_app, providers_config, local_openid_server):
    """Bob delivers his assertion to Alice with Alice's per-flow value
    pasted into the URL (say it leaked): the signed ``return_to`` no longer
    matches the URL, so python3-openid refuses it and nobody logs in. (The
    victim's flow, named by the leaked id, counts as used.)"""
    from urllib.parse import parse_qs, urlsplit

    from authomatic_extras.testing import replace_query

    app = make_app(providers_config)
    victim = app.test_client()
    victims_answer = stop_before_callback(victim, start_path('openid', local_openid_server))
    attackers_answer = stop_before_callback(
        app.test_client(), start_path('openid', local_openid_server, 'bob'), username='bob')
    victim_query = parse_qs(urlsplit(victims_answer).query)
    signed = parse_qs(urlsplit(victim_query['openid.return_to'][0]).query)
    bound = {name: values[0] for name, values in signed.items()
             if name not in ('realm', 'janrain_nonce')}
    forged = replace_query(attackers_answer, **bound)
    body = assert_clean_failure(victim.get(forged))
    assert body['user'] is None
    assert body['error_type'] == 'FailureError', body  # python3-openid: return_to mismatch


# -- forged cancel links ------------------------------------------------------

FORGED_CANCELS = {
    'oauth2': ['/login/oauth2?error=access_denied&state=x',
               '/login/oauth2?error=access_denied',
               '/login/oauth2?error=access_denied&error_reason=user_denied&state='
               'eyJjc3JmIjogIjAwMDAwMDAwMDAwMDAwMDAwMDAwIn0='],
    'oauth1': ['/login/oauth1?denied=x', '/login/oauth1?denied=' + 'A' * 40],
    'openid': ['/login/openid?openid.mode=cancel',
               '/login/openid?openid.mode=cancel&openid.ns=http%3A%2F%2Fspecs.openid.net'
               '%2Fauth%2F2.0&realm=realm',
               '/login/openid?openid.mode=error&openid.error=x'],
}


@pytest.mark.parametrize('provider,forged', [(p, f) for p in PROVIDERS
                                             for f in FORGED_CANCELS[p]])
def test_forged_cancel_leaves_the_pending_login_intact(make_app, providers_config,
                                                       local_openid_server, provider, forged):
    app = make_app(providers_config)
    victim = app.test_client()
    answer = stop_before_callback(victim, start_path(provider, local_openid_server))

    cancelled = victim.get(forged)
    body = assert_clean_failure(cancelled)

    real = victim.get(answer)
    assert real.status_code == 200, real.get_json()
    assert _user(real) == 'alice@example.org'
    # Said plainly: this answer belongs to no login of this browser.
    assert body['error_type'] == 'LoginStateMismatch', body
    assert 'does not belong' in body['error']


@pytest.mark.parametrize('provider', PROVIDERS)
def test_forged_cancel_leaves_every_pending_login_intact(make_app, providers_config,
                                                         local_openid_server, provider):
    """Three logins pending in three tabs; three forged cancels; all three
    real answers still log in."""
    app = make_app(providers_config)
    victim = app.test_client()
    users = ['alice', 'bob', 'alice']
    answers = [stop_before_callback(victim, start_path(provider, local_openid_server, user),
                                    username=user) for user in users]
    for forged in FORGED_CANCELS[provider]:
        assert_clean_failure(victim.get(forged))
    for user, answer in zip(users, answers):
        real = victim.get(answer)
        assert real.status_code == 200, real.get_json()
        assert _user(real) == f'{user}@example.org'


@pytest.mark.parametrize('provider', PROVIDERS)
def test_a_real_cancel_still_cancels_its_own_login(make_app, providers_config,
                                                   local_openid_server, provider):
    """The control: the provider's own cancel answer matches its flow, ends
    in CancellationError and removes that flow only."""
    app = make_app(providers_config)
    browser = app.test_client()
    kept = stop_before_callback(browser, start_path(provider, local_openid_server))
    refused = stop_before_callback(browser, start_path(provider, local_openid_server),
                                   decision='deny')
    body = assert_clean_failure(browser.get(refused))
    assert body['error_type'] == 'CancellationError', body
    assert browser.get(kept).status_code == 200
    with browser.session_transaction() as session:
        assert provider not in session.get('authomatic', {})


def test_openid1_redirect_carries_the_flow_id_and_binds_too(make_app, providers_config,
                                                            local_openid_server):
    """An OpenID 1.1 identity page (``openid.server`` / ``openid.delegate``):
    python3-openid then answers step 1 with a redirect instead of a form.
    The flow id rides in that redirect's ``return_to``; Alice logs in, and
    Bob's own answer delivered to her pending login is refused."""
    from urllib.parse import parse_qs, urlsplit

    from flask import Flask

    from authomatic_extras.testing import LocalAppServer

    pages = Flask('openid1-identity-pages')

    @pages.route('/<username>')
    def identity(username):
        return ('<html><head><link rel="openid.server" href="{0}">'
                '<link rel="openid.delegate" href="{1}"></head></html>').format(
                    local_openid_server.endpoint_url, local_openid_server.identifier(username))

    def consent_by_redirect(client, path, username):
        import requests
        first = client.get(path)
        with requests.Session() as http:
            page = http.get(first.headers['Location'], timeout=10)  # via a 303 to consent
            back = http.post(page.url, data={'username': username, 'decision': 'allow'},
                             allow_redirects=False, timeout=10)
        assert 'Location' in back.headers, (back.status_code, back.text[:500])
        parts = urlsplit(back.headers['Location'])
        return parts.path + '?' + parts.query

    app = make_app(providers_config)
    with LocalAppServer(pages, host='127.0.0.1') as served:
        def start(username):
            return '/login/openid?id=' + quote(served.url + '/' + username, '')

        victim = app.test_client()
        first = victim.get(start('alice'))
        assert first.status_code == 302, first.data[:300]
        return_to = parse_qs(urlsplit(first.headers['Location']).query)['openid.return_to'][0]
        assert 'authomatic_flow=' in return_to
        pending = consent_by_redirect(victim, start('alice'), 'alice')
        attackers = consent_by_redirect(app.test_client(), start('bob'), 'bob')
        assert_clean_failure(victim.get(attackers))
        own = victim.get(pending)
    assert own.status_code == 200, own.get_json()
    assert _user(own) == 'alice@example.org'


def test_the_openid_flow_id_stays_out_of_the_logs(make_app, providers_config,
                                                  local_openid_server, caplog):
    """The flow id is as secret as an OAuth 2.0 ``state``: whatever the core
    and python3-openid log during a whole login, at every level, never shows
    it."""
    import logging
    from urllib.parse import parse_qs, urlsplit

    caplog.set_level(logging.DEBUG)
    app = make_app(providers_config)
    client = app.test_client()
    answer = stop_before_callback(client, start_path('openid', local_openid_server))
    flow_id = parse_qs(urlsplit(answer).query)['authomatic_flow'][0]
    assert client.get(answer).status_code == 200
    logged = '\n'.join(record.getMessage() for record in caplog.records)
    assert 'openid' in logged.lower()
    assert flow_id not in logged
