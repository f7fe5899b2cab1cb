"""Overlapping requests never see each other's login result.

Upstream keeps ``result`` and ``response`` on the shared extension object;
here 50 callbacks are held in flight together (a barrier inside the view)
against a real threaded server, and each must still read its own result.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

from authomatic_extras.testing import LocalAppServer, login_with_requests

IN_FLIGHT = 50


def test_fifty_logins_in_flight_each_see_only_their_own_result(make_app, local_oauth2_server):
    usernames = ['user{0:02d}'.format(i) for i in range(IN_FLIGHT)]
    for name in usernames:
        local_oauth2_server.add_user(name, name='Name ' + name, email=name + '@example.org')
    barrier = threading.Barrier(IN_FLIGHT, timeout=60)
    app = make_app({'local': local_oauth2_server.config_entry(id=1)},
                   view_hook=lambda result: barrier.wait())

    with LocalAppServer(app, host='localhost') as served:
        def log_in(name):
            trip = login_with_requests(served.url + '/login/local', username=name, timeout=90)
            return name, trip.response.status_code, trip.response.json()

        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            outcomes = list(pool.map(log_in, usernames))

    assert not barrier.broken
    assert len(outcomes) == IN_FLIGHT
    for name, status, body in outcomes:
        assert status == 200, body
        user = {k: body['user'][k] for k in ('id', 'name', 'email')}
        assert user == {'id': 'id-' + name, 'name': 'Name ' + name,
                        'email': name + '@example.org'}
