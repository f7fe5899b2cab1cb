"""LocalOpenIDServer carries real OpenID 2.0 logins through the core's OpenID class."""
from urllib.parse import quote

import pytest
import requests
from werkzeug.test import Client

from authomatic_extras.testing import (LocalAppServer, login_with_requests, login_with_test_client)
from authomatic_extras.testing.apps import make_login_app


@pytest.fixture
def provider(local_openid_server):
    """The plugin's server: users reset and faults cleared around each test."""
    return local_openid_server


def path_for(identifier):
    return '/login/oi?id=' + quote(identifier, '')


def test_claimed_identifier_login_with_test_client(provider):
    app = make_login_app({'oi': provider.config_entry()})
    trip = login_with_test_client(Client(app), path_for(provider.identifier('bob')),
                                  username='bob')
    result = trip.json()
    assert result['error'] is None
    assert result['user']['id'] == provider.identifier('bob')
    assert result['user']['name'] == 'Bob Marley'
    assert result['user']['email'] == 'bob@example.org'
    # The core's auto-submit POST form, then the consent page, then back.
    assert trip.hops[0].form and trip.hops[1].method == 'POST'
    assert trip.hops[1].url == provider.endpoint_url
    assert len(trip.consent_hops) == 1
    assert trip.hops[-1].url.startswith('http://localhost/login/oi?')


def test_identifier_select_login_with_requests(provider):
    app = make_login_app({'oi': provider.config_entry()})
    with LocalAppServer(app, host='localhost') as served:
        trip = login_with_requests(served.url + path_for(provider.identifier()),
                                   username='alice')
    result = trip.json()
    assert result['user']['id'] == provider.identifier('alice')
    assert result['user']['name'] == 'Alice Liddell'
    assert result['user']['email'] == 'alice@example.org'


def test_deny_gives_cancellation_error(provider):
    app = make_login_app({'oi': provider.config_entry()})
    trip = login_with_test_client(Client(app), path_for(provider.identifier('alice')),
                                  decision='deny')
    result = trip.json()
    assert result['user'] is None
    assert result['error_type'] == 'CancellationError'


def test_claimed_identifier_cannot_be_answered_for_another_user(provider):
    app = make_login_app({'oi': provider.config_entry()})
    trip = login_with_test_client(Client(app), path_for(provider.identifier('alice')),
                                  username='bob')
    assert trip.response.status_code == 400
    assert 'This request is for alice' in trip.response.text


def test_identity_page_advertises_the_endpoint(provider):
    page = requests.get(provider.identifier('alice'), timeout=10)
    assert '<link rel="openid2.provider" href="{0}">'.format(provider.endpoint_url) in page.text
    assert requests.get(provider.identifier('nobody'), timeout=10).status_code == 404
    xrds = requests.get(provider.identifier(), headers={'Accept': 'application/xrds+xml'},
                        timeout=10)
    assert 'http://specs.openid.net/auth/2.0/server' in xrds.text


@pytest.mark.parametrize('endpoint, kind', [
    ('discovery', '500'), ('discovery', 'html'), ('authorize', '500'), ('direct', '500'),
    ('direct', 'garbage'),
])
def test_faults(provider, endpoint, kind):
    provider.fault(endpoint, kind)
    app = make_login_app({'oi': provider.config_entry()})
    trip = login_with_test_client(Client(app), path_for(provider.identifier('alice')))
    if endpoint == 'authorize':
        # The user sees the provider's error page; the app never hears back.
        assert trip.response.status_code == 500
        assert trip.hops[-1].url == provider.endpoint_url
    else:
        result = trip.json()
        assert result['user'] is None
        assert result['error']
