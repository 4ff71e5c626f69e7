"""Engine and session factory for the headquarters database (SQLite or PostgreSQL)."""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bridge.config import database_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (see make_engine) so that we emit BEGIN
    # ourselves: writers ask for BEGIN IMMEDIATE (see ``transaction``) and so queue on the
    # busy timeout instead of failing half-way when a read lock cannot be upgraded.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (or the configured default) with the settings each backend needs."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        engine = create_engine(
            resolved, connect_args={"isolation_level": None, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(resolved, pool_pre_ping=True, **kwargs)


@functools.cache
def shared_engine(url: str | None) -> Engine:
    """One engine (one connection pool) per database for a long-running process whose
    parts (the server's storage, auth and rights plugins) each ask for one."""
    return make_engine(url)


def upsert_statement(dialect: str, model: Any) -> Any:
    """An INSERT that can add ON CONFLICT DO UPDATE, for the backend (dialect name)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session whose work is committed as a whole, or rolled back as a whole on any error."""
    with session_factory(engine)() as session, session.begin():
        if write:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        yield session
