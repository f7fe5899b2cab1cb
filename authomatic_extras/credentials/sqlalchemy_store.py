# -*- coding: utf-8 -*-
"""A credentials store in a SQL table, through SQLAlchemy.

Needs SQLAlchemy 1.4 or newer (the ``[sqlalchemy]`` extra: ``pip install
'.[sqlalchemy]'`` from a checkout).
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Optional, Union

import sqlalchemy as sa
from authomatic.core import Credentials
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from .store import MAX_KEY_LENGTH, CredentialsStore, serialized_credentials, store_key

__all__ = ['SQLAlchemyCredentialsStore']

Bind = Union[Engine, Session, 'scoped_session[Any]']


class SQLAlchemyCredentialsStore(CredentialsStore):
    """Keeps credentials in a table of three columns: ``key`` (the user id,
    primary key, up to 255 characters), ``credentials`` (the core's
    serialized string, text: never a pickle) and ``updated_at``.

    With plain SQLAlchemy::

        engine = sqlalchemy.create_engine('postgresql+psycopg://...')
        store = SQLAlchemyCredentialsStore(engine)
        store.create_table()            # or metadata.create_all(engine)

    With the ORM, pass a ``Session`` (or a ``scoped_session``); with
    Flask-SQLAlchemy, its ``db.session`` and ``db.metadata``, so that
    ``db.create_all()`` makes the table::

        store = SQLAlchemyCredentialsStore(db.session, metadata=db.metadata)

    :param bind: where statements run. An ``Engine``: each call is a
        transaction of its own. A ``Session`` or ``scoped_session``: calls run
        in the session's transaction, and :meth:`save` and :meth:`delete`
        commit it (as Flask-Dance's storage does), so do not keep changes there
        that must not be committed yet. Or a function that returns one of these,
        called on every use (e.g. ``lambda: db.engine``).
    :param str table_name: name of the table.
    :param metadata: the :class:`sqlalchemy.MetaData` to define the table in
        (default: a new one). A table of that name already in it is reused.
    """

    #: Dialects whose native "insert ... on conflict do update" :meth:`save`
    #: uses; on others it updates, then inserts when no row was there.
    native_upsert = ('postgresql', 'sqlite')

    def __init__(self, bind: Union[Bind, Callable[[], Bind]],
                 table_name: str = 'authomatic_credentials',
                 metadata: Optional[sa.MetaData] = None) -> None:
        self._bind = bind
        self.metadata = metadata if metadata is not None else sa.MetaData()
        existing = self.metadata.tables.get(table_name)
        #: The :class:`sqlalchemy.Table`.
        self.table: sa.Table = existing if existing is not None else sa.Table(
            table_name, self.metadata,
            sa.Column('key', sa.String(MAX_KEY_LENGTH), primary_key=True),
            sa.Column('credentials', sa.Text, nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        )

    # -- where statements run ---------------------------------------------------

    def bind(self) -> Bind:
        """The engine or session in use now."""
        bind = self._bind
        if isinstance(bind, (Engine, Session, scoped_session)):
            return bind
        if callable(bind):
            found = bind()
            if isinstance(found, (Engine, Session, scoped_session)):
                return found
            raise TypeError('The bind function of SQLAlchemyCredentialsStore returned {0}; it '
                            'must return an Engine or a Session.'.format(type(found).__name__))
        raise TypeError('SQLAlchemyCredentialsStore needs an Engine, a Session or a function '
                        'returning one, not {0}.'.format(type(bind).__name__))

    def create_table(self) -> None:
        """Create the table unless it exists."""
        bind = self.bind()
        if isinstance(bind, Engine):
            self.table.create(bind, checkfirst=True)
        else:
            self.table.create(bind.connection(), checkfirst=True)
            bind.commit()

    def _write(self, statement: Callable[[Connection], None]) -> None:
        bind = self.bind()
        if isinstance(bind, Engine):
            with bind.begin() as connection:
                statement(connection)
            return
        try:
            statement(bind.connection())
            bind.commit()
        except BaseException:
            bind.rollback()
            raise

    # -- the store --------------------------------------------------------------

    def load(self, key: Any) -> Optional[str]:
        query = sa.select(self.table.c.credentials).where(self.table.c.key == store_key(key))
        bind = self.bind()
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                value = connection.execute(query).scalar()
        else:
            value = bind.connection().execute(query).scalar()
        return None if value is None else str(value)

    def save(self, key: Any, credentials: Union[Credentials, str]) -> None:
        row = {'credentials': serialized_credentials(credentials),
               'updated_at': datetime.datetime.now(datetime.timezone.utc)}
        key = store_key(key)

        def upsert(connection: Connection) -> None:
            dialect = connection.dialect.name
            dialect = dialect if dialect in self.native_upsert else ''
            if dialect == 'postgresql':
                from sqlalchemy.dialects import postgresql
                connection.execute(postgresql.insert(self.table).values(key=key, **row)
                                   .on_conflict_do_update(index_elements=['key'], set_=row))
                return
            if dialect == 'sqlite':
                from sqlalchemy.dialects import sqlite
                connection.execute(sqlite.insert(self.table).values(key=key, **row)
                                   .on_conflict_do_update(index_elements=['key'], set_=row))
                return
            updated = connection.execute(
                sa.update(self.table).where(self.table.c.key == key).values(**row))
            if not updated.rowcount:
                connection.execute(sa.insert(self.table).values(key=key, **row))

        self._write(upsert)

    def delete(self, key: Any) -> None:
        statement = sa.delete(self.table).where(self.table.c.key == store_key(key))

        def remove(connection: Connection) -> None:
            connection.execute(statement)

        self._write(remove)
