"""The credentials stores: one contract, run on every store and backend.

Backends: Flask's session (cookie), SQLAlchemy on SQLite (Engine, ORM
Session, scoped_session, a bind function, Flask-SQLAlchemy) and on a real
PostgreSQL started by conftest.py (Engine, ORM Session). The credentials are
real ones, from a login at the local OAuth 2.0 provider.
"""
import json
import threading

import pytest
import sqlalchemy as sa
from authomatic import Authomatic
from authomatic.core import Credentials
from authomatic.exceptions import ConfigError
from flask import Flask
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from werkzeug.test import Client

from authomatic_extras.credentials import (CredentialsStore, SessionCredentialsStore,
                                           SQLAlchemyCredentialsStore)
from authomatic_extras.testing import login_with_test_client, make_login_app


@pytest.fixture
def config(local_oauth2_server):
    return {'local': local_oauth2_server.config_entry(id=1)}


@pytest.fixture
def login(config):
    """``login(username)``: serialized credentials of a real login."""
    app = make_login_app(config)

    def log_in(username='alice'):
        trip = login_with_test_client(Client(app), '/login/local', username=username)
        serialized = trip.json()['credentials']
        assert serialized
        return serialized

    return log_in


# -- the stores under test ------------------------------------------------------

class Harness(object):
    """A store and the context its calls need (a request for the session store)."""

    def __init__(self, store, context=None, raw=None):
        self.store = store
        self._context = context
        #: ``raw(key)``: what the backend holds for ``key``, read around the store.
        self.raw = raw

    def __enter__(self):
        if self._context is not None:
            self._context.__enter__()
        return self.store

    def __exit__(self, *exc):
        if self._context is not None:
            self._context.__exit__(*exc)


def sql_raw(engine, table='authomatic_credentials'):
    def raw(key):
        with engine.connect() as connection:
            row = connection.execute(
                sa.text('SELECT credentials, updated_at FROM {0} WHERE key = :key'.format(table)),
                {'key': key}).first()
        return None if row is None else row[0]
    return raw


def _engine_store(engine, bind=None):
    store = SQLAlchemyCredentialsStore(bind or engine)
    store.create_table()
    return Harness(store, raw=sql_raw(engine))


def _session_store(request, engine):
    session = Session(engine)
    request.addfinalizer(session.close)   # ends its transaction before tables are dropped
    store = SQLAlchemyCredentialsStore(session)
    store.create_table()
    return Harness(store, raw=sql_raw(engine))


@pytest.fixture(params=['flask-session', 'sqlite-engine', 'sqlite-orm-session',
                        'sqlite-scoped-session', 'sqlite-bind-function', 'sqlite-no-upsert',
                        'flask-sqlalchemy', 'postgresql-engine', 'postgresql-orm-session',
                        'postgresql-no-upsert'])
def harness(request, tmp_path):
    kind = request.param
    if kind == 'flask-session':
        app = Flask(__name__)
        app.secret_key = 'store-test-key'
        context = app.test_request_context()
        return Harness(SessionCredentialsStore(), context=context)
    if kind == 'flask-sqlalchemy':
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///' + str(tmp_path / 'fsa.db')
        db = SQLAlchemy(app)
        store = SQLAlchemyCredentialsStore(db.session, metadata=db.metadata)
        with app.app_context():
            db.create_all()            # the store's table is in db.metadata
            engine = db.engine
        return Harness(store, context=app.app_context(), raw=sql_raw(engine))
    if kind.startswith('postgresql'):
        engine = request.getfixturevalue('postgres_engine')
    else:
        engine = sa.create_engine('sqlite:///' + str(tmp_path / 'store.db'))
        request.addfinalizer(engine.dispose)
    if kind.endswith('-engine'):
        return _engine_store(engine)
    if kind.endswith('-orm-session'):
        return _session_store(request, engine)
    if kind == 'sqlite-scoped-session':
        factory = scoped_session(sessionmaker(bind=engine))
        request.addfinalizer(factory.remove)
        store = SQLAlchemyCredentialsStore(factory)
        store.create_table()
        return Harness(store, raw=sql_raw(engine))
    if kind == 'sqlite-bind-function':
        return _engine_store(engine, bind=lambda: engine)
    assert kind.endswith('-no-upsert')  # the update-then-insert path of other databases
    harness = _engine_store(engine)
    harness.store.native_upsert = ()
    return harness


