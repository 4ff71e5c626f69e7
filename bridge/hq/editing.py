"""HQ-side work on activities: add, edit, complete, delete (recoverably), restore.

Only activities of origin ``hq`` or ``client`` may be changed here; mobile-originated ones are
read-only outside the import (:class:`bridge.hq.errors.ReadOnly`).
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.employees import get_employee
from bridge.hq.errors import NotFound, ReadOnly
from bridge.hq.numbering import next_number
from bridge.hq.placement import default_href, default_uid
from bridge.hq.rules.status import status_by_time
from bridge.hq.writes import activity_changed, create_activity
from bridge.models import (
    Activity,
    Customer,
    Kind,
    Origin,
    SalesChannel,
    Status,
    offset_minutes,
)
from bridge.models.base import require_fits

DEFAULT_PRIORITY = 5
DEFAULT_DURATION = timedelta(hours=1)
OPEN = (Status.PLANNED, Status.DELAYED)


@dataclass(frozen=True)
class ActivityFields:
    """Fields of an activity as HQ users give them; None means "not given"."""

    name: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    priority: int | None = None
    description: str | None = None
    customer: str | None = None
    representative: str | None = None
    private: bool | None = None


@dataclass(frozen=True)
class LocalTime:
    """A wall-clock time in a zone, as a form gives it, resolved to an instant."""

    instant: datetime
    """Aware, in the zone (its offset is the one daylight saving gives that date)."""
    note: str | None = None
    """Said to the user when the wall clock shows this time twice (which one was taken)."""


def local_time(wall: datetime, zone: str) -> LocalTime:
    """``wall`` (naive) on the clocks of ``zone``. A time the clocks skip (the hour daylight
    saving time begins) is refused; of a time they show twice (the hour it ends) the first
    is taken, and the note says so."""
    tz = ZoneInfo(zone)
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return LocalTime(first)
    if _round_trip(first) != wall:
        raise InvalidInput(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks jump forward "
            f"{_jump(first, second)} that night (daylight saving time); choose another time")
    return LocalTime(first, f"{wall:%Y-%m-%d %H:%M} happens twice in {zone} (the clocks go "
                            f"back that night): taken as the first, {_offset_name(first)} "
                            f"({first.astimezone(UTC):%H:%M} UTC), not the second, "
                            f"{_offset_name(second)}")


def _round_trip(value: datetime) -> datetime:
    """``value``'s wall clock after a round trip through UTC: another one in a gap."""
    return value.astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None)


