"""Cockpit: Activities — filter, sort and read activities the way HQ previews them."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from bridge.hq.employees import get_employee, team_of
from bridge.hq.roles import Reach
from bridge.infra.errors import InvalidInput
from bridge.models import (
    Activity,
    Customer,
    Employee,
    Kind,
    Origin,
    SalesChannel,
    Status,
    to_local,
)

WHEN = func.coalesce(Activity.start_at, Activity.end_at)
"""When an activity happens: its start, or for a task without one its due time."""

SORT_FIELDS = {
    "number": Activity.number,
    "name": Activity.name,
    "start": WHEN,
    "end": Activity.end_at,
    "status": Activity.status,
    "priority": Activity.priority,
    "kind": Activity.kind,
    "origin": Activity.origin,
    "customer": Customer.number,
    "customer_name": Customer.name,
    "representative": Employee.login,
    "channel": SalesChannel.name,
    "modified": Activity.modified_at,
}


@dataclass(frozen=True)
class ActivityFilter:
    representatives: Sequence[str] = ()
    team: str | None = None
    statuses: Sequence[Status] = ()
    origins: Sequence[Origin] = ()
    kinds: Sequence[Kind] = ()
    customers: Sequence[str] = ()
    channels: Sequence[str] = ()
    start_from: date | None = None
    start_to: date | None = None
    text: str | None = None
    deleted: bool = False
    sort: Sequence[str] = ("start", "number")
    limit: int | None = None
    offset: int = 0
    reach: Reach | None = None
    """Only the activities of the representatives someone may see (``bridge.hq.roles``)."""


Completer = aliased(Employee)


def _base() -> Select[Any]:
    return (
        select(Activity, Customer.number, Customer.name, Employee.login, Employee.name,
               SalesChannel.name, Completer.name)
        .join(Employee, Activity.representative_id == Employee.id)
        .outerjoin(Customer, Activity.customer_id == Customer.id)
        .outerjoin(SalesChannel, Activity.sales_channel_id == SalesChannel.id)
        .outerjoin(Completer, Activity.completed_by == Completer.login)
    )


def _filtered(session: Session, wanted: ActivityFilter) -> Select[Any]:
    query = _base()
    if wanted.deleted:
        query = query.where(Activity.deleted_at.is_not(None))
    else:
        query = query.where(Activity.deleted_at.is_(None))
    logins = [get_employee(session, login).login for login in wanted.representatives]
    if wanted.team:
        team = team_of(session, wanted.team)
        logins += [team.lead.login, *(member.login for member in team.members)]
    if logins:
        query = query.where(Employee.login.in_(logins))
    if wanted.reach is not None and not wanted.reach.everyone:
        query = query.where(Employee.login.in_(sorted(wanted.reach.logins)))
    if wanted.statuses:
        query = query.where(Activity.status.in_(wanted.statuses))
    if wanted.origins:
        query = query.where(Activity.origin.in_(wanted.origins))
    if wanted.kinds:
        query = query.where(Activity.kind.in_(wanted.kinds))
    if wanted.customers:
        query = query.where(Customer.number.in_(wanted.customers))
    if wanted.channels:
        query = query.where(SalesChannel.name.in_(wanted.channels))
    if wanted.start_from:
        query = query.where(WHEN >= _day_start(wanted.start_from))
    if wanted.start_to:
        query = query.where(WHEN < _day_start(wanted.start_to + timedelta(days=1)))
    if wanted.text:
        query = query.where(or_(*(
            column.ilike(f"%{_escaped(wanted.text)}%", escape="\\")
            for column in (Activity.name, Activity.description, Activity.number)
        )))
    return query


def _escaped(text: str) -> str:
    """``text`` matched literally by LIKE (its wildcards escaped)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sorted(session: Session, wanted: ActivityFilter) -> Select[Any]:
    return (_filtered(session, wanted).order_by(*_ordering(wanted.sort), Activity.id)
            .limit(wanted.limit).offset(wanted.offset or None))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _ordering(sort: Sequence[str]) -> list[Any]:
    ordering = []
    for key in sort:
        descending = key.startswith("-")
        name = key.lstrip("+-")
        if name not in SORT_FIELDS:
            raise InvalidInput(
                f"cannot sort by {name!r}; choose from {', '.join(sorted(SORT_FIELDS))} "
                "(prefix - for descending)"
            )
        column = SORT_FIELDS[name]
        ordering.append((column.desc() if descending else column.asc()).nulls_last())
    return ordering


@dataclass(frozen=True)
class ActivityView:
    """An activity with the names it refers to, as the cockpit shows and exports it."""

    activity: Activity
    customer_number: str | None
    customer_name: str | None
    representative_login: str
    representative_name: str
    sales_channel: str | None
    completed_by_name: str | None

    def as_record(self) -> dict[str, Any]:
        """The JSON/CSV shape (the fixed interface of `activities list --format json`)."""
        a = self.activity
        return {
            "number": a.number,
            "name": a.name,
            "subject": a.subject,
            "kind": a.kind.value,
            "origin": a.origin.value,
            "status": a.status.value,
            "start": _iso(to_local(a.start_at, a.start_offset)),
            "end": _iso(to_local(a.end_at, a.end_offset)),
            "priority": a.priority,
            "customer": self.customer_number,
            "customer_name": self.customer_name,
            "customer_address": a.customer_address,
            "representative": self.representative_login,
            "representative_name": self.representative_name,
            "sales_channel": self.sales_channel,
            "description": a.description,
            "mobile_status": a.mobile_status,
            "completed_on": _iso(a.completed_on),
            "completed_by": a.completed_by,
            "mobile_id": a.mobile_id,
            "frozen": a.frozen,
            "read_only": a.read_only_because is not None,
            "revision": a.revision,
            "modified_at": _iso(a.modified_at),
            "deleted_at": _iso(a.deleted_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def list_activities(session: Session, wanted: ActivityFilter) -> Iterator[ActivityView]:
    """The matching activities, streamed (a million rows do not sit in memory at once)."""
    result = session.execute(_sorted(session, wanted).execution_options(yield_per=1000))
    for row in result:
        yield ActivityView(*row)
        session.expunge(row[0])


def count_activities(session: Session, wanted: ActivityFilter, up_to: int) -> int:
    """How many activities match, counted up to ``up_to`` (a count of a million rows is not
    what a first page should wait for)."""
    matching = _filtered(session, wanted).with_only_columns(Activity.id).limit(up_to)
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def activity_view(session: Session, number: str, *, deleted: bool = True) -> ActivityView | None:
    query = _base().where(Activity.number == number)
    if not deleted:
        query = query.where(Activity.deleted_at.is_(None))
    row = session.execute(query).one_or_none()
    return ActivityView(*row) if row else None
