"""Synchronization windows: which activities a representative's client is served.

A bound is a date (``2026-01-01``) or a number of days relative to today (``-30d``, ``+365d``,
``0d`` for today). Relative bounds move with the calendar, which is what a representative
expects from "the last three months and the next year".
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from bridge.errors import InvalidInput

_RELATIVE = re.compile(r"^([+-]?)(\d{1,5})d$")


def parse_bound(text: str) -> str:
    """Validate a bound and return its canonical text (``+365d``, ``-30d``, ``2026-01-01``)."""
    value = text.strip().lower()
    if value == "today":
        return "0d"
    match = _RELATIVE.match(value)
    if match:
        sign, digits = match.groups()
        days = -int(digits) if sign == "-" else int(digits)
        return f"{days:+d}d" if days else "0d"
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(
            f"window bound {text!r} is neither a date (2026-01-01) nor days from today "
            "(-30d, +365d)"
        ) from None


def resolve_bound(bound: str, today: date) -> date:
    match = _RELATIVE.match(bound)
    if match:
        sign, days = match.groups()
        return today + timedelta(days=-int(days) if sign == "-" else int(days))
    return date.fromisoformat(bound)


@dataclass(frozen=True)
class Window:
    """The half-open UTC interval [start, end) of a window on a given day, and the days it
    was given as (the first and the last day, in the representative's zone)."""

    start: datetime
    end: datetime
    first_day: date | None = None
    last_day: date | None = None

    def same_instants(self, other: "Window") -> bool:
        return (self.start, self.end) == (other.start, other.end)

    def days(self) -> str:
        """The window as people gave it: ``2026-01-01 … 2027-12-31``."""
        return f"{self.first_day} … {self.last_day}"

    def latest(self) -> datetime:
        """The last instant inside (RFC 4791's ``max-date-time``, to the second)."""
        return self.end - timedelta(seconds=1) if self.end < LATEST else LATEST

    def contains(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether an activity (start/end, either may be missing) overlaps the window."""
        first = start or end
        last = end or start
        if first is None or last is None:
            return True
        return first < self.end and last >= self.start

    def selects(self, first: ColumnElement[Any], last: ColumnElement[Any]) -> ColumnElement[bool]:
        """:meth:`contains` in SQL, for rows whose first and last instants are given (both
        NULL for an undated row)."""
        return overlapping(first, last, self.start, self.end)


def overlapping(first: ColumnElement[Any], last: ColumnElement[Any], start: datetime,
                end: datetime, strict: bool = False) -> ColumnElement[bool]:
    """Rows whose [first, last] overlaps [start, end) — undated rows always do; ``strict``:
    touching ``start`` is not enough (a CalDAV time-range)."""
    return or_(first.is_(None), and_(first < end, last > start if strict else last >= start))


def window(start_bound: str, end_bound: str, today: date, zone: tzinfo = UTC) -> Window:
    """The window of these bounds on ``today``: from the start of its first day to the end
    of its last day, both in ``zone`` (the representative's)."""
    first = resolve_bound(start_bound, today)
    last = resolve_bound(end_bound, today)
    if last < first:
        raise InvalidInput(f"the window ends ({last}) before it starts ({first})")
    return Window(day_start(first, zone), day_end(last, zone), first, last)


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(microsecond=0, tzinfo=UTC)
"""The end of the last window (whole seconds, as sync tokens write it)."""


def day_start(day: date, zone: tzinfo = UTC) -> datetime:
    """The instant ``day`` begins in ``zone``, in UTC (the first day the calendar knows,
    0001-01-01, begins at its first instant)."""
    if day == date.min:
        return EARLIEST
    try:
        return datetime.combine(day, time.min, zone).astimezone(UTC)
    except OverflowError:
        return EARLIEST


def day_end(day: date, zone: tzinfo = UTC) -> datetime:
    """The instant ``day`` ends in ``zone``, in UTC: the next day's start (the last day the
    calendar knows, 9999-12-31 — "no end" to some — ends at its last instant)."""
    if day == date.max:
        return LATEST
    try:
        return datetime.combine(day + timedelta(days=1), time.min, zone).astimezone(UTC)
    except OverflowError:
        return LATEST
