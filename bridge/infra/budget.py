"""A request's budget: how many seconds of work it may take before it is stopped.

Work is the CPU time of the request's thread (on Linux; elsewhere the time it has run): a
request is not charged for waiting — for the database, for another writer's lock, for
Python's interpreter lock while other requests run — only for what it computes, so a loaded
server does not refuse requests that an idle one would answer. Nor for a full collection of
Python's garbage that happens to run on its thread: it walks every object of the process,
whatever the request is (seconds, in a large process), and stops every thread alike.

The server gives each request a budget (``storage_plugin.wsgi``: ``[storage] request_budget``
for writes, ``report_budget`` for reads) with :func:`limited`. Work that may run long — a walk
over recurrences, a loop over many items — calls :func:`check` now and then, or iterates
through :func:`bounded`; once the budget is spent these raise :class:`OverBudget`. The server
answers that request ``503`` with ``Retry-After``, and its transaction is rolled back (so its
locks are freed). Outside a request (HQ commands, imports, tests) there is no budget and both
cost next to nothing, so domain code may call them anywhere::

    from bridge.infra import budget

    for occurrence in budget.bounded(rule):     # raises OverBudget once the time is up
        ...
    budget.check()                              # the same, once

Work that never calls :func:`check` cannot be stopped this way (a thread cannot be
stopped from outside): :func:`overdue` lists requests still running at :data:`HARD_LIMIT`
times their budget, for a watchdog (``storage_plugin.workers`` replaces such a process;
:func:`watch` logs them in the server run in a thread, which cannot).
"""

import gc
import logging
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

REQUEST_BUDGET_SECONDS = 5.0
"""Seconds of work a write request (PUT, DELETE, MOVE, PROPPATCH, MKCOL…) may take."""
REPORT_BUDGET_SECONDS = 30.0
"""Seconds of work a read request (REPORT, PROPFIND, GET) may take."""
HARD_LIMIT = 4.0
"""A request still running at this many times its budget counts as stuck (its thread never
calls :func:`check`): its process is replaced (``--workers``) or, alone, logs it."""
WATCH_SECONDS = 1.0

T = TypeVar("T")

logger = logging.getLogger("bridge.budget")


@dataclass(eq=False)
class Budget:
    """The budget of one request (all times ``time.monotonic()``)."""

    seconds: float
    """The seconds of work it may take."""
    what: str = ""
    """The request, for the log ("PUT /bwilson/appointments/x.ics")."""
    user: str = ""
    """Who sent it, as far as known."""
    hard_limit: float = HARD_LIMIT
    """Times :attr:`seconds` after which the request counts as stuck (0: never)."""
    thread: int = field(default_factory=threading.get_ident)
    clock: int | None = field(default_factory=lambda: _cpu_clock(threading.get_ident()))
    """The CPU-time clock of its thread (None where there is none: then the time it ran)."""
    started: float = field(default_factory=time.monotonic)
    started_work: float = 0.0
    """Its thread's CPU time when it began (on :attr:`clock`)."""
    waited: float = 0.0
    """Seconds spent waiting (:func:`paused`), which do not count (without a CPU clock)."""
    waiting_since: float | None = None
    next_look: float = 0.0
    """Before this moment (monotonic) the budget cannot be spent: CPU time grows no faster
    than time, and reading a thread's CPU clock costs ten times as much."""
    exceeded: bool = False
    """:func:`check` has found the budget spent (and raised :class:`OverBudget`)."""
    reported: bool = False
    """A watchdog has reported it stuck."""

    collected_before: float = 0.0
    """Seconds its thread had spent in full garbage collections when it began."""

    def __post_init__(self) -> None:
        self.started_work = self._work_clock()
        self.next_look = self.started + self.seconds
        self.collected_before = _collected.get(self.thread, 0.0)

    def _work_clock(self) -> float:
        if self.clock is not None:
            try:
                return time.clock_gettime(self.clock)
            except OSError:  # (its thread has ended)
                self.clock = None
        return time.monotonic()

    def spent(self) -> float:
        """Seconds of work so far (waiting and full garbage collections left out)."""
        collected = _collected.get(self.thread, 0.0) - self.collected_before
        if self.clock is not None:
            work = self._work_clock()
            if self.clock is not None:
                return work - self.started_work - collected
        now = time.monotonic()
        waiting = now - self.waiting_since if self.waiting_since is not None else 0.0
        return now - self.started - self.waited - waiting - collected

    def stuck(self) -> bool:
        """Whether it has run past its hard limit."""
        return self.hard_limit > 0 and self.spent() > self.seconds * self.hard_limit

    def where(self) -> str:
        """Where its thread is now (a stack, innermost last)."""
        frame = sys._current_frames().get(self.thread)
        return "".join(traceback.format_stack(frame, limit=16)) if frame else "(ended)\n"


