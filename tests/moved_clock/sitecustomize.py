"""Loaded by every Python process of a test run under a moved clock (``tests/moved_clock/run``).

libfaketime (Debian's 0.9.10) moves the time of day ahead; it must leave the monotonic clock
alone (``FAKETIME_DONT_FAKE_MONOTONIC=1``), or waits with a timeout never return. That mode
fails the absolute ``clock_nanosleep`` that ``time.sleep`` uses with EINVAL, so here a sleep
is a ``select`` with a timeout, which libfaketime leaves as it is.
"""

import os
import select
import time

if os.environ.get("FAKETIME"):

    def _sleep(seconds: float) -> None:
        select.select([], [], [], seconds)

    time.sleep = _sleep
