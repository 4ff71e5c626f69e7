"""What a write transaction locks, so that a check and the write it guards are atomic.

SQLite has one writer at a time: every write transaction starts with ``BEGIN IMMEDIATE``,
which excludes all other writers, across threads and processes, until it ends. Nothing more
is needed there.

PostgreSQL runs writers side by side (READ COMMITTED), so each writer locks what it is about
to check and change, and holds it until it commits:

- **a calendar owner** (:func:`owner_lock`, a transaction-scoped advisory lock): every
  client write request (PUT, DELETE, MOVE, PROPPATCH, MKCOL, MKCALENDAR) takes it for the
  owner of the collections it writes, before Radicale checks ``If-Match``/``If-None-Match``,
  UID conflicts or the existence of the target;
- **an activity** (its row, ``SELECT … FOR UPDATE``; SQLite ignores the clause): whoever loads
  an activity to change it — a client write, an HQ command — locks its row first and so
  reads the latest committed version; the import's ``UPDATE`` statements lock exactly the
  rows they change. A client write waits for an import only if the import changed that very
  activity (or, at its very end, the same collection's change-log counter);
- **the import** (:data:`IMPORT_LOCK`): one import at a time per database;
- **counters** (number sequences, change-log scopes) are rows updated in place, locked until
  commit: numbers stay unique and change-log values are handed out in commit order.

Locks are always taken in one order (sorted), at the start of the transaction. Readers take
no locks and never wait for writers.
"""

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text

OWNER_SPACE = 0x42524401  # "BRD" 1: calendar owners
IMPORT_SPACE = 0x42524402  # "BRD" 2: the import job


@dataclass(frozen=True, order=True)
class Lock:
    """A PostgreSQL advisory lock (two 32-bit keys)."""

    space: int
    key: int


def owner_lock(login: str) -> Lock:
    """The lock of everything under ``/login/``."""
    return Lock(OWNER_SPACE, _int32(zlib.crc32(login.encode())))


IMPORT_LOCK = Lock(IMPORT_SPACE, 0)


def take(connection: Connection, locks: Iterable[Lock]) -> None:
    """Take ``locks`` for the rest of the transaction, in one global order (no deadlocks
    between two takers)."""
    if connection.dialect.name != "postgresql":
        return
    for lock in sorted(set(locks)):
        connection.execute(_ADVISORY, {"space": lock.space, "key": lock.key})


def try_take(connection: Connection, lock: Lock) -> bool:
    """Take ``lock`` for the rest of the transaction if nobody holds it (never waiting);
    whether it was taken. (SQLite: the transaction's write lock is every lock.)"""
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.scalar(_TRY_ADVISORY, {"space": lock.space, "key": lock.key}))


_ADVISORY = text("SELECT pg_advisory_xact_lock(:space, :key)")
_TRY_ADVISORY = text("SELECT pg_try_advisory_xact_lock(:space, :key)")


def _int32(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value