def _jump(before: datetime, after: datetime) -> str:
    """How far the clocks move between two readings of one wall-clock time."""
    span = (after.utcoffset() or timedelta()) - (before.utcoffset() or timedelta())
    minutes = abs(int(span.total_seconds() // 60))
    return "an hour" if minutes == 60 else f"{minutes} minutes"


def _offset_name(value: datetime) -> str:
    """``UTC+02:00`` of an aware datetime."""
    offset = value.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def find_activity(session: Session, number: str, *, deleted: bool = False,
                  for_update: bool = False) -> Activity:
    """Activity ``number``; ``for_update`` locks it (and reads its latest committed version)
    until the transaction ends, as every change does first (see bridge.infra.locks)."""
    query = select(Activity).where(Activity.number == number)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    activity = session.scalars(query).one_or_none()
    if activity is None or (activity.deleted_at is not None and not deleted):
        raise NotFound(f"there is no activity {number}")
    return activity


def writable(session: Session, number: str, *, deleted: bool = False) -> Activity:
    activity = find_activity(session, number, deleted=deleted, for_update=True)
    if activity.read_only_because:
        raise ReadOnly(activity.read_only_because)
    return activity


def add_activity(
    session: Session, kind: Kind, given: ActivityFields, now: datetime,
    origin: Origin = Origin.HQ, uid: str | None = None, href: str | None = None,
) -> Activity:
    """A new HQ (or client) activity; a client passes the UID and href it named the item by."""
    if not given.name:
        raise InvalidInput("an activity needs a name")
    if given.representative is None:
        raise InvalidInput("an activity needs a representative")
    if kind is Kind.APPOINTMENT and given.start is None:
        raise InvalidInput("an appointment needs a start time")
    number = next_number(session, origin)
    uid = uid or default_uid(number, None)
    activity = Activity(
        number=number, kind=kind, origin=origin, status=Status.PLANNED,
        name=given.name, priority=DEFAULT_PRIORITY, description="",
        created_at=now, modified_at=now, revision=1, uid=uid, private=False,
        href=href or default_href(number, None),
    )
    if kind is Kind.APPOINTMENT and given.end is None and given.start is not None:
        given = replace(given, end=given.start + DEFAULT_DURATION)
    _apply(session, activity, given, now)
    return create_activity(session, activity)


def edit_activity(
    session: Session, number: str, given: ActivityFields, now: datetime
) -> Activity:
    activity = writable(session, number)
    representative_before = activity.representative_id
    _apply(session, activity, given, now)
    activity_changed(session, activity, now, representative_before)
    return activity


def complete_activity(
    session: Session, number: str, on: datetime, by: str, *, unprocessed: bool = False
) -> Activity:
    activity = writable(session, number)
    activity.status = Status.COMPLETED_UNPROCESSED if unprocessed else Status.COMPLETED
    activity.completed_on = on
    activity.completed_by = by
    activity_changed(session, activity, on)
    return activity


def reopen_activity(session: Session, number: str, now: datetime) -> Activity:
    activity = writable(session, number)
    activity.completed_on = None
    activity.completed_by = None
    activity.status = status_by_time(activity.kind is Kind.TASK, activity.end_at, now)
    activity_changed(session, activity, now)
    return activity


def delete_activity(session: Session, number: str, now: datetime) -> Activity:
    """Soft delete: the activity disappears from lists and calendars until restored."""
    activity = writable(session, number)
    activity.deleted_at = now
    activity_changed(session, activity, now)
    return activity


def restore_activity(session: Session, number: str, now: datetime) -> Activity:
    activity = writable(session, number, deleted=True)
    if activity.deleted_at is None:
        raise InvalidInput(f"activity {number} is not deleted")
    activity.deleted_at = None
    activity_changed(session, activity, now)
    return activity


def _apply(session: Session, activity: Activity, given: ActivityFields, now: datetime) -> None:
    _apply_own_fields(activity, given)
    if given.start is not None:
        activity.start_at, activity.start_offset = given.start, offset_minutes(given.start)
    if given.end is not None:
        activity.end_at, activity.end_offset = given.end, offset_minutes(given.end)
    if activity.start_at and activity.end_at and activity.end_at < activity.start_at:
        raise InvalidInput(
            f"the end {activity.local_end} is before the start {activity.local_start}"
        )
    if given.customer is not None:
        _set_customer(session, activity, given.customer)
    if given.representative is not None:
        _set_representative(session, activity, given.representative)
    activity.sales_channel = _sales_channel(activity)
    if activity.status in OPEN:
        activity.status = status_by_time(activity.kind is Kind.TASK, activity.end_at, now)


def _apply_own_fields(activity: Activity, given: ActivityFields) -> None:
    """The fields that need nothing but themselves: name, priority, description, private."""
    if given.name is not None:
        if not given.name.strip():
            raise InvalidInput("the name may not be empty")
        activity.name = require_fits(Activity.name, given.name.strip(), "the name")
    if given.priority is not None:
        if not 1 <= given.priority <= 9:
            raise InvalidInput(f"priority {given.priority} is outside 1 (highest) … 9 (lowest)")
        activity.priority = given.priority
    if given.description is not None:
        activity.description = given.description
    if given.private is not None:
        activity.private = given.private


def _set_customer(session: Session, activity: Activity, number: str) -> None:
    if number == "":
        activity.customer, activity.customer_address = None, None
        return
    customer = session.scalars(select(Customer).where(Customer.number == number)).one_or_none()
    if customer is None:
        raise NotFound(f"there is no customer {number} in HQ")
    activity.customer = customer
    activity.customer_address = customer.address


def _set_representative(session: Session, activity: Activity, login: str) -> None:
    employee = get_employee(session, login)
    if not employee.eligible:
        raise InvalidInput(f"{login} is not an active sales representative")
    activity.representative = employee


def _sales_channel(activity: Activity) -> SalesChannel | None:
    """The customer's sales channel, else the representative's if they have only one."""
    if activity.customer is not None and activity.customer.sales_channel is not None:
        return activity.customer.sales_channel
    channels = activity.representative.sales_channels if activity.representative else []
    return channels[0] if len(channels) == 1 else None