# -- the contract ---------------------------------------------------------------

def test_is_a_credentials_store(harness):
    assert isinstance(harness.store, CredentialsStore)


def test_unknown_key_loads_none(harness):
    with harness as store:
        assert store.load('nobody') is None


def test_save_then_load_gives_the_serialized_credentials(harness, login, config):
    serialized = login('alice')
    with harness as store:
        credentials = Authomatic(config, 'secret').credentials(serialized)
        assert isinstance(credentials, Credentials)
        store.save('user-1', credentials)
        loaded = store.load('user-1')
    assert loaded == serialized
    again = Authomatic(config, 'secret').credentials(loaded)
    assert again.token == credentials.token
    assert again.refresh_token == credentials.refresh_token
    assert again.provider_name == 'local'
    if harness.raw is not None:   # in the table: the text the core serialized, no pickle
        assert harness.raw('user-1') == serialized


def test_save_replaces_and_keys_are_separate(harness, login):
    alice, bob, alice_again = login('alice'), login('bob'), login('alice')
    assert alice != alice_again
    with harness as store:
        store.save('a', alice)
        store.save(42, bob)                  # an int key is filed as its text
        store.save('a', alice_again)
        assert store.load('a') == alice_again
        assert store.load('42') == store.load(42) == bob


def test_delete(harness, login):
    serialized = login('bob')
    with harness as store:
        store.save('u', serialized)
        store.save('v', serialized)
        store.delete('u')
        store.delete('u')                    # nothing there: no error
        store.delete('never-saved')
        assert store.load('u') is None
        assert store.load('v') == serialized


@pytest.mark.parametrize('key, error', [('', ValueError), ('x' * 256, ValueError),
                                        (None, TypeError), (b'bytes', TypeError),
                                        (True, TypeError), (1.5, TypeError)])
def test_bad_keys_are_refused(harness, key, error):
    with harness as store:
        with pytest.raises(error, match='key'):
            store.save(key, 'serialized')
        with pytest.raises(error, match='key'):
            store.load(key)
        with pytest.raises(error, match='key'):
            store.delete(key)


def test_longest_key_fits(harness, login):
    serialized = login('alice')
    key = 'k' * 255
    with harness as store:
        store.save(key, serialized)
        assert store.load(key) == serialized


@pytest.mark.parametrize('value', [None, '', b'bytes', {'token': 'x'}])
def test_only_credentials_or_their_string_are_stored(harness, value):
    with harness as store:
        with pytest.raises(TypeError, match='Credentials'):
            store.save('u', value)
        assert store.load('u') is None


def test_credentials_of_an_entry_without_id_cannot_be_stored(harness, login, config):
    serialized = login('alice')
    credentials = Authomatic(config, 'secret').credentials(serialized)
    credentials.provider_id = None          # as from a config entry with no "id"
    with harness as store:
        with pytest.raises(ConfigError, match='"id"'):
            store.save('u', credentials)


# -- backend specifics ----------------------------------------------------------

def test_the_session_store_keeps_json_in_the_cookie_across_requests(login):
    serialized = login('alice')
    app = Flask(__name__)
    app.secret_key = 'store-test-key'
    store = SessionCredentialsStore()

    @app.route('/save')
    def save():
        store.save('alice', serialized)
        return 'saved'

    @app.route('/load')
    def load():
        return store.load('alice') or 'none'

    @app.route('/delete')
    def delete():
        store.delete('alice')
        return 'deleted'

    client = app.test_client()
    assert client.get('/load').get_data(as_text=True) == 'none'
    client.get('/save')
    assert client.get('/load').get_data(as_text=True) == serialized
    cookie = client.get_cookie('session')
    from flask.sessions import SecureCookieSessionInterface
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer.loads(cookie.value) == {'authomatic_credentials': {'alice': serialized}}
    json.dumps(signer.loads(cookie.value))   # plain JSON, nothing pickled
    client.get('/delete')
    assert client.get('/load').get_data(as_text=True) == 'none'
    assert client.get_cookie('session') is None  # the emptied session is dropped


