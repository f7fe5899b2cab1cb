"""Complete logins through FlaskAuthomatic against real local providers,
driven by Flask's test client and by requests against a real threaded server."""
import pytest

from authomatic_extras.testing import LocalAppServer, login_with_requests, login_with_test_client


def _user_of(trip):
    response = trip.response
    body = response.get_json() if hasattr(response, 'get_json') else response.json()
    return body


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_login_with_the_test_client(make_app, providers_config, provider):
    app = make_app(providers_config)
    trip = login_with_test_client(app.test_client(), '/login/' + provider, username='bob')
    body = _user_of(trip)
    assert trip.response.status_code == 200, body
    assert body['user']['name'] == 'Bob Marley'
    assert body['user']['email'] == 'bob@example.org'
    assert body['user']['id']
    assert len(trip.consent_hops) == 1


@pytest.mark.parametrize('provider', ['oauth2', 'oauth1'])
def test_login_over_real_http(make_app, providers_config, provider):
    app = make_app(providers_config)
    with LocalAppServer(app, host='localhost') as served:
        trip = login_with_requests(served.url + '/login/' + provider, username='alice')
    body = _user_of(trip)
    assert trip.response.status_code == 200, body
    assert body['user']['name'] == 'Alice Liddell'
    assert body['user']['email'] == 'alice@example.org'


def test_oauth2_user_id_is_the_providers_subject(make_app, local_oauth2_server):
    local_oauth2_server.add_user('carol', name='Carol Danvers', email='carol@example.org',
                                 sub='sub-carol-42')
    app = make_app({'local': local_oauth2_server.config_entry(id=1)})
    trip = login_with_test_client(app.test_client(), '/login/local', username='carol')
    assert {k: _user_of(trip)['user'][k] for k in ('id', 'name', 'email')} == {
        'id': 'sub-carol-42', 'name': 'Carol Danvers', 'email': 'carol@example.org'}


def test_login_state_leaves_the_session_when_the_login_ends(make_app, providers_config,
                                                           callback_for):
    client = make_app(providers_config).test_client()
    callback = callback_for(client, '/login/oauth2')
    with client.session_transaction() as session:
        assert list(session['authomatic']) == ['oauth2']
        assert len(session['authomatic']['oauth2']) == 1
    assert client.get(callback).status_code == 200
    with client.session_transaction() as session:
        assert 'authomatic' not in session
