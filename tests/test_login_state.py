"""LoginState: signed, timestamped, JSON login state inside a plain mapping,
with several logins per provider in flight at once."""
import base64
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authomatic_extras.login_state import LoginState, LoginStateExpired, LoginStateInvalid


def _state(store, secret='s3cret', max_age=600, key='local', params=(), echoes=None, **kw):
    return LoginState(store, 'authomatic', key, secret, max_age, params=params,
                      echoes=echoes, **kw)


def _csrf_state(csrf):
    """What the OAuth 2.0 core sends as ``state``: base64 JSON with the CSRF token."""
    return base64.urlsafe_b64encode(json.dumps({'csrf': csrf}).encode()).decode()


def _start(store, csrf, **kw):
    state = _state(store, **kw)
    state['authomatic:local:csrf'] = csrf
    state.save()
    return state


def test_saved_state_reads_back_in_the_callback():
    store = {}
    _start(store, 'csrf-token-0123456789')
    callback = _state(store, params=[_csrf_state('csrf-token-0123456789'), 'code'])
    assert callback.get('authomatic:local:csrf') == 'csrf-token-0123456789'
    assert callback['authomatic:local:csrf'] == 'csrf-token-0123456789'
    assert callback.problem is None


def test_state_is_json_with_a_timestamp_and_signature_never_a_pickle():
    store = {}
    _start(store, 'csrf-token-0123456789')
    [token] = store['authomatic']['local']
    payload, timestamp, signature = token.rsplit('.', 2)
    assert json.loads(payload) == {'d': {'authomatic:local:csrf': 'csrf-token-0123456789'},
                                   'e': []}
    assert timestamp and signature
    forged = json.dumps({'d': {'authomatic:local:csrf': 'attacker-chosen-value0'}, 'e': []})
    store['authomatic']['local'] = ['.'.join([forged, timestamp, signature])]
    callback = _state(store, params=[_csrf_state('attacker-chosen-value0')])
    assert callback.get('authomatic:local:csrf') is None
    assert isinstance(callback.problem, LoginStateInvalid)


def test_redirect_values_are_kept_only_when_the_state_does_not_show_in_them():
    store = {}
    oauth2 = _state(store, echoes=lambda: [_csrf_state('csrf-token-0123456789'), 'local-client'])
    oauth2['authomatic:local:csrf'] = 'csrf-token-0123456789'
    oauth2.save()
    oauth1 = _state(store, key='one', echoes=lambda: ['request-token-0123456789'])
    oauth1['authomatic:one:token_secret'] = 'secret-0123456789abcdef'
    oauth1.save()
    payloads = [json.loads(t.rsplit('.', 2)[0]) for slot in store['authomatic'].values()
                for t in slot]
    assert [p['e'] for p in payloads] == [[], ['request-token-0123456789']]


def test_redirect_values_are_read_only_until_one_shows_the_state():
    """With ``state`` first (OAuth 2.0) the other values of the redirect are
    never parsed; without it (OAuth 1.0a) all of them are kept."""
    store = {}
    read = []

    def values(*items):
        for item in items:
            read.append(item)
            yield item

    oauth2 = _state(store, echoes=lambda: values(_csrf_state('csrf-token-0123456789'),
                                                 'http://localhost/login/local-redirect'))
    oauth2['authomatic:local:csrf'] = 'csrf-token-0123456789'
    oauth2.save()
    assert read == [_csrf_state('csrf-token-0123456789')]
    oauth1 = _state(store, key='one', echoes=lambda: values('request-token-0123456789', 'x',
                                                            'http://localhost/callback-one'))
    oauth1['authomatic:one:token_secret'] = 'secret-0123456789abcdef'
    oauth1.save()
    [token] = store['authomatic']['one']
    assert json.loads(token.rsplit('.', 2)[0])['e'] == [
        'request-token-0123456789', 'http://localhost/callback-one']


