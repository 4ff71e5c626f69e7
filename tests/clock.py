"""The tests' one clock: every date a test uses is built from it, never written as a literal.

``TODAY`` is the date the suite starts on (UTC; under libfaketime, the moved date), and ``NOW``,
the import clock every import is handed with ``--now``, is 09:00 UTC that day. Test data lies
whole days away from it, as wall-clock times in a named zone, so a suite run on any date, moved
years ahead, reads the same: "an appointment in six days at 09:00 in Warsaw". A test of a rule
that depends on the season (daylight saving time) asks for the next date that has it
(:func:`next_date`, :func:`next_transition`) instead of naming a year.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = "Europe/Warsaw"
"""The zone the test data is given in unless a test names another."""

TODAY: date = datetime.now(UTC).date()
NOW: datetime = datetime.combine(TODAY, time(9), UTC)
"""The import clock of the tests: 09:00 UTC on the day the suite started."""
NOW_ISO = NOW.isoformat()


def day(days: int) -> date:
    """The date ``days`` after today (before, if negative)."""
    return TODAY + timedelta(days=days)


def at(days: int, clock: str = "09:00", zone: str = WARSAW) -> datetime:
    """``clock`` (HH:MM) in ``zone`` on the date ``days`` from today, as an aware datetime."""
    return on(day(days), clock, zone)


def on(when: date, clock: str = "09:00", zone: str = WARSAW) -> datetime:
    """``clock`` (HH:MM) in ``zone`` on the date ``when``."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(when, time(hours, minutes), ZoneInfo(zone))


def iso(days: int, clock: str = "09:00", zone: str = WARSAW) -> str:
    """:func:`at` as ISO 8601 with its offset, as the exchange files, the CLI and JSON write it."""
    return at(days, clock, zone).isoformat()


def utc(days: int, clock: str = "09:00", zone: str = WARSAW) -> datetime:
    """:func:`at` as a UTC instant."""
    return at(days, clock, zone).astimezone(UTC)


def zulu(value: datetime) -> str:
    """``value`` as ISO 8601 in UTC with a ``Z``, as the mobile system writes its instants
    (``2027-01-05T08:00:00Z``)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def stamp(value: datetime | date) -> str:
    """An iCalendar DATE, local DATE-TIME (naive) or UTC DATE-TIME (``Z``) of ``value``:
    ``20270105``, ``20270105T090000``, ``20270105T080000Z``."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if value.tzinfo is None:
        return value.strftime("%Y%m%dT%H%M%S")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(days: int, clock: str = "09:00") -> str:
    """The wall-clock iCalendar DATE-TIME of ``clock`` ``days`` from today, without a zone
    (for ``TZID=…:`` values and floating times)."""
    return stamp(at(days, clock).replace(tzinfo=None))


def next_date(month: int, day_of_month: int, after: int = 30) -> date:
    """The first ``month``-``day_of_month`` at least ``after`` days from today (a date with a
    season a test needs, e.g. a July date in summer time)."""
    earliest = day(after)
    candidate = date(earliest.year, month, day_of_month)
    return candidate if candidate >= earliest else date(earliest.year + 1, month, day_of_month)


def next_transition(zone: str = WARSAW, after: int = 30, to_summer: bool = False) -> datetime:
    """The first daylight-saving change of ``zone`` at least ``after`` days from today (into
    summer time if ``to_summer``, else out of it), as the UTC instant it happens."""
    tz = ZoneInfo(zone)
    instant = datetime.combine(day(after), time(0), UTC)
    before = instant.astimezone(tz).dst()
    for _ in range(24 * 400):
        instant += timedelta(hours=1)
        now = instant.astimezone(tz).dst()
        if now != before and bool(now) == to_summer:
            return instant
        before = now
    raise ValueError(f"{zone} changes no clocks within 400 days")
