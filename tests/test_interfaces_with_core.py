"""The Authomatic core accepts any conforming BaseSession and BaseConfig:
each carries a complete login against the real local OAuth 2.0 and OpenID
providers, with a plain Werkzeug app and no framework extension."""
import json
import secrets
from urllib.parse import quote

from authomatic import Authomatic
from authomatic.adapters import WerkzeugAdapter
from werkzeug.wrappers import Request, Response

from authomatic_extras.interfaces import BaseConfig, BaseSession
from authomatic_extras.testing import login_with_test_client
from werkzeug.test import Client


class ServerSideSession(BaseSession):
    """Session data kept in a server-side dict; the cookie holds only an id."""

    STORE = {}

    def __init__(self, request, response, cookie='sid'):
        self.response = response
        self.cookie = cookie
        self.sid = request.cookies.get(cookie) or secrets.token_urlsafe(16)
        self.data = dict(self.STORE.get(self.sid, {}))
        self.saves = 0

    def save(self):
        self.saves += 1
        self.STORE[self.sid] = dict(self.data)
        self.response.set_cookie(self.cookie, self.sid, httponly=True)

    def __setitem__(self, key, value):
        self.data[key] = value

    def __getitem__(self, key):
        return self.data[key]

    def __delitem__(self, key):
        del self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)


class ReadOnlyConfig(BaseConfig):
    """A config that is not a dict: it answers only get() and values()."""

    def __init__(self, entries):
        self._entries = dict(entries)
        self.lookups = 0

    def get(self, key, default=None):
        self.lookups += 1
        return self._entries.get(key, default)

    def values(self):
        return list(self._entries.values())


def _app(config):
    authomatic = Authomatic(config, 'interface-test-secret')
    sessions = []

    @Request.application
    def app(request):
        response = Response()
        name = request.path.rsplit('/', 1)[-1]
        session = ServerSideSession(request, response)
        sessions.append(session)
        result = authomatic.login(WerkzeugAdapter(request, response), name,
                                  session=session, session_saver=session.save)
        if result:
            user = result.user
            response.data = json.dumps({
                'error': str(result.error) if result.error else None,
                'user': user and {'id': user.id, 'name': user.name, 'email': user.email}})
        return response

    return app, sessions


def test_base_session_and_base_config_carry_an_oauth2_login(local_oauth2_server):
    config = ReadOnlyConfig({'local': local_oauth2_server.config_entry(id=1)})
    assert not isinstance(config, dict)
    app, sessions = _app(config)
    trip = login_with_test_client(Client(app), '/login/local', username='bob')
    body = json.loads(trip.response.get_data(as_text=True))
    assert body == {'error': None, 'user': {
        'id': 'id-bob', 'name': 'Bob Marley', 'email': 'bob@example.org'}}
    assert sessions[0].saves == 1  # step 1 saved the state through our save()
    assert any(k.endswith(':csrf') for k in ServerSideSession.STORE[sessions[0].sid])
    assert config.lookups > 0


def test_base_session_carries_an_openid_login_with_objects(local_openid_server):
    config = ReadOnlyConfig({'openid': local_openid_server.config_entry(id=3)})
    app, sessions = _app(config)
    path = '/login/openid?id=' + quote(local_openid_server.identifier('alice'), '')
    trip = login_with_test_client(Client(app), path, username='alice')
    body = json.loads(trip.response.get_data(as_text=True))
    assert body['error'] is None
    assert body['user']['email'] == 'alice@example.org'
