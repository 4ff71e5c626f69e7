"""Engine and session factory for the headquarters database (SQLite or PostgreSQL)."""

import functools
import time
from collections import namedtuple
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Select,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler

from bridge.errors import InvalidInput
from bridge.infra import held, locks, metrics
from bridge.infra.catalog import database_url
from bridge.infra.conflicts import notice_conflicts

WRITE_WAIT_SECONDS = 30
"""How long a writer waits for another writer's lock before giving up (SQLite's busy
timeout; PostgreSQL's lock timeout for requests of calendar clients)."""


CONNECT_TIMEOUT_SECONDS = 30
"""How long connecting to a database server may take (libpq waits for ever by default: a
server gone from the network would hold every request that needs a new connection)."""


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={WRITE_WAIT_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    record.info["busy_timeout"] = WRITE_WAIT_SECONDS * 1000


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (see make_engine) so that we emit BEGIN
    # ourselves: writers ask for BEGIN IMMEDIATE (see ``begin``) and so queue on the busy
    # timeout instead of failing half-way when a read lock cannot be upgraded.
    options = conn.get_execution_options()
    # The busy timeout stays with the pooled connection: a transaction that waits less than
    # the default (``wait``) must not leave its timeout to the next one on this connection.
    wait_ms = round(options.get("write_wait", WRITE_WAIT_SECONDS) * 1000)
    if conn.info.get("busy_timeout") != wait_ms:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        conn.info["busy_timeout"] = wait_ms
    conn.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (or the configured default) with the settings each backend needs.

    The pool hands out the connection returned last: one after another, requests reuse one
    warm connection, and the others (each with its own page cache) stay few."""
    resolved = make_url(database_url(url))
    try:
        resolved.get_dialect().import_dbapi()
    except ImportError as error:
        raise InvalidInput(_driver_missing(resolved, error)) from error
    kwargs.setdefault("hide_parameters", True)  # errors never quote (customer) data
    if resolved.database not in (None, "", ":memory:"):  # (in memory: one connection)
        kwargs.setdefault("pool_use_lifo", True)
    if resolved.get_backend_name() == "sqlite":
        engine = create_engine(
            resolved, connect_args={"isolation_level": None, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
        engine = create_engine(resolved, pool_pre_ping=True, **kwargs)
    notice_conflicts(engine)
    return engine


def _driver_missing(url: URL, error: ImportError) -> str:
    shown = url.render_as_string(hide_password=True)
    said = f"{shown}: its database driver ({error.name or error}) is not installed"
    if url.get_backend_name() == "postgresql":
        return (f"{said}; for PostgreSQL install the `postgresql` extra (pip install -e "
                "'.[postgresql]', or pip install 'sales-calendar-bridge[postgresql]') and "
                "write the URL as postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE")
    return f"{said}; install it, or use sqlite:///PATH or postgresql+psycopg://…"


SERVER_POOL_KEPT = 5
"""Connections a server process's pool of a database keeps open once used (idle)."""
SERVER_POOL_OVERFLOW = 35
"""Connections a server process may open beyond the pool's kept ones: more than its
threads (Radicale's ``max_connections``, 20) ever use at once, so that no request waits for
a connection (SQLAlchemy's default of 10 made requests beyond 15 wait, and fail after 30 s)."""


@functools.cache
def shared_engine(url: str | None) -> Engine:
    """One engine (one connection pool) per database for a long-running process whose
    parts (the server's storage, auth and rights plugins) each ask for one."""
    if make_url(database_url(url)).database in (None, "", ":memory:"):
        return make_engine(url)  # (in memory: one connection, no pool to size)
    return make_engine(url, pool_size=SERVER_POOL_KEPT, max_overflow=SERVER_POOL_OVERFLOW)


def among(connection: Connection, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one parameter: a
    thousand parameters cost psycopg (which parses the query for them) and the planner more
    than fetching the rows does."""
    condition: ColumnElement[bool]
    if connection.dialect.name == "postgresql":
        condition = column == any_(bindparam(None, list(values),
                                             type_=postgresql.ARRAY(column.type)))
    else:
        condition = column.in_(values)
    return condition


class DriverQuery:
    """A SELECT that SQLAlchemy compiles once per dialect and each run hands to the
    database driver's cursor as it is: for the one query a calendar client asks most (its
    poll, every few minutes per device and collection), SQLAlchemy's way to the driver — the
    statement's cache key, the compiled cache, the result's wrapping — costs two to three
    times what the driver's own work does. The result's values are read with the columns'
    types, as SQLAlchemy reads them; the parameters go as given (strings and numbers: no
    parameter of such a query needs converting), with the values of the statement's own.
    The driver's errors are raised as SQLAlchemy's (``DBAPIError``), as SQLAlchemy raises
    them."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._row = namedtuple("Row", [column.key for column in  # type: ignore[misc]
                                       statement.selected_columns])
        self._compiled: dict[str, tuple[SQLCompiler, list[Any], dict[str, Any]]] = {}

    def first(self, connection: Connection, parameters: dict[str, Any]) -> Any:
        """The first row (attributes named as the columns), or None."""
        rows = self._rows(connection, parameters, lambda cursor: [cursor.fetchone()])
        return rows[0] if rows else None

    def all(self, connection: Connection, parameters: dict[str, Any]) -> list[Any]:
        """Every row (a few: they are fetched at once)."""
        return self._rows(connection, parameters, lambda cursor: cursor.fetchall())

    def _rows(self, connection: Connection, parameters: dict[str, Any],
              fetch: Callable[[Any], list[Any]]) -> list[Any]:
        compiled, readers, fixed = self._compiled_for(connection.dialect)
        parameters = {**fixed, **parameters}
        given = tuple(parameters[name] for name in compiled.positiontup or ()) \
            if compiled.positional else parameters
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.string, given)
            rows = fetch(cursor)
        except connection.dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(compiled.string, given, error,
                                      connection.dialect.loaded_dbapi.Error,
                                      hide_parameters=True, dialect=connection.dialect) from error
        finally:
            cursor.close()
        return [self._row(*(value if read is None or value is None else read(value)
                            for read, value in zip(readers, row, strict=True)))
                for row in rows if row is not None]

    def _compiled_for(self, dialect: Dialect
                      ) -> tuple[SQLCompiler, list[Any], dict[str, Any]]:
        """The statement compiled for ``dialect``, its columns' readers and the values of
        the parameters the statement itself sets (its literals)."""
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            assert isinstance(compiled, SQLCompiler)  # (a SELECT's)
            found = (compiled,
                     [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in self.statement.selected_columns],
                     {name: value for name, value in compiled.params.items()
                      if value is not None})
            self._compiled[dialect.name] = found
        return found


