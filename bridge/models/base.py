"""Declarative base and the column types shared by the models."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from bridge.errors import InvalidInput

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC, always returned timezone-aware.

    SQLite keeps it as naive UTC text (which sorts and compares correctly); PostgreSQL as
    ``timestamptz``. The original offset of a local time is kept in a column of its own.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """(PostgreSQL; SQLite's writing is :meth:`bind_processor`'s.)"""
        return None if value is None else _utc(value)

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite the instant is written as SQLAlchemy's DATETIME writes it (``YYYY-MM-DD
        HH:MM:SS.ffffff``), in one step: an import writes five for each of thousands of
        rows."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _to_sqlite_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite the stored ISO text is read by Python's own parser: a calendar listing
        reads three instants for each of thousands of rows."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _from_sqlite_text


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given for a UTC column")
    return value.astimezone(UTC)


def _to_sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return _utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _from_sqlite_text(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value + "+00:00")  # (replace(tzinfo=…) is slower)
    except ValueError:  # a date alone, as SQL written by hand may store
        return datetime.fromisoformat(value).replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def fits(column: Any, value: str) -> bool:
    """Whether ``value`` fits the String ``column`` (a mapped attribute)."""
    length = getattr(column.property.columns[0].type, "length", None)
    return length is None or len(value) <= length


def require_fits(column: Any, value: str, what: str) -> str:
    """``value`` if it fits the String ``column`` (a mapped attribute), else InvalidInput:
    an over-long value is refused whole, never cut (SQLite) or failed on (PostgreSQL)."""
    if not fits(column, value):
        length = column.property.columns[0].type.length
        raise InvalidInput(f"{what} is {len(value)} characters long; at most {length} fit")
    return value