def test_flask_redirect_values_yield_state_first():
    from werkzeug.wrappers import Response

    from authomatic_extras.flask import _redirect_values
    response = Response(status=302, headers={
        'Location': 'http://p/authorize?client_id=c&state=abc%2Bd&scope=a+b'})
    assert list(_redirect_values(response)) == ['abc+d', 'c', 'a b']
    assert list(_redirect_values(Response())) == []


def test_two_logins_in_flight_each_callback_finds_its_own_flow():
    store = {}
    _start(store, 'first-tab-csrf-000000')
    _start(store, 'second-tab-csrf-11111')
    assert len(store['authomatic']['local']) == 2
    first = _state(store, params=[_csrf_state('first-tab-csrf-000000')])
    assert first.get('authomatic:local:csrf') == 'first-tab-csrf-000000'
    first.clear()
    second = _state(store, params=[_csrf_state('second-tab-csrf-11111')])
    assert second.get('authomatic:local:csrf') == 'second-tab-csrf-11111'
    second.clear()
    assert 'authomatic' not in store


def test_a_flow_is_recognised_by_the_values_of_its_redirect():
    store = {}
    for token in ('request-token-aaaaaaaa', 'request-token-bbbbbbbb'):
        state = _state(store, echoes=lambda token=token: [token, 'short'])
        state['authomatic:local:token_secret'] = 'secret-of-' + token
        state.save()
    callback = _state(store, params=['request-token-aaaaaaaa', 'verifier'])
    assert callback.get('authomatic:local:token_secret') == 'secret-of-request-token-aaaaaaaa'


def test_shared_values_do_not_decide_which_flow_continues():
    store = {}
    for csrf in ('first-tab-csrf-000000', 'second-tab-csrf-11111'):
        state = _state(store, echoes=lambda: ['openid profile email scope'])
        state['authomatic:local:csrf'] = csrf
        state.save()
    callback = _state(store, params=['openid profile email scope',
                                     _csrf_state('first-tab-csrf-000000')])
    assert callback.get('authomatic:local:csrf') == 'first-tab-csrf-000000'


def test_flows_per_provider_are_bounded_oldest_dropped():
    store = {}
    for i in range(5):
        _start(store, 'csrf-number-{0}-0123456789'.format(i), max_flows=3)
    assert len(store['authomatic']['local']) == 3
    oldest = _state(store, params=[_csrf_state('csrf-number-0-0123456789')])
    assert oldest.get('authomatic:local:csrf') != 'csrf-number-0-0123456789'
    newest = _state(store, params=[_csrf_state('csrf-number-4-0123456789')])
    assert newest.get('authomatic:local:csrf') == 'csrf-number-4-0123456789'


def test_providers_have_their_own_slots():
    store = {}
    for key in ('one', 'two'):
        state = _state(store, key=key)
        state['x'] = 'value-of-{0}-0123456789'.format(key)
        state.save()
    _state(store, key='one', params=['value-of-one-0123456789']).clear()
    assert list(store['authomatic']) == ['two']


def test_state_signed_with_another_secret_reads_empty_and_reports_invalid():
    store = {}
    _start(store, 'csrf-token-0123456789', secret='one')
    other = _state(store, secret='two', params=[_csrf_state('csrf-token-0123456789')])
    assert other.get('authomatic:local:csrf') is None
    assert isinstance(other.problem, LoginStateInvalid)
    assert 'Start the login again' in str(other.problem)


@pytest.mark.parametrize('mangle', [
    lambda t: t[:-3],
    lambda t: t[:10],
    lambda t: 'x' + t,
    lambda t: t.replace('.', '!'),
    lambda t: '',
])
def test_tampered_or_truncated_state_is_invalid_never_an_exception(mangle):
    store = {}
    _start(store, 'csrf-token-0123456789')
    store['authomatic']['local'] = [mangle(store['authomatic']['local'][0])]
    again = _state(store, params=[_csrf_state('csrf-token-0123456789')])
    assert again.get('authomatic:local:csrf') is None
    assert isinstance(again.problem, LoginStateInvalid)


