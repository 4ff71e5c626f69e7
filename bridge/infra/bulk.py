"""Many rows written at once: the import's inserts and upserts.

On PostgreSQL the rows travel by ``COPY`` (psycopg's copy support): an ``executemany`` of an
INSERT costs a statement per row on the server and, through SQLAlchemy, a parameter set per
row in Python — together more than the database spends storing the rows. An upsert copies
into a temporary table and merges from there in one statement. A few rows (a client's PUT)
go as one ``executemany``, as do all rows elsewhere (SQLite, in process): the COPY's extra
statements would cost more than they save.

Values pass through the columns' own SQLAlchemy types (enums, UTC date-times) as they would in
an INSERT, and columns left out take their defaults, so both paths store the same rows.
"""

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, TableClause, insert, select
from sqlalchemy import column as column_clause
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.schema import ColumnDefault
from sqlalchemy.types import TypeDecorator

from bridge.infra.db import upsert_statement

Rows = Sequence[Mapping[str, Any]]
"""Rows of one table, each a dict of the same keys (column names)."""

COPY_FROM_ROWS = 50
"""From how many rows on PostgreSQL copies them."""


def _copies(dialect: Dialect, rows: Rows) -> bool:
    return dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS


@dataclass(frozen=True)
class NewRows:
    """Rows of one table made ready to insert: each row complete (the columns left out at
    their defaults), and where they will be copied, its values as the database takes them.
    Made where there is time — the import makes them while the rows before are written
    (:mod:`bridge.importing.pipeline`) — and inserted later."""

    model: Any
    dialect: Dialect
    rows: Rows
    copied: tuple[tuple[str, ...], list[tuple[Any, ...]]] | None

    def stored(self) -> list[dict[str, Any]]:
        """Each row as reading it back once inserted would give it (every column but the
        key the database assigns; an instant in UTC): what is shown of new rows is made from
        these instead of a read-back."""
        table: Table = self.model.__table__
        if not self.rows:
            return []
        left_out = {column.name: None for column in table.columns
                    if column.name not in self.rows[0] and not column.primary_key}
        if any(table.columns[name].server_default is not None for name in left_out):
            raise TypeError(f"{table.name}: a column the database fills was left out")
        changed = _round_trips(self.dialect, table, tuple(self.rows[0]))
        stored = [{**left_out, **row} for row in self.rows]
        for row in stored:
            for name, back in changed:
                row[name] = back(row[name])
        return stored


def new_rows(dialect: Dialect, model: Any, rows: Rows) -> NewRows:
    """``rows`` of ``model``'s table made ready for a database of ``dialect``."""
    if rows:
        defaults = _defaults(model.__table__, tuple(rows[0]))
        rows = [{**row, **defaults} for row in rows] if defaults else rows
    copied = _values(dialect, model.__table__, rows) if _copies(dialect, rows) else None
    return NewRows(model, dialect, rows, copied)


def insert_rows(session: Session, model: Any, rows: Rows) -> None:
    """Insert ``rows`` into ``model``'s table."""
    insert_new(session, new_rows(session.get_bind().dialect, model, rows))


def insert_new(session: Session, new: NewRows) -> None:
    """Insert rows made ready by :func:`new_rows`."""
    if not new.rows:
        return
    table: Table = new.model.__table__
    if new.copied is None:
        session.execute(insert(table), new.rows)
        return
    session.flush()  # (as session.execute would: rows may refer to pending ones)
    connection = session.connection()
    _copy(connection, table.name, *new.copied)


def upsert_rows(session: Session, model: Any, rows: Rows, key: Sequence[str],
                update: Sequence[str]) -> None:
    """Insert ``rows``, or where a row with the same ``key`` columns exists, set its ``update``
    columns to the row's. No two rows may have the same key."""
    if not rows:
        return
    table: Table = model.__table__
    connection = session.connection()
    if not _copies(connection.dialect, rows):
        session.execute(_upsert(connection.dialect.name, model, tuple(key), tuple(update)),
                        rows)
        return
    session.flush()
    columns, values = _values(connection.dialect, table, rows)
    stage = _stage(connection, table, columns)
    _copy(connection, stage.name, columns, values)
    connection.execute(_merge(table, stage, tuple(key), tuple(update)))
    # Emptied for the next use in this transaction (a DELETE would leave dead rows to scan).
    connection.exec_driver_sql(f"TRUNCATE {_quoted(connection, stage.name)}")