def upsert_statement(dialect: str, model: Any) -> Any:
    """An INSERT that can add ON CONFLICT DO UPDATE, for the backend (dialect name)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model.__table__)


@functools.cache
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """One factory per engine: each sessionmaker makes a Session class of its own, whose
    event dispatch SQLAlchemy builds afresh (a quarter of a millisecond per transaction)."""
    return sessionmaker(engine, expire_on_commit=False)


def begin(session: Session, *, write: bool, take: Iterable[locks.Lock] = (),
          wait: float | None = None) -> None:
    """Start the session's transaction; every write transaction starts here.

    A writer holds SQLite's one write lock (``BEGIN IMMEDIATE``) or, on PostgreSQL, the
    locks in ``take`` (see :mod:`bridge.infra.locks`) until it ends. A lock wait longer than
    ``wait`` seconds fails as a conflict (``bridge.infra.conflicts``) instead of waiting on (a
    calendar client is better answered "busy, retry" than left hanging); by default SQLite
    waits :data:`WRITE_WAIT_SECONDS`, PostgreSQL as long as it takes.
    """
    session.begin()
    if not write:
        return
    options: dict[str, Any] = {"sqlite_begin": "IMMEDIATE"}
    if wait is not None:
        options["write_wait"] = wait
    waiting = time.monotonic()
    connection = session.connection(execution_options=options)
    if wait is not None and connection.dialect.name == "postgresql":  # (0 would be no limit)
        connection.execute(text(f"SET LOCAL lock_timeout = '{max(1, round(wait * 1000))}ms'"))
    locks.take(connection, take)
    metrics.WRITE_LOCK_WAIT.labels(connection.dialect.name).observe(time.monotonic() - waiting)


@contextmanager
def transaction(engine: Engine, *, write: bool = True, take: Iterable[locks.Lock] = (),
                wait: float | None = None, keep: bool = True) -> Iterator[Session]:
    """A session whose work is committed as a whole, or rolled back as a whole on any error
    (or at the end, when it is not to be kept: a dry run). Every transaction of the project
    is one of these; ``write``, ``take`` and ``wait`` are :func:`begin`'s."""
    with session_factory(engine)() as session:
        begin(session, write=write, take=take, wait=wait)
        with held.holding(engine.dialect.name) if write else nullcontext():
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            if keep:
                session.commit()
            elif write:
                session.rollback()
            # (a read transaction not kept ends as the session closes: its connection is
            # rolled back as it goes back to the pool — one rollback, not the session's too)