@pytest.mark.parametrize('garbage', ['not a dict', {'local': 42}, {'local': [1, None]}])
def test_garbage_in_the_namespace_is_ignored(garbage):
    store = {'authomatic': garbage}
    assert _state(store).get('k') is None
    _start(store, 'csrf-token-0123456789')
    callback = _state(store, params=[_csrf_state('csrf-token-0123456789')])
    assert callback.get('authomatic:local:csrf') == 'csrf-token-0123456789'


def test_state_older_than_max_age_reads_empty_and_reports_expired(monkeypatch):
    store = {}
    _start(store, 'csrf-token-0123456789', max_age=5)
    real_time = time.time
    monkeypatch.setattr(time, 'time', lambda: real_time() + 30)
    later = _state(store, max_age=5, params=[_csrf_state('csrf-token-0123456789')])
    assert later.get('authomatic:local:csrf') is None
    assert isinstance(later.problem, LoginStateExpired)
    assert 'session_max_age (5 s)' in str(later.problem)


def test_a_new_login_after_expiry_starts_fresh(monkeypatch):
    store = {}
    _start(store, 'old-csrf-token-0123456', max_age=5)
    real_time = time.time
    monkeypatch.setattr(time, 'time', lambda: real_time() + 30)
    _start(store, 'new-csrf-token-0123456', max_age=5)
    callback = _state(store, max_age=5, params=[_csrf_state('new-csrf-token-0123456')])
    assert callback.get('authomatic:local:csrf') == 'new-csrf-token-0123456'
    assert callback.problem is None


def test_oversized_request_values_are_not_searched():
    store = {}
    _start(store, 'csrf-token-0123456789')
    huge = 'x' * 100000 + 'csrf-token-0123456789'
    callback = _state(store, params=[huge])
    # Not scanned: the request belongs to no flow and reads nothing.
    assert callback.get('authomatic:local:csrf') is None
    assert not callback.continued


# -- bound flows, unmatched requests, size -------------------------------------


def _bound(store, flow_id=None, **kw):
    return _state(store, key='openid', bind=True, flow_id=flow_id, **kw)


def test_a_bound_flow_is_found_by_its_id_alone():
    store = {}
    first = _bound(store)
    first['endpoint'] = 'http://op.example/id/alice-0123456789'
    first.save()
    second = _bound(store)
    second['endpoint'] = 'http://op.example/id/alice-0123456789'
    second.save()
    assert first.flow_id != second.flow_id and len(first.flow_id) >= 16
    # The shared identifier in the request does not pick a flow ...
    by_marks = _bound(store, params=['http://op.example/id/alice-0123456789'])
    assert by_marks.get('endpoint') is None and not by_marks.continued
    # ... the id does.
    callback = _bound(store, flow_id=first.flow_id)
    assert callback.continued and callback.get('endpoint')
    callback.clear()
    assert len(store['authomatic']['openid']) == 1
    for forged in ('', 'x', first.flow_id, second.flow_id[:-1] + '!', '"k":"x'):
        assert not _bound(store, flow_id=forged).continued


def test_a_request_that_matches_no_flow_changes_no_flow():
    store = {}
    _start(store, 'csrf-token-0123456789')
    before = [list(v) for v in store['authomatic'].values()]
    stranger = _state(store, params=[_csrf_state('someone-elses-csrf-00')])
    assert stranger.get('authomatic:local:csrf') is None
    assert not stranger.continued and stranger.pending == 1
    stranger.clear()
    assert [list(v) for v in store['authomatic'].values()] == before


def test_a_new_flow_with_nothing_to_keep_is_not_written():
    store = {}
    _state(store).save()
    assert store == {}