def _values(dialect: Dialect, table: Table, rows: Rows
            ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The columns to copy (the rows' keys, then left-out columns that have a default) and
    each row's values as the database takes them."""
    given = tuple(rows[0])
    defaults = _defaults(table, given)
    columns = given + tuple(defaults)
    process = _processors(dialect, table, columns)
    extra = tuple(defaults.values())
    return columns, [
        tuple(value if convert is None else convert(value)
              for convert, value in zip(process, (*(row[name] for name in given), *extra),
                                        strict=True))
        for row in rows
    ]


def _defaults(table: Table, given: tuple[str, ...]) -> dict[str, Any]:
    """Values of the columns left out whose default is set in Python (as an INSERT would)."""
    values = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if isinstance(default, ColumnDefault) and default.is_scalar:
            values[column.name] = default.arg
        elif isinstance(default, ColumnDefault) and default.is_callable:
            values[column.name] = default.arg(None)
        else:
            raise TypeError(f"{table.name}.{column.name}: give its value (default {default!r})")
    return values


@functools.cache
def _round_trips(dialect: Any, table: Table, columns: tuple[str, ...]
                 ) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """The columns whose values storing and reading back may change, with what it does to
    them: those of a :class:`TypeDecorator`, which may normalise (UTCDateTime does); other
    types give back what they were given."""

    def round_trip(kind: TypeDecorator[Any]) -> Callable[[Any], Any]:
        return lambda value: kind.process_result_value(
            kind.process_bind_param(value, dialect), dialect)

    return tuple((name, round_trip(kind)) for name in columns
                 if isinstance(kind := table.columns[name].type, TypeDecorator))


@functools.cache
def _processors(dialect: Any, table: Table, columns: tuple[str, ...]
                ) -> tuple[Callable[[Any], Any] | None, ...]:
    return tuple(table.columns[name].type.dialect_impl(dialect).bind_processor(dialect)
                 for name in columns)


def _copy(connection: Connection, table: str, columns: Sequence[str],
          values: list[tuple[Any, ...]]) -> None:
    statement = (f"COPY {_quoted(connection, table)} ({_quoted(connection, *columns)}) "
                 "FROM STDIN")
    driver = connection.connection.driver_connection
    assert driver is not None  # (an open connection has its driver's)
    with driver.cursor() as cursor:
        try:
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        except connection.dialect.loaded_dbapi.Error as error:
            # Through SQLAlchemy's handling of an execute's errors (its only entry point):
            # raised as its DBAPIError (parameters hidden), a conflict or a lost connection
            # noticed (bridge.infra.conflicts), a broken connection invalidated.
            connection._handle_dbapi_exception(error, statement, None, cursor, None)


def _stage(connection: Connection, table: Table, columns: tuple[str, ...]) -> TableClause:
    """An empty temporary table of ``columns`` of ``table`` on this connection (kept for the
    connection's life, emptied at each commit; made again after a rollback undid it: asked
    for once in each transaction or savepoint)."""
    stage = _stage_table(table, columns)
    asked: dict[str, Any] = connection.info.setdefault(_STAGES_ASKED, {})
    current = connection.get_nested_transaction() or connection.get_transaction()
    if asked.get(stage.name) is not current:
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_quoted(connection, stage.name)} "
            f"ON COMMIT DELETE ROWS AS SELECT {_quoted(connection, *columns)} "
            f"FROM {_quoted(connection, table.name)} WITH NO DATA")
        asked[stage.name] = current
    return stage


_STAGES_ASKED = "bridge.bulk.stages"
"""(In a connection's info) each stage's name → the transaction or savepoint that last made
sure of it."""


def _quoted(connection: Connection, *names: str) -> str:
    return ", ".join(map(connection.dialect.identifier_preparer.quote, names))


@functools.cache
def _stage_table(table: Table, columns: tuple[str, ...]) -> TableClause:
    digest = hashlib.blake2b("\0".join(columns).encode(), digest_size=4).hexdigest()
    return table_clause(f"stage_{table.name}_{digest}", *map(column_clause, columns))


@functools.cache
def _merge(table: Table, stage: TableClause, key: tuple[str, ...], update: tuple[str, ...]
           ) -> Any:
    """INSERT … SELECT from the stage, ON CONFLICT (key) DO UPDATE the ``update`` columns."""
    statement = postgresql.insert(table).from_select(
        [column.name for column in stage.columns], select(*stage.columns))
    return _on_conflict(statement, key, update)


@functools.cache
def _upsert(dialect: str, model: Any, key: tuple[str, ...], update: tuple[str, ...]) -> Any:
    return _on_conflict(upsert_statement(dialect, model), key, update)


def _on_conflict(statement: Any, key: tuple[str, ...], update: tuple[str, ...]) -> Any:
    return statement.on_conflict_do_update(
        index_elements=list(key), set_={name: statement.excluded[name] for name in update})