class OverBudget(BaseException):
    """The request's budget is spent: the request stops and changes nothing.

    A ``BaseException`` (as ``KeyboardInterrupt`` is), so that ``except Exception`` between
    the check and the request's end (Radicale's handlers, parsers) does not take it for an
    error of the data and carry on; a transaction it passes through rolls back."""

    def __init__(self, budget: Budget) -> None:
        super().__init__(f"{budget.what or 'the request'} took more than {budget.seconds:g} s "
                         "of work")
        self.budget = budget


def _cpu_clock(thread: int) -> int | None:
    try:
        return time.pthread_getcpuclockid(thread)
    except (AttributeError, OSError):  # (not on macOS and Windows)
        return None


_collecting: dict[int, float] = {}
"""Threads in a full garbage collection: the time it began (``time.thread_time``)."""
_collected: dict[int, float] = {}
"""Seconds each thread has spent in full garbage collections."""


def _on_collection(phase: str, info: dict[str, int]) -> None:
    """(``gc.callbacks``: called on the thread that runs the collection.)"""
    if info.get("generation") != 2:  # (the young generations' are short)
        return
    thread = threading.get_ident()
    if phase == "start":
        _collecting[thread] = time.thread_time()
        return
    began = _collecting.pop(thread, None)
    if began is not None:
        _collected[thread] = _collected.get(thread, 0.0) + time.thread_time() - began


gc.callbacks.append(_on_collection)


_current: ContextVar[Budget | None] = ContextVar("bridge_budget", default=None)
_running: dict[int, Budget] = {}
_lock = threading.Lock()


@contextmanager
def limited(seconds: float | None, what: str = "", user: str = "",
            hard_limit: float = HARD_LIMIT) -> Iterator[Budget | None]:
    """The work inside may take ``seconds`` (None or 0: no limit, and None is yielded)."""
    if not seconds or seconds <= 0:
        token = _current.set(None)
        try:
            yield None
        finally:
            _current.reset(token)
        return
    budget = Budget(seconds, what, user, hard_limit)
    token = _current.set(budget)
    with _lock:
        _running[id(budget)] = budget
    try:
        yield budget
    finally:
        with _lock:
            del _running[id(budget)]
        _current.reset(token)


def current() -> Budget | None:
    """The budget of the work this thread is doing (None: none)."""
    return _current.get()


def check() -> None:
    """Raise :class:`OverBudget` if the current budget is spent (nothing without one)."""
    budget = _current.get()
    if budget is None or budget.waiting_since is not None:
        return
    if not budget.exceeded:
        now = time.monotonic()
        if now < budget.next_look:
            return
        left = budget.seconds - budget.spent()
        if left >= 0:
            budget.next_look = now + left
            return
        budget.exceeded = True
    raise OverBudget(budget)


def bounded(items: Iterable[T]) -> Iterator[T]:
    """``items``, checking the budget (:func:`check`) before each: an endless or very long
    iterator (a recurrence rule's instances) ends in :class:`OverBudget` once it is spent."""
    for item in items:
        check()
        yield item


def remaining() -> float | None:
    """Seconds of work the current budget has left (None: no budget)."""
    budget = _current.get()
    return None if budget is None else budget.seconds - budget.spent()


@contextmanager
def paused() -> Iterator[None]:
    """Waiting (for a lock another writer holds), not working: the time inside is not
    counted (a thread's CPU time leaves it out anyway; this is for where there is no such
    clock), and a check inside does nothing."""
    budget = _current.get()
    if budget is None or budget.waiting_since is not None:
        yield
        return
    budget.waiting_since = time.monotonic()
    try:
        yield
    finally:
        waited = time.monotonic() - budget.waiting_since
        budget.waited += waited
        budget.next_look += waited
        budget.waiting_since = None


def exceeded() -> bool:
    """Whether the current budget was found spent (even if the OverBudget was caught)."""
    budget = _current.get()
    return budget is not None and budget.exceeded


def overdue() -> list[Budget]:
    """The requests of this process (every thread) that have run past their hard limit."""
    with _lock:
        running = list(_running.values())
    return [budget for budget in running if budget.stuck()]


def report_stuck(budget: Budget, consequence: str) -> None:
    """Log a stuck request once, loudly, with where its thread is."""
    if budget.reported:
        return
    budget.reported = True
    logger.critical("%s%s has run %.1f s, more than %g times its budget of %g s, without "
                    "checking it: %s. Its thread is at:\n%s", budget.what or "a request",
                    f" by {budget.user}" if budget.user else "", budget.spent(),
                    budget.hard_limit, budget.seconds, consequence, budget.where())


_watching = False


def watch() -> None:
    """Log every request of this process that runs past its hard limit (a process of its own
    cannot stop one of its threads: ``bridge serve``, under gunicorn, replaces such a process).
    Once per process."""
    global _watching  # noqa: PLW0603 - once per process: the process's own state
    with _lock:
        if _watching:
            return
        _watching = True
    threading.Thread(target=_watching_loop, daemon=True, name="request budgets").start()


def _watching_loop() -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        for budget in overdue():
            report_stuck(budget, "this single process cannot stop it; it keeps its thread "
                         "(and any lock it holds) until it ends — `bridge serve` replaces a "
                         "process that has such a request")
