"""fetch_timeout bounds how long a login waits for a provider that hangs."""
import socket
import threading
import time

import pytest

from authomatic_extras.fetch_timeout import current_fetch_timeout, fetch_timeout
from authomatic_extras.testing import login_with_test_client


def test_slow_token_endpoint_ends_in_a_fetch_error_within_the_timeout(
        make_app, providers_config, local_oauth2_server):
    local_oauth2_server.fault('token', 'slow', seconds=8)
    app = make_app(providers_config, fetch_timeout=1)
    started = time.monotonic()
    trip = login_with_test_client(app.test_client(), '/login/oauth2')
    elapsed = time.monotonic() - started
    body = trip.response.get_json()
    assert trip.response.status_code == 401
    assert body['error_type'] == 'FetchError'
    assert 'fetch_timeout (1 s)' in body['error']
    assert elapsed < 6


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:{0}'.format(listener.getsockname()[1])
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_provider_that_never_answers_is_given_up(make_app, local_oauth2_server, silent_server,
                                                    callback_for):
    config = {'local': local_oauth2_server.config_entry(id=1)}
    app = make_app(config, fetch_timeout=1)
    client = app.test_client()
    callback = callback_for(client, '/login/local')
    # The token endpoint now points at a server that never answers.
    config['local']['provider_url'] = silent_server
    started = time.monotonic()
    response = client.get(callback)
    assert time.monotonic() - started < 5
    assert response.status_code == 401
    assert response.get_json()['error_type'] == 'FetchError'


def test_the_timeout_is_per_context_and_restored():
    assert current_fetch_timeout() is None
    with fetch_timeout(3):
        assert current_fetch_timeout() == 3
        seen = []
        other = threading.Thread(target=lambda: seen.append(current_fetch_timeout()))
        other.start()
        other.join()
        assert seen == [None]
    assert current_fetch_timeout() is None


def test_non_positive_timeouts_are_refused():
    with pytest.raises(ValueError, match='positive'):
        with fetch_timeout(0):
            pass
