"""What a client's calendar object may ask of the server's walks through its recurrences.

Searching or expanding a recurring item walks its occurrences from its first one, and
``dateutil`` (which Radicale, vobject and icalendar use) walks a rule that never produces an
occurrence period by period to the year 9999, and one with ``INTERVAL=0`` for ever. So before
anything else reads a client's item (and before any lock is taken), :func:`check_calendar`
refuses, with RFC 4791's preconditions:

- a rule RFC 5545 does not allow (``INTERVAL`` or ``COUNT`` of 0 or less): invalid data;
- a rule that produces no occurrence in its first :data:`FIRST_YEARS` years, or whose first
  occurrences cannot be found within :data:`WALK_SECONDS` of work: never worth a walk;
- an item recurring more than :data:`MAX_INSTANCES_PER_YEAR` times a year (every second,
  minute, hour): every search of its calendar would walk millions of occurrences;
- an item of more parts than any calendar needs (:data:`MAX_COMPONENTS`, :data:`MAX_RULES`,
  :data:`MAX_DATES`); the dates are counted on the text, before anything parses it.

Sales appointments and tasks recur daily at most, a few times a day at most. The walks here
are bounded in count (:data:`MAX_INSTANCES_PER_YEAR`), span (a year from the first
occurrence) and time (:func:`bridge.infra.interrupt.at_most`).

An item stored before these checks (or by a server with a longer ``recurrence_check_seconds``)
may fail them: :func:`walk_refusal` says so, by the same checks, before a search walks it.
"""

import heapq
import itertools
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

from bridge.calendars.writeback import Forbidden
from bridge.infra.interrupt import TookTooLong, at_most

MAX_INSTANCES_PER_YEAR = 1000
YEAR = timedelta(days=365)
FIRST_YEARS = 10
"""A rule must produce an occurrence within this many years of its start."""
WALK_SECONDS = 0.5
"""CPU time one item's walks may take (``[storage] recurrence_check_seconds``)."""
MAX_COMPONENTS = 500
"""Components of one item (events, their exceptions, alarms): every search and sync of its
calendar reads them all. A year of a weekly series with an exception each week is 53."""
MAX_RULES = 5
"""Recurrence rules of one component (RFC 5545 allows one; each more multiplies the work of
walking its occurrences)."""
MAX_DATES = 2000
"""Dates one component may list in its RDATE properties, and in its EXDATE ones (each counted
on its own). Every parse, check, search and sync of the item reads them all: 30 000 to 50 000
took a PUT 2-5 s on an idle server, most of it parsing, and 13-28 s beside other work. A sales
series lists a few dozen (a weekly one over ten years with every other week cancelled: 260)."""
DATE_LISTS = ("RDATE", "EXDATE")
RULES = ("RRULE", "EXRULE")
RECURRING = ("RRULE", "RDATE", "EXRULE")
"""Properties that make an item's occurrences a walk (a text without them is never checked)."""
REMEMBERED = 10_000
"""Verdicts of :func:`walk_refusal` kept per process (by ETag: an item's text never changes
under one)."""


class TooFrequent(Forbidden):
    def __init__(self, message: str) -> None:
        super().__init__(message, "max-instances")


class InvalidRule(Forbidden):
    """A rule no walk should be asked to follow (RFC 4791 ``valid-calendar-data``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "valid-calendar-data")


class TooComplex(Forbidden):
    """An item of more parts than any calendar needs (:data:`MAX_COMPONENTS`, :data:`MAX_RULES`)."""


class TooManyDates(Forbidden):
    """A component listing more than :data:`MAX_DATES` dates (RFC 4791 ``max-instances``:
    RDATE's are its instances, EXDATE's cost as much)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "max-instances")


def check_calendar(text: str, seconds: float = WALK_SECONDS) -> Calendar | None:
    """Refuse a client's calendar object whose recurrences no server should walk (see the
    module); its parse and walks take at most ``seconds``. The object as parsed, for what
    reads it next; None for text that is no iCalendar (left to the parsers that say so)."""
    walking = ["the item"]
    check_dates(text)
    try:
        calendar = Calendar.from_ical(text)  # (linear in the item's size, which is bounded)
        with at_most(seconds):
            _check(calendar, walking)
        return calendar
    except (ValueError, TypeError, KeyError, OverflowError, OSError):
        return None  # (what no parser reads is refused by Radicale's, with 400)
    except TookTooLong:
        raise InvalidRule(f"{walking[0]} — its occurrences take more than {seconds:g} s "
                          "of work to find: it produces few or none") from None


_verdicts: OrderedDict[str, str | None] = OrderedDict()
_verdicts_lock = threading.Lock()


def walk_refusal(etag: str, text: Callable[[], str], seconds: float = WALK_SECONDS
                 ) -> str | None:
    """Why the stored item of ``etag`` (its ``text``) must not be walked — the reason
    :func:`check_calendar` gives — or None; remembered per ETag."""
    with _verdicts_lock:
        if etag in _verdicts:
            _verdicts.move_to_end(etag)
            return _verdicts[etag]
    written = text()
    verdict = None
    if any(name in written for name in RECURRING):
        try:
            check_calendar(written, seconds)
        except Forbidden as refused:
            verdict = str(refused)
    with _verdicts_lock:
        _verdicts[etag] = verdict
        while len(_verdicts) > REMEMBERED:
            _verdicts.popitem(last=False)
    return verdict


