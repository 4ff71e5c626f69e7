"""Write transactions held long: in a process that :func:`watch`-es them (the server), whoever
holds a write lock (on SQLite: the database's only one) for longer than :data:`LONG_SECONDS`
is logged once, with where its thread is at that moment, so that an operator whose writers
are refused "database is locked" learns who kept them waiting — not only that they waited.
(A command's long import holds its lock by design and is not watched.)

The watcher also notices when the process itself stopped running — the machine paused, or a
thread held Python's interpreter lock in a long native call — for :data:`STALL_SECONDS`: every
write then waits, whoever holds the lock. It logs how long, and Python's ``faulthandler`` (which
needs no interpreter lock) writes every thread's stack to the standard error at that moment.
"""

import atexit
import faulthandler
import logging
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bridge.infra import budget, metrics

LONG_SECONDS = 10.0
STALL_SECONDS = 10.0

logger = logging.getLogger("bridge.transactions")

RECENT = 1000
"""Ended write transactions remembered per process (:func:`recent_holds`)."""


@dataclass(frozen=True)
class Hold:
    """A write transaction that ended: what held it — the request, as its budget names it
    (``PUT /bwilson/tasks/x.ics``), or "" — when it began (``time.monotonic()``), how long."""

    what: str
    began: float
    seconds: float


_ended: deque[Hold] = deque(maxlen=RECENT)
_held: dict[object, tuple[int, float]] = {}
"""Each open write transaction (a token of its own: one thread may hold two, nested, or leave
one open in a suspended generator) → its thread's ident and when it began (monotonic)."""
_lock = threading.Lock()
_watched_in: int | None = None
"""The process whose watcher runs (a forked worker starts its own)."""
_ending = False
"""The process is ending: its watcher arms no more stall reports (its thread may be stopped
for good while the process still tidies up)."""


@contextmanager
def holding(dialect: str = "") -> Iterator[None]:
    """The current thread holds a write transaction (on a database of ``dialect``) while
    this is open."""
    token = object()
    with _lock:
        _held[token] = (threading.get_ident(), time.monotonic())
    try:
        yield
    finally:
        current = budget.current()
        with _lock:
            _, began = _held.pop(token)
            hold = Hold(current.what if current else "", began, time.monotonic() - began)
            _ended.append(hold)
        metrics.WRITE_LOCK_HELD.labels(dialect or "unknown").observe(hold.seconds)


def recent_holds() -> list[Hold]:
    """The write transactions that ended last in this process (:data:`RECENT` at most)."""
    with _lock:
        return list(_ended)


def watch() -> None:
    """Watch this process's write transactions from now on (once per process)."""
    global _watched_in  # noqa: PLW0603 - once per process: the process's own state
    with _lock:
        if _watched_in == os.getpid():
            return
        _watched_in = os.getpid()
    atexit.register(_end)
    threading.Thread(target=_watching_loop, daemon=True, name="write transactions").start()


def _before_fork() -> None:
    """A forked process gets no armed stall report (its thread does not come along: the
    child would wait for it for ever when it ends) and a lock of its own (the watcher may
    hold this one at the fork); its own :func:`watch` starts its own watcher."""
    faulthandler.cancel_dump_traceback_later()  # (the parent's watcher arms it again)


def _after_fork_in_child() -> None:
    global _lock  # noqa: PLW0603 - a forked child's own lock (see _before_fork)
    _lock = threading.Lock()


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def _end() -> None:
    global _ending  # noqa: PLW0603 - the process ends: its state, not an object's
    with _lock:
        _ending = True
        faulthandler.cancel_dump_traceback_later()


def _watching_loop() -> None:
    reported: set[object] = set()
    while True:
        before = time.monotonic()
        with _lock:
            if _ending:
                return
            # (None, as faulthandler reads it: sys.stderr)
            faulthandler.dump_traceback_later(STALL_SECONDS, file=sys.__stderr__ or sys.stderr)
        time.sleep(1.0)
        faulthandler.cancel_dump_traceback_later()
        now = time.monotonic()
        if now - before > STALL_SECONDS:
            logger.warning("this process (%d) did not run for %.0f s: the machine paused, or a "
                           "thread held Python's interpreter lock (its stacks are on the standard "
                           "error); every request waited", os.getpid(), now - before - 1.0)
        with _lock:
            long_held = [(token, ident, began) for token, (ident, began) in _held.items()
                         if now - began > LONG_SECONDS and token not in reported]
            reported &= _held.keys()
        for token, ident, began in long_held:
            reported.add(token)
            frame = sys._current_frames().get(ident)
            where = "".join(traceback.format_stack(frame, limit=12)) if frame else "(ended)\n"
            logger.warning("a write transaction has held its lock for %.0f s; its thread is "
                           "at:\n%s", now - began, where)
