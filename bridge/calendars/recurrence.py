"""How often an item may recur: never denser than :data:`MAX_INSTANCES_PER_YEAR`.

Searching or expanding a recurring item walks its occurrences from its first one, so an item
that recurs every second (or every minute, or every hour for years) makes every time-range
search of its calendar walk millions of occurrences, and an expanded report grow without
bound. Such an item is refused when it is stored, with RFC 4791's ``CALDAV:max-instances``
precondition. Sales appointments and tasks recur daily at most, a few times a day at most.
"""

import itertools
from collections.abc import Iterable
from datetime import date, timedelta

from bridge.calendars.writeback import Forbidden

MAX_INSTANCES_PER_YEAR = 1000
YEAR = timedelta(days=365)
MAX_COMPONENTS = 500
"""Components of one item (events, their exceptions, alarms): every search and sync of its
calendar reads them all. A year of a weekly series with an exception each week is 53."""
MAX_RULES = 5
"""Recurrence rules of one component (RFC 5545 allows one; each more multiplies the work of
walking its occurrences)."""


class TooFrequent(Forbidden):
    precondition = "max-instances"


class TooComplex(Forbidden):
    """An item of more parts than any calendar needs (:data:`MAX_COMPONENTS`, :data:`MAX_RULES`)."""


def check_complexity(components: int, rules: int) -> None:
    """Refuse an item of ``components`` components whose most recurrence rules (RRULE,
    EXRULE) in one component are ``rules``."""
    if components > MAX_COMPONENTS:
        raise TooComplex(f"the item has {components} components (events, alarms…); at most "
                         f"{MAX_COMPONENTS} are kept")
    if rules > MAX_RULES:
        raise TooComplex(f"a component of the item has {rules} recurrence rules; at most "
                         f"{MAX_RULES} are kept")


def check_density(occurrences: Iterable[date]) -> None:
    """Refuse a recurrence with more than MAX_INSTANCES_PER_YEAR occurrences in the year
    from its first one (only that many are looked at)."""
    first = last = None
    count = 0
    for count, last in enumerate(itertools.islice(occurrences, MAX_INSTANCES_PER_YEAR + 1), 1):
        if first is None:
            first = last
    if count > MAX_INSTANCES_PER_YEAR and last - first < YEAR:  # type: ignore[operator]
        raise TooFrequent(f"the item recurs more than {MAX_INSTANCES_PER_YEAR} times a year")
