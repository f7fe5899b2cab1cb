"""A failed login is logged once: one WARNING line without a traceback for
what the user's side causes (a denial, a reloaded or replayed callback, an
expired login link), ERROR with the traceback for real faults (the provider
broken or unreachable). Real logins against the local providers."""
import logging
import time

import pytest

from authomatic_extras.testing import LocalOAuth2Server, login_with_test_client

LOGGER = 'authomatic_extras.tests.failure_logging'


@pytest.fixture
def records():
    """Every record of the extension's logger, at every level."""
    captured = []

    class Collect(logging.Handler):
        def emit(self, record):
            captured.append(record)

    logger = logging.getLogger(LOGGER)
    handler = Collect(level=logging.DEBUG)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)


def _failures(records):
    return [r for r in records if r.levelno >= logging.WARNING]


def _app(make_app, config, **kwargs):
    return make_app(config, logger=logging.getLogger(LOGGER), **kwargs)


def _assert_one_warning(records, error_type):
    failures = _failures(records)
    assert len(failures) == 1, [r.getMessage() for r in failures]
    (record,) = failures
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and not record.exc_text
    assert error_type in record.getMessage()


def test_reloaded_callback_says_the_link_was_used(make_app, providers_config, callback_for,
                                                  records):
    client = _app(make_app, providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    assert client.get(callback).status_code == 200
    del records[:]
    again = client.get(callback)
    assert again.status_code == 401
    body = again.get_json()
    assert body['error_type'] == 'LoginStateMissing'
    assert 'already used' in body['error']
    _assert_one_warning(records, 'LoginStateMissing')


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_denial_is_one_warning_line(make_app, providers_config, records, provider):
    app = _app(make_app, providers_config)
    trip = login_with_test_client(app.test_client(), '/login/' + provider, decision='deny')
    assert trip.response.get_json()['error_type'] == 'CancellationError'
    _assert_one_warning(records, 'CancellationError')


def test_expired_login_state_is_one_warning_line(make_app, providers_config, callback_for,
                                                 records):
    client = _app(make_app, providers_config, session_max_age=1).test_client()
    callback = callback_for(client, '/login/oauth2')
    time.sleep(2.2)
    assert client.get(callback).get_json()['error_type'] == 'LoginStateExpired'
    _assert_one_warning(records, 'LoginStateExpired')


def test_provider_fault_keeps_its_traceback_at_error(make_app, providers_config,
                                                     local_oauth2_server, records):
    local_oauth2_server.fault('token', '500')
    app = _app(make_app, providers_config)
    trip = login_with_test_client(app.test_client(), '/login/oauth2')
    assert trip.response.status_code == 401
    failures = _failures(records)
    assert len(failures) == 1, [r.getMessage() for r in failures]
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None
    assert failures[0].exc_info[0].__name__ == 'FailureError'


def test_unreachable_provider_keeps_its_traceback(make_app, callback_for, records):
    server = LocalOAuth2Server().start()
    client = _app(make_app, {'gone': server.config_entry(id=1)}).test_client()
    callback = callback_for(client, '/login/gone')
    server.stop()
    assert client.get(callback).get_json()['error_type'] == 'FetchError'
    failures = _failures(records)
    assert [r.levelno for r in failures] == [logging.ERROR]
    assert failures[0].exc_info is not None


def test_the_core_logs_its_own_tracebacks_outside_the_extension(records):
    """The filter only acts inside the extension's login step: the same
    logger still carries other code's tracebacks."""
    from authomatic_extras.failure_log import DEFER_CORE_FAILURE_RECORDS

    logger = logging.getLogger(LOGGER)
    logger.addFilter(DEFER_CORE_FAILURE_RECORDS)
    try:
        raise ValueError('outside any login')
    except ValueError:
        logger.exception('boom')
    finally:
        logger.removeFilter(DEFER_CORE_FAILURE_RECORDS)
    assert [r.getMessage() for r in records] == ['boom']
    assert records[0].exc_info is not None
