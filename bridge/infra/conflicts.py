"""Write conflicts: the database refused a transaction because of another one.

- PostgreSQL: a deadlock (SQLSTATE 40P01), a serialisation failure (40001), a lock wait that
  ran out (55P03, see ``lock_timeout``), a statement cancelled after ``statement_timeout``
  (57014; `bridge serve` sets one);
- SQLite: the database stayed locked by another writer past the busy timeout.

Such a transaction was rolled back whole, so it changed nothing and may be run again: a lost
deadlock at once, a lock wait that ran out later (the other writer is still at work).

A connection to the database lost in the middle of the work (the database server restarted,
an operator ended the session), or none to be had, is met the same way: the work is answered
"try again later" instead of failing, and the pool opens new connections for what follows. Errors
are noticed where they happen (an engine event), so a caller learns of a conflict even if
code between it and the database (Radicale) caught the exception and answered something else.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError

from bridge.errors import BridgeError

RETRY_NOW = {"40P01": "deadlock", "40001": "serialisation failure"}
RETRY_LATER = {"55P03": "lock wait timed out", "57014": "statement timed out"}
SQLITE_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@dataclass(frozen=True)
class Conflict:
    reason: str
    at_once: bool
    """Whether running the work again at once is likely to succeed (a lost deadlock)."""
    lost: bool = False
    """The connection broke: the work ended with it (if it broke while committing, the
    change may have been stored: the client's next sync shows which)."""


LOST = Conflict("connection to the database lost", at_once=False, lost=True)
UNREACHABLE = Conflict("database not reachable", at_once=False, lost=True)


class WriteConflict(BridgeError):
    """A transaction refused because of another one; nothing was changed."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__(
            f"the database is busy ({conflict.reason} with another change); nothing was "
            "changed — try again")
        self.conflict = conflict


def conflict_of(error: BaseException | None) -> Conflict | None:
    """The conflict ``error`` (a DBAPI error) reports, or None for any other error."""
    state = getattr(error, "sqlstate", None)
    if state in RETRY_NOW:
        return Conflict(RETRY_NOW[state], at_once=True)
    if state in RETRY_LATER:
        return Conflict(RETRY_LATER[state], at_once=False)
    if isinstance(error, sqlite3.OperationalError) and (
            getattr(error, "sqlite_errorcode", None) in SQLITE_BUSY
            or "database is locked" in str(error)):
        return Conflict("database locked by another writer", at_once=False)
    return None


_seen: ContextVar[list[Conflict] | None] = ContextVar("bridge_conflicts", default=None)


@contextmanager
def watch() -> Iterator[list[Conflict]]:
    """Collect the conflicts met by this thread's database work inside the block."""
    seen: list[Conflict] = []
    token = _seen.set(seen)
    try:
        yield seen
    finally:
        _seen.reset(token)


def seen_count() -> int:
    """How many conflicts the innermost :func:`watch` has collected so far (0 outside one)."""
    seen = _seen.get()
    return len(seen) if seen is not None else 0


def last_seen() -> Conflict | None:
    seen = _seen.get()
    return seen[-1] if seen else None


def _on_error(context: ExceptionContext) -> None:
    if context.is_pre_ping:  # a pooled connection found broken before use: replaced, no harm
        return
    found = conflict_of(context.original_exception) or (
        LOST if context.is_disconnect else
        UNREACHABLE if context.connection is None
        and isinstance(context.sqlalchemy_exception, OperationalError) else None)
    seen = _seen.get()
    if found is not None and seen is not None:
        seen.append(found)


def notice_conflicts(engine: Engine) -> None:
    event.listen(engine, "handle_error", _on_error)