def _check(calendar: Calendar, walking: list[str]) -> None:
    """The checks of :func:`check_calendar`; ``walking`` names the rule being walked."""
    components = [part for part in calendar.walk() if part is not calendar]
    check_complexity(len(components), max(
        (len(_rules(part, name)) for part in components for name in RULES), default=0))
    for part in components:
        for name in RULES:
            for rule in _rules(part, name):
                _check_rule(name, rule)
    for part in components:
        if "DTSTART" not in part:
            continue
        start = _naive(part.decoded("DTSTART"))
        for name in RULES:
            for rule in _rules(part, name):
                walking[0] = _shown(name, rule)
                _check_first(name, rule, start)
        if "RRULE" in part or "RDATE" in part:
            walking[0] = f"the recurrences of the item's {part.name}"
            check_density(_occurrences(part, start))


def check_complexity(components: int, rules: int) -> None:
    """Refuse an item of ``components`` components whose most recurrence rules (RRULE,
    EXRULE) in one component are ``rules``."""
    if components > MAX_COMPONENTS:
        raise TooComplex(f"the item has {components} components (events, alarms…); at most "
                         f"{MAX_COMPONENTS} are kept")
    if rules > MAX_RULES:
        raise TooComplex(f"a component of the item has {rules} recurrence rules; at most "
                         f"{MAX_RULES} are kept")


_FOLDED = re.compile(r"\r?\n[ \t]")
_NAME = re.compile(r"[A-Za-z0-9-]++")
_TO_VALUE = re.compile(r'(?:[^":\r\n]++|"[^"]*+")*+:')
"""A content line's name and parameters, to the colon before its value (quoted text skipped)."""


def check_dates(text: str) -> None:
    """Refuse an item a component of which lists more than :data:`MAX_DATES` dates in its
    RDATE or in its EXDATE properties. Counted on the unfolded content lines, by their names
    and the commas of their values, before any parse (parsing 50 000 dates takes seconds); the
    parsers read what passes."""
    counted: list[Counter[str]] = [Counter()]  # (the dates of each component still open)
    for line in _FOLDED.sub("", text).splitlines():
        found = _NAME.match(line)
        if found is None:
            continue
        name = found.group().upper()
        if name == "BEGIN":
            counted.append(Counter())
        elif name == "END":
            if len(counted) > 1:
                counted.pop()
        elif name in DATE_LISTS:
            head = _TO_VALUE.match(line, found.end())
            if head is None:
                continue  # (no value: the parsers say what is wrong)
            counted[-1][name] += line.count(",", head.end()) + 1
            if counted[-1][name] > MAX_DATES:
                raise TooManyDates(f"a component of the item lists more than {MAX_DATES} "
                                   f"{name} dates; at most {MAX_DATES} are kept")


def check_density(occurrences: Iterator[datetime]) -> None:
    """Refuse a recurrence with more than MAX_INSTANCES_PER_YEAR occurrences in the year
    from its first one (only that many are looked at)."""
    first = next(occurrences, None)
    if first is None:
        return
    count = 1
    for last in itertools.islice(occurrences, MAX_INSTANCES_PER_YEAR):
        count += 1
        if last - first >= YEAR:
            return
    if count > MAX_INSTANCES_PER_YEAR:
        raise TooFrequent(f"the item recurs more than {MAX_INSTANCES_PER_YEAR} times a year")


def _rules(component: Component, name: str) -> list[Any]:
    found = component.get(name)
    return [] if found is None else found if isinstance(found, list) else [found]


def _check_rule(name: str, rule: Any) -> None:
    """A rule's INTERVAL and COUNT are positive (RFC 5545 §3.3.10)."""
    for part in ("INTERVAL", "COUNT"):
        for value in rule.get(part, ()):
            if not isinstance(value, int) or value <= 0:
                raise InvalidRule(f"{_shown(name, rule)} — {part} must be a positive number")


def _check_first(name: str, rule: Any, start: datetime) -> None:
    """Refuse a rule whose first occurrence is more than :data:`FIRST_YEARS` years after
    its start, or that has none."""
    first = next(_walk(rule, start), None)
    if first is None or first - start > FIRST_YEARS * YEAR:
        raise InvalidRule(f"{_shown(name, rule)} — it produces no occurrence in its first "
                          f"{FIRST_YEARS} years")


def _occurrences(component: Component, start: datetime) -> Iterator[datetime]:
    """The component's occurrences (RRULE and RDATE, in order, naive: the checks count and
    measure, a zone changes neither)."""
    dates = sorted(_naive(each.dt) for listed in _rules(component, "RDATE")
                   for each in listed.dts)
    return heapq.merge(*(_walk(rule, start) for rule in _rules(component, "RRULE")),
                       iter(dates))


def _walk(rule: Any, start: datetime) -> Iterator[datetime]:
    return iter(rrulestr(rule.to_ical().decode(), dtstart=start, ignoretz=True))


def _shown(name: str, rule: Any) -> str:
    return f"{name}:{rule.to_ical().decode(errors='replace')[:200]}"


def _naive(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if isinstance(value, tuple):  # a PERIOD: its start
        return _naive(value[0])
    raise ValueError(f"not a date or date-time: {value!r}")
