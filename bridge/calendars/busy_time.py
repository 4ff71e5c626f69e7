"""A representative's busy time over a span: the events of their appointments (HQ, client and
mobile ones), read from the texts the calendar server serves, their recurrences walked only
inside the span, with a budget (``bridge.infra.budget``). Whose busy time may be read:
``bridge.hq.busy_time``.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bridge.calendars.layout import collection_path
from bridge.calendars.store import CalendarStore
from bridge.errors import InvalidInput
from bridge.hq.placement import Projection
from bridge.hq.settings import WindowSettings, floating_zone, today, window_settings, zone_of
from bridge.hq.windows import day_start
from bridge.ical.freebusy import Period, busy_periods
from bridge.ical.render import add_missing_timezones
from bridge.infra import budget
from bridge.models import Employee

LONGEST = timedelta(days=366)
"""The longest span asked for at once (a year: what planning needs, and a bound on walks)."""
DEFAULT_BEFORE, DEFAULT_AFTER = 14, 56
"""The span when none is asked for: two weeks back, eight weeks ahead (days)."""
SOURCES = (Projection.APPOINTMENTS, Projection.MOBILE)


def default_span(settings: WindowSettings, now: datetime) -> tuple[datetime, datetime]:
    """Two weeks back to eight weeks ahead, whole days in the representative's zone (of
    their ``settings``)."""
    day = today(settings, now)
    zone = zone_of(settings)
    return (day_start(day - timedelta(days=DEFAULT_BEFORE), zone),
            day_start(day + timedelta(days=DEFAULT_AFTER), zone))


def check_span(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput(f"the span ends ({end:%Y-%m-%d %H:%M}) before it starts "
                           f"({start:%Y-%m-%d %H:%M})")
    if end - start > LONGEST:
        raise InvalidInput(f"a span of free/busy time is at most {LONGEST.days} days; "
                           f"{(end - start).days} days were asked for")


def busy_time(store: CalendarStore, employee: Employee, start: datetime,
              end: datetime) -> list[Period]:
    """The representative's busy periods in [start, end) (not merged)."""
    check_span(start, end)
    settings = window_settings(store.session, employee.id)
    zone = ZoneInfo(floating_zone(settings, store.server_zone))
    paths = [collection_path(employee.login, each) for each in SOURCES]
    periods: list[Period] = []
    low, high = int(start.astimezone(UTC).timestamp()), int(end.astimezone(UTC).timestamp())
    for path in paths:
        collection = store.collection(path, *paths)
        if collection is None:
            continue
        for item in budget.bounded(store.items_in_range(collection, "VEVENT", low, high)):
            calendar = Calendar.from_ical(item.serialize())
            add_missing_timezones(calendar)  # (a client may leave its zones out)
            periods.extend(busy_periods(calendar, start, end, zone))
    return periods
