"""A representative's busy time over a span: the events of their appointments (HQ, client and
mobile ones), read from the texts the calendar server serves, their recurrences walked only
inside the span, with a budget (``bridge.infra.budget``).

Who may read it: every active employee (signed in) may read the busy time of every active
sales representative (``Employee.eligible``) of the same HQ database — nobody else's.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge.calendars.layout import collection_path
from bridge.calendars.store import CalendarStore
from bridge.errors import InvalidInput
from bridge.hq.placement import Projection
from bridge.hq.settings import floating_zone, today, window_settings, zone_of
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
MOST_ATTENDEES = 100
"""The most calendar users one free/busy request asks for (a team's, with room to spare)."""
MAILTO = "mailto:"

SUCCESS = "2.0;Success"
UNKNOWN = "3.7;Invalid calendar user"
NO_AUTHORITY = "3.8;No authority"
"""The request statuses of a free/busy request's answer for one attendee (RFC 5545 §3.8.8.3)."""


def default_span(store: CalendarStore, employee: Employee) -> tuple[datetime, datetime]:
    """Two weeks back to eight weeks ahead, whole days in the representative's zone."""
    settings = window_settings(store.session, employee.id)
    day = today(settings, store.now)
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


def shares_busy_time(employee: Employee) -> bool:
    """Whether signed-in employees may read ``employee``'s busy time (see the module)."""
    return bool(employee.eligible)


def representative(session: Session, login: str) -> Employee | None:
    """The employee ``login`` if their busy time may be read (None: unknown, or not)."""
    employee = session.scalar(select(Employee).where(Employee.login == login))
    return employee if employee is not None and shares_busy_time(employee) else None


@dataclass(frozen=True)
class Recipient:
    """One calendar user a free/busy request asks for, and what it is answered."""

    address: str
    """As the request wrote it (``mailto:bwilson@example.com``)."""
    status: str
    employee: Employee | None = None
    """Whose busy time answers it (None: the status says why none does)."""


def email_of(address: str) -> str | None:
    """The e-mail address of a ``mailto:`` calendar user address, in lower case."""
    if not address.lower().startswith(MAILTO):
        return None
    return address[len(MAILTO):].strip().lower() or None


def recipients(addresses: Sequence[str], employees: Iterable[Employee]) -> list[Recipient]:
    """Each address of a free/busy request with its answer: the busy time of the employee
    with that e-mail address if it may be read, else why not — nobody has that address
    (3.7), or their busy time is not shared (3.8: not an active representative). Among
    employees sharing an address, one whose busy time may be read answers."""
    by_email: dict[str, Employee] = {}
    for employee in sorted(employees, key=shares_busy_time):
        if employee.email:
            by_email[employee.email.strip().lower()] = employee
    answers = []
    for address in addresses:
        email = email_of(address)
        found = by_email.get(email) if email else None
        if found is None:
            answers.append(Recipient(address, UNKNOWN))
        elif not shares_busy_time(found):
            answers.append(Recipient(address, NO_AUTHORITY))
        else:
            answers.append(Recipient(address, SUCCESS, found))
    return answers


def addressed(session: Session, addresses: Iterable[str]) -> list[Employee]:
    """The employees with the e-mail address of one of ``addresses`` (in any case)."""
    emails = {email for email in map(email_of, addresses) if email}
    if not emails:
        return []
    return list(session.scalars(select(Employee).where(
        func.lower(func.trim(Employee.email)).in_(emails))))


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