def test_the_session_store_takes_a_custom_session_mapping(login):
    serialized = login('bob')
    holder = {}
    store = SessionCredentialsStore(session_key='creds', session=holder)
    store.save('bob', serialized)
    assert holder == {'creds': {'bob': serialized}}
    assert store.load('bob') == serialized
    holder['creds']['intruder'] = 12345      # not a string: ignored, not returned
    assert store.load('intruder') is None


def test_the_table_joins_a_given_metadata_and_is_reused(tmp_path):
    metadata = sa.MetaData()
    engine = sa.create_engine('sqlite:///' + str(tmp_path / 'm.db'))
    first = SQLAlchemyCredentialsStore(engine, metadata=metadata, table_name='creds')
    second = SQLAlchemyCredentialsStore(engine, metadata=metadata, table_name='creds')
    assert first.table is second.table is metadata.tables['creds']
    metadata.create_all(engine)
    assert sa.inspect(engine).get_table_names() == ['creds']
    columns = {c['name']: c for c in sa.inspect(engine).get_columns('creds')}
    assert set(columns) == {'key', 'credentials', 'updated_at'}
    assert columns['key']['primary_key'] == 1
    first.save('k', 'serialized-text')
    assert second.load('k') == 'serialized-text'
    engine.dispose()


def test_a_bad_bind_is_a_clear_type_error():
    with pytest.raises(TypeError, match='Engine, a Session or a function'):
        SQLAlchemyCredentialsStore('sqlite://').load('k')
    with pytest.raises(TypeError, match='must return an Engine or a Session'):
        SQLAlchemyCredentialsStore(lambda: 'sqlite://').load('k')


def test_a_failed_write_rolls_the_session_back(tmp_path):
    engine = sa.create_engine('sqlite:///' + str(tmp_path / 'r.db'))
    session = Session(engine)
    store = SQLAlchemyCredentialsStore(session)   # table not created
    with pytest.raises(sa.exc.OperationalError):
        store.save('k', 'serialized')
    store.create_table()                          # the session is usable again
    store.save('k', 'serialized')
    assert store.load('k') == 'serialized'
    session.close()
    engine.dispose()


@pytest.mark.parametrize('native', [True, False], ids=['upsert', 'update-then-insert'])
def test_postgresql_concurrent_saves_of_one_key(postgres_engine, native):
    """Eight threads save the same user's credentials at once: with the
    native upsert none fails and one value wins."""
    store = SQLAlchemyCredentialsStore(postgres_engine)
    store.create_table()
    if not native:
        store.native_upsert = ()
        store.save('shared', 'first')   # the fallback races only on the first insert
    barrier = threading.Barrier(8)
    errors = []

    def save(i):
        try:
            barrier.wait(10)
            store.save('shared', 'value-{0}'.format(i))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert store.load('shared') in {'value-{0}'.format(i) for i in range(8)}
    with postgres_engine.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM authomatic_credentials WHERE key = 'shared'")).scalar() == 1


def test_postgresql_column_types(postgres_engine):
    SQLAlchemyCredentialsStore(postgres_engine).create_table()
    columns = {c['name']: c for c in sa.inspect(postgres_engine).get_columns(
        'authomatic_credentials')}
    assert isinstance(columns['credentials']['type'], sa.Text)
    assert isinstance(columns['key']['type'], sa.String)
    assert columns['key']['type'].length == 255
    assert columns['updated_at']['type'].timezone is True
