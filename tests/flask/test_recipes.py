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


@pytest.mark.parametrize('name', ['flask_login_recipe', 'saved_credentials'])
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
        assert flask_recipe.authomatic.access(stale, userinfo).status == 401
        response, fresh = recipe.call_api(flask_recipe.authomatic, serialized, userinfo)
    assert fresh != serialized
    assert response.status == 200
    assert response.data['email'] == 'alice@example.org'