def test_login_state_of_a_session_is_bounded_oldest_dropped_first():
    store = {}
    for i in range(12):
        state = _state(store, key='p{0}'.format(i % 4), max_bytes=1000)
        state['v'] = 'value-{0:02d}-'.format(i) + 'x' * 150
        state.save()
    tokens = [t for slot in store['authomatic'].values() for t in slot]
    assert sum(map(len, tokens)) <= 1000
    newest = _state(store, key='p3', params=['value-11-' + 'x' * 150], max_bytes=1000)
    assert newest.get('v', '').startswith('value-11-')
    oldest = _state(store, key='p0', params=['value-00-' + 'x' * 150], max_bytes=1000)
    assert oldest.get('v') is None


def test_a_flow_larger_than_the_bound_is_refused_and_writes_nothing():
    from authomatic_extras.login_state import LoginStateTooLarge

    store = {}
    _start(store, 'csrf-token-0123456789')
    before = dict(store['authomatic'])
    huge = _state(store, key='openid', max_bytes=500)
    huge['x'] = 'y' * 600
    with pytest.raises(LoginStateTooLarge, match='one session may hold'):
        huge.save()
    assert store['authomatic'] == before


def test_expired_flows_of_every_provider_go_on_the_next_write(monkeypatch):
    store = {}
    _start(store, 'old-csrf-token-0123456', key='one', max_age=5)
    real_time = time.time
    monkeypatch.setattr(time, 'time', lambda: real_time() + 30)
    _start(store, 'new-csrf-token-0123456', key='two', max_age=5)
    assert list(store['authomatic']) == ['two']


@pytest.mark.parametrize('depth', [40, 400, 5000])
def test_deeply_nested_state_is_invalid(depth):
    from authomatic_extras.login_state import make_token

    class Raw:
        def dumps(self, value):
            return '{"d":{"c":"csrf-token-0123456789","x":%s},"e":[]}' % (
                '[' * depth + ']' * depth)

    store = {'authomatic': {'local': [make_token('s3cret', {}, serializer=Raw())]}}
    callback = _state(store, params=['csrf-token-0123456789'], max_bytes=20000)
    assert callback.get('c') is None
    assert isinstance(callback.problem, LoginStateInvalid)


@pytest.mark.parametrize('junk', ['a.b.c', 'a..c', 'x.' + 'A' * 12 + '.y', 'x.////.y',
                                  'x.' + 'A' * 11 + '.y', 'no-dots', '', '.' * 5])
def test_junk_tokens_are_dropped_on_write_never_an_exception(junk):
    store = {'authomatic': {'local': [junk], 'other': [junk, 5]}}
    _start(store, 'csrf-token-0123456789')
    assert store['authomatic'] == {'local': store['authomatic']['local']}
    assert len(store['authomatic']['local']) == 1


_junk = st.one_of(st.text(max_size=80), st.integers(), st.none(),
                  st.builds(lambda a, b, c: '.'.join([a, b, c]),
                            st.text(max_size=40), st.text(max_size=14), st.text(max_size=30)))


@settings(max_examples=200, deadline=None)
@given(namespace=st.one_of(_junk, st.dictionaries(st.text(max_size=8),
                                                  st.one_of(_junk, st.lists(_junk, max_size=6)),
                                                  max_size=4)),
       bind=st.booleans(), flow_id=st.one_of(st.none(), st.text(max_size=30)))
def test_any_stored_junk_reads_empty_and_writes_cleanly(namespace, bind, flow_id):
    """Whatever a forged session holds under the namespace: reading, a
    callback's clear and a new flow's save never raise."""
    store = {'authomatic': namespace}
    callback = _state(store, bind=bind, flow_id=flow_id, params=['x' * 20])
    callback.get('k')
    callback.clear()
    start = _state(store, bind=bind)
    start['k'] = 'value-0123456789abcdef'
    start.save()
    assert start.continued is False
    assert _state(store, bind=bind, flow_id=start.flow_id,
                  params=['value-0123456789abcdef']).get('k') == 'value-0123456789abcdef'
