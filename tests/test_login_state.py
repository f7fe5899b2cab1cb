"""LoginState: signed, timestamped, JSON login state inside a plain mapping."""
import time

import pytest

from authomatic_extras.login_state import LoginState, LoginStateExpired, LoginStateInvalid


def _state(store, secret='s3cret', max_age=600, key='local'):
    return LoginState(store, 'authomatic', key, secret, max_age)


def test_saved_state_reads_back_in_the_next_request():
    store = {}
    first = _state(store)
    first['authomatic:local:csrf'] = 'token-1'
    first.save()
    assert list(store) == ['authomatic'] and list(store['authomatic']) == ['local']
    second = _state(store)
    assert second.get('authomatic:local:csrf') == 'token-1'
    assert second['authomatic:local:csrf'] == 'token-1'
    assert second.problem is None


def test_state_is_not_readable_plaintext_json_of_a_pickle():
    store = {}
    state = _state(store)
    state['k'] = 'v'
    state.save()
    token = store['authomatic']['local']
    assert isinstance(token, str) and '.' in token  # itsdangerous payload.timestamp.signature


def test_each_provider_has_its_own_slot_and_clear_removes_only_it():
    store = {}
    for key in ('one', 'two'):
        state = _state(store, key=key)
        state['x'] = key
        state.save()
    _state(store, key='one').clear()
    assert list(store['authomatic']) == ['two']
    _state(store, key='two').clear()
    assert 'authomatic' not in store


def test_state_signed_with_another_secret_reads_empty_and_reports_invalid():
    store = {}
    state = _state(store, secret='one')
    state['k'] = 'v'
    state.save()
    other = _state(store, secret='two')
    assert other.get('k') is None
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
    state = _state(store)
    state['k'] = 'v'
    state.save()
    store['authomatic']['local'] = mangle(store['authomatic']['local'])
    again = _state(store)
    assert again.get('k') is None
    if store['authomatic']['local']:
        assert isinstance(again.problem, LoginStateInvalid)


def test_garbage_in_the_namespace_is_ignored():
    store = {'authomatic': 'not a dict'}
    state = _state(store)
    assert state.get('k') is None
    state['k'] = 'v'
    state.save()
    assert _state(store).get('k') == 'v'


def test_state_older_than_max_age_reads_empty_and_reports_expired(monkeypatch):
    store = {}
    state = _state(store, max_age=5)
    state['k'] = 'v'
    state.save()
    real_time = time.time
    monkeypatch.setattr(time, 'time', lambda: real_time() + 30)
    later = _state(store, max_age=5)
    assert later.get('k') is None
    assert isinstance(later.problem, LoginStateExpired)
    assert 'session_max_age (5 s)' in str(later.problem)


def test_writing_fresh_state_over_expired_state_starts_a_new_login(monkeypatch):
    store = {}
    state = _state(store, max_age=5)
    state['k'] = 'old'
    state.save()
    real_time = time.time
    monkeypatch.setattr(time, 'time', lambda: real_time() + 30)
    restart = _state(store, max_age=5)
    restart['k'] = 'new'
    restart.save()
    assert _state(store, max_age=5).get('k') == 'new'
