"""A block of pure-Python work that would never end is stopped at its limit of CPU time, and
a block that ends in time is never interrupted later."""

import time

import pytest
from dateutil.rrule import rrulestr

from bridge.infra.interrupt import TookTooLong, at_most
from tests.clock import NOW


def test_a_walk_that_never_yields_is_stopped_at_its_limit() -> None:
    rule = rrulestr("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", dtstart=NOW.replace(tzinfo=None))
    started = time.monotonic()
    with pytest.raises(TookTooLong), at_most(0.2):
        next(iter(rule), None)
    assert 0.2 <= time.monotonic() - started < 10  # (0.2 s of its own CPU time)


def test_blocks_that_end_in_time_leave_nothing_behind() -> None:
    interrupted = 0
    for _ in range(2000):
        try:
            with at_most(0.0005):
                sum(range(200))
        except TookTooLong:
            interrupted += 1
    for _ in range(200_000):  # bytecodes enough for a stray exception to surface
        pass
    time.sleep(0.2)
    assert interrupted < 2000
