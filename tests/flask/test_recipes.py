"""The recipes in docs/flask.md run as tests: Flask-Login, saved credentials."""
import importlib.util
import re
import time
from pathlib import Path

import pytest

from authomatic_extras.testing import login_with_test_client

DOCS = Path(__file__).resolve().parents[2] / 'docs'


def _load(name):
    spec = importlib.util.spec_from_file_location(
        'recipe_' + name, DOCS / 'recipes' / (name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name', ['flask_login_recipe', 'saved_credentials',
                                  'fresh_credentials'])
def test_the_docs_show_the_recipe_verbatim(name):
    docs = (DOCS / 'flask.md').read_text(encoding='utf-8')
    source = (DOCS / 'recipes' / (name + '.py')).read_text(encoding='utf-8')
    blocks = re.findall(r'```python\n(.*?)```', docs, re.S)
    assert source in blocks


def test_flask_login_recipe(local_oauth2_server):
    recipe = _load('flask_login_recipe')
    app = recipe.create_app({
        'SECRET_KEY': 'recipe-secret-key',
        'AUTHOMATIC_CONFIG': {'local': local_oauth2_server.config_entry(id=1)},
    })
    client = app.test_client()
    assert client.get('/profile').status_code == 302  # login_required sends to /login
    trip = login_with_test_client(client, '/login/local', username='bob')
    assert trip.response.status_code == 200
    assert trip.response.data == b'Hello Bob Marley, bob@example.org (local:id-bob)'
    assert 'local:id-bob' in recipe.USERS
    client.get('/logout')
    assert client.get('/profile').status_code == 302


def test_saved_credentials_are_refreshed_when_expired(local_oauth2_server):
    recipe = _load('saved_credentials')
    flask_recipe = _load('flask_login_recipe')
    local_oauth2_server.expires_in = 1
    app = flask_recipe.create_app({
        'SECRET_KEY': 'recipe-secret-key',
        'AUTHOMATIC_CONFIG': {'local': local_oauth2_server.config_entry(id=1)},
    })
    saved = []
    from authomatic_extras import signals

    def on_success(sender, result, **extra):
        saved.append(recipe.save(result))

    signals.login_succeeded.connect(on_success, app)
    try:
        login_with_test_client(app.test_client(), '/login/local', username='alice')
    finally:
        signals.login_succeeded.disconnect(on_success, app)
    [serialized] = saved
    time.sleep(1.5)
    userinfo = local_oauth2_server.url + '/userinfo'
    with app.app_context():
        stale = flask_recipe.authomatic.credentials(serialized)
        assert not stale.valid
        # The core's own access() does not refresh: the token is dead.
        from authomatic import Authomatic
        plain = Authomatic(app.config['AUTHOMATIC_CONFIG'], 'recipe-secret')
        assert plain.access(stale, userinfo).status == 401
        response, fresh = recipe.call_api(flask_recipe.authomatic, serialized, userinfo)
    assert fresh != serialized
    assert response.status == 200
    assert response.data['email'] == 'alice@example.org'


def _fresh_credentials_app(server, tmp_path):
    recipe = _load('fresh_credentials')
    app = recipe.create_app({
        'SECRET_KEY': 'recipe-secret-key',
        'AUTHOMATIC_CONFIG': {'local': server.config_entry(id=1)},
        'DATABASE_URL': 'sqlite:///' + str(tmp_path / 'recipe.db'),
        'API_URL': server.url + '/userinfo',
    })
    return recipe, app, app.extensions['credentials_store']


def test_fresh_credentials_recipe_refreshes_and_stores(local_oauth2_server, tmp_path):
    recipe, app, store = _fresh_credentials_app(local_oauth2_server, tmp_path)
    client = app.test_client()
    assert client.get('/api').status_code == 302  # login_required
    local_oauth2_server.expires_in = 30           # tokens that live 30 s
    recipe.authomatic.refresh_margin = 0          # ... and count as fresh during the login
    try:
        trip = login_with_test_client(client, '/login/local', username='bob')
    finally:
        del recipe.authomatic.refresh_margin      # back to 60 s: now they need a refresh
    bob = {'sub': 'id-bob', 'name': 'Bob Marley', 'email': 'bob@example.org',
           'preferred_username': 'bob'}
    assert trip.response.json == {'status': 200, 'data': bob}   # the login ends at /api
    stored = store.load('local:id-bob')
    assert stored is not None and 'local:id-bob' in recipe.USERS
    local_oauth2_server.expire_tokens()           # the provider agrees: the token is dead
    local_oauth2_server.expires_in = 3600
    issued = local_oauth2_server.token_count

    answer = client.get('/api')
    assert answer.json == {'status': 200, 'data': bob}
    assert local_oauth2_server.token_count == issued + 1   # refreshed once
    refreshed = store.load('local:id-bob')
    assert refreshed != stored                              # the signal stored the new ones
    with app.app_context():
        fresh = recipe.authomatic.credentials(refreshed)
        assert fresh.valid and not fresh.expire_soon(60)

    assert client.get('/api').json['status'] == 200        # fresh: no second refresh
    assert local_oauth2_server.token_count == issued + 1
    assert store.load('local:id-bob') == refreshed


def test_fresh_credentials_recipe_logs_in_again_when_refresh_fails(local_oauth2_server,
                                                                   tmp_path):
    recipe, app, store = _fresh_credentials_app(local_oauth2_server, tmp_path)
    client = app.test_client()
    login_with_test_client(client, '/login/local', username='alice')
    local_oauth2_server.expire_tokens()
    with app.app_context():              # "an hour later": the stored ones expired
        credentials = recipe.authomatic.credentials(store.load('local:id-alice'))
        credentials.expiration_time = credentials.expiration_time - 3601
        store.save('local:id-alice', credentials)
    local_oauth2_server.fault('token', 'slow', seconds=1.5, times=1)
    recipe.authomatic.fetch_timeout = 0.3
    try:
        down = client.get('/api')          # provider too slow: try later, keep them
        assert down.status_code == 503
        assert store.load('local:id-alice') is not None
        local_oauth2_server.revoke_tokens()
        refused = client.get('/api')       # refresh refused: forget them, log in again
    finally:
        recipe.authomatic.fetch_timeout = 20
    assert refused.status_code == 302 and refused.headers['Location'].endswith('/login')
    assert store.load('local:id-alice') is None
