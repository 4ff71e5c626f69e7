"""Write transactions held long: in a process that :func:`watch`-es them (the server), whoever
holds a write lock (on SQLite: the database's only one) for longer than :data:`LONG_SECONDS`
is logged once, with where its thread is at that moment, so that an operator whose writers
are refused "database is locked" learns who kept them waiting — not only that they waited.
(A command's long import holds its lock by design and is not watched.)"""

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

LONG_SECONDS = 10.0

logger = logging.getLogger("bridge.transactions")

_held: dict[int, float] = {}
"""Thread ident → when its write transaction began (monotonic)."""
_lock = threading.Lock()
_watched_in: int | None = None
"""The process whose watcher runs (a forked worker starts its own)."""


@contextmanager
def holding() -> Iterator[None]:
    """The current thread holds a write transaction while this is open."""
    ident = threading.get_ident()
    with _lock:
        _held[ident] = time.monotonic()
    try:
        yield
    finally:
        with _lock:
            _held.pop(ident, None)


def watch() -> None:
    """Watch this process's write transactions from now on (once per process)."""
    global _watched_in
    with _lock:
        if _watched_in == os.getpid():
            return
        _watched_in = os.getpid()
    threading.Thread(target=_watching_loop, daemon=True, name="write transactions").start()


def _watching_loop() -> None:
    reported: set[tuple[int, float]] = set()
    while True:
        time.sleep(1.0)
        now = time.monotonic()
        with _lock:
            long_held = [(ident, began) for ident, began in _held.items()
                         if now - began > LONG_SECONDS and (ident, began) not in reported]
            reported &= set(_held.items())
        for ident, began in long_held:
            reported.add((ident, began))
            frame = sys._current_frames().get(ident)
            where = "".join(traceback.format_stack(frame, limit=12)) if frame else "(ended)\n"
            logger.warning("a write transaction has held its lock for %.0f s; its thread is "
                           "at:\n%s", now - began, where)
