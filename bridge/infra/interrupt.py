"""A hard limit on the work of a block of pure-Python code that may never return on its own.

Some walks cannot be bounded from outside by counting what they yield: ``dateutil``, asked
for the occurrences of a rule that has none (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31``), loops
through every period to the year 9999 without yielding once. :func:`at_most` interrupts
such a block: once it has used its seconds of CPU time (time the thread waited for the
processor on a busy machine does not count), the thread running it gets :class:`TookTooLong`
raised inside whatever it is doing (CPython delivers it between two bytecodes). Use it only
around computing that holds no lock and writes nothing: the exception may land anywhere in it.
"""

import ctypes
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

REARM_SECONDS = 0.001
"""How soon a timer that fired before the block began looks again."""


class TookTooLong(Exception):
    """The block ran past its limit (raised inside it)."""


def _raise_in(thread: int, error: type[BaseException] | None) -> None:
    """Have ``thread`` raise ``error`` at its next bytecode (None: no longer)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(error) if error else None)


def _cpu_clock(thread: int) -> Callable[[], float]:
    """The CPU time ``thread`` has used (its wall time where there is no such clock)."""
    if hasattr(time, "pthread_getcpuclockid"):
        clock = time.pthread_getcpuclockid(thread)
        return lambda: time.clock_gettime(clock)
    return time.monotonic


@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Run the block; once it has used ``seconds`` of CPU time, raise TookTooLong in it."""
    thread = threading.get_ident()
    used = _cpu_clock(thread)
    began = used()
    guard = threading.Lock()
    state = {"running": True, "fired": False, "entered": False}

    def look() -> None:
        with guard:
            if not state["running"]:
                return
            left = seconds - (used() - began)
            if left > 0 or not state["entered"]:  # (it waited for the processor meanwhile,
                _arm(max(left, REARM_SECONDS))  # or is still starting this timer's thread)
                return
            state["fired"] = True
            _raise_in(thread, TookTooLong)

    def _arm(after: float) -> None:
        timer = threading.Timer(after, look)
        timer.daemon = True
        timers.append(timer)
        timer.start()

    timers: list[threading.Timer] = []
    try:
        _arm(seconds)  # (its exception must not land in threading's code starting the timer)
        with guard:
            state["entered"] = True
        yield
    finally:
        with guard:
            state["running"] = False
            for timer in timers:
                timer.cancel()
            if state["fired"]:  # (not raised yet if the block ended just as time ran out)
                _raise_in(thread, None)
