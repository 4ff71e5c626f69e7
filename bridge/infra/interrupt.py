"""A hard time limit for a block of pure-Python work that may never return on its own.

Some walks cannot be bounded from outside by counting what they yield: ``dateutil``, asked
for the occurrences of a rule that has none (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31``), loops
through every period to the year 9999 without yielding once. :func:`at_most` interrupts
such a block: when its time is up, the thread running it gets :class:`TookTooLong` raised
inside whatever it is doing (CPython delivers it between two bytecodes). Use it only around
computing that holds no lock and writes nothing: the exception may land anywhere inside.
"""

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TookTooLong(Exception):
    """The block ran past its time limit (raised inside it)."""


def _raise_in(thread: int, error: type[BaseException] | None) -> None:
    """Have ``thread`` raise ``error`` at its next bytecode (None: no longer)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(error) if error else None)


@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Run the block; if it has not ended after ``seconds``, raise TookTooLong in it."""
    thread = threading.get_ident()
    guard = threading.Lock()
    state = {"running": True, "fired": False}

    def fire() -> None:
        with guard:
            if state["running"]:
                state["fired"] = True
                _raise_in(thread, TookTooLong)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    try:
        timer.start()
        yield
    finally:
        timer.cancel()
        with guard:
            state["running"] = False
            if state["fired"]:  # (not raised yet if the block ended just as time ran out)
                _raise_in(thread, None)
