"""Locks that say a process is alive: held by it while it works, freed when it ends — also
when it is killed, or its machine or connection is lost.

Whoever finds such a lock free knows its holder is gone, whatever the state it left on
record says. Import runs use them (:mod:`bridge.importing.runs`): a run recorded as running
whose lock is free was interrupted.

- **PostgreSQL**: a session-level advisory lock on a connection of the holder's own, kept
  apart from the pool for as long as it holds the lock (PostgreSQL frees it when that
  session ends, with its process or its connection).
- **SQLite**: an exclusive ``flock`` on a file beside the database (``<database>-alive/``;
  the kernel frees it when the holder's process ends). SQLite's writers are on one machine.
- **SQLite in memory**: the database lives only as long as its one process: every holder
  found is alive.
"""

import fcntl
import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

RUN_SPACE = 0x42524403  # "BRD" 3: import runs at work (see bridge.infra.locks for 1 and 2)


@contextmanager
def holding(engine: Engine, key: int) -> Iterator[None]:
    """Hold the lock of ``key`` until the block ends (or the process does)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as opened:
            connection = opened.execution_options(isolation_level="AUTOCOMMIT")
            try:
                connection.execute(_LOCK, {"space": RUN_SPACE, "key": key})
                yield
            finally:
                connection.invalidate()  # (its session ends, and the lock with it)
        return
    folder = _folder(engine)
    if folder is None:
        yield
        return
    folder.mkdir(exist_ok=True)
    path = folder / str(key)
    with open(path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def gone(connection: Connection, keys: Collection[int]) -> set[int]:
    """Those of ``keys`` whose lock nobody holds (never waiting for a holder), asked on
    ``connection`` (a session lock taken to ask is given back at once, inside a transaction
    or not)."""
    if not keys:
        return set()
    if connection.dialect.name == "postgresql":
        free = {key for key in keys if connection.scalar(
            _TRY_LOCK, {"space": RUN_SPACE, "key": key})}
        for key in free:
            connection.execute(_UNLOCK, {"space": RUN_SPACE, "key": key})
        return free
    folder = _folder(connection.engine)
    if folder is None:
        return set()
    return {key for key in keys if _free(folder / str(key))}


def _free(path: Path) -> bool:
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True  # (its holder ended, or never got as far as taking it)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        path.unlink(missing_ok=True)  # (left by a holder that was killed)
    finally:
        os.close(descriptor)  # (frees the lock, if it was taken)
    return True


def _folder(engine: Engine) -> Path | None:
    database = engine.url.database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return Path(f"{database}-alive")


_LOCK = text("SELECT pg_advisory_lock(:space, :key)")
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:space, :key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:space, :key)")
