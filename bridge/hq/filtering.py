"""Filter, sort and read activities the way HQ previews them (the cockpit's Activities page,
the CLI's `activities list`, exports)."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, literal, literal_column, null, or_, select
from sqlalchemy.orm import Session, aliased

from bridge.errors import InvalidInput
from bridge.hq.privacy import busy_only, hidden_clause, hidden_from
from bridge.hq.roles import Reach, Staff
from bridge.ical.privacy import SHOWN_AS
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

SORT_WHEN = func.coalesce(Activity.start_at, Activity.end_at, Activity.created_at)
"""What "sorted by start" sorts by: when it happens, and a task without a date where it was
created (so "newest first" holds for every activity; an index serves it both ways)."""

SEARCH_TEXT = (Activity.number + literal_column("' '") + Activity.name + literal_column("' '")
               + Activity.description)
"""What free text is looked for in: number, name and description, as one text (PostgreSQL
finds it through a trigram index of exactly this expression: migration 0009)."""

SORT_FIELDS = {
    "number": Activity.number,
    "name": Activity.name,
    "start": SORT_WHEN,
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


HIDDEN_SORT_FIELDS = {"name": literal(SHOWN_AS), "customer": null(), "customer_name": null(),
                      "channel": null()}
"""The sort fields others' private activities hide, and what such an activity sorts as."""


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
    time_zone: str = "UTC"
    """The IANA zone whose whole days ``start_from`` and ``start_to`` are."""
    viewer: str | None = None
    """Who reads (a login; None: an operator's listing): others' private activities are
    shown as busy time only, and no text, customer or channel finds them
    (``bridge.hq.privacy``)."""


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
    query = _of_representatives(session, wanted, query)
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
    query = _in_dates(wanted, query)
    if wanted.text:
        query = query.where(SEARCH_TEXT.ilike(f"%{_escaped(wanted.text)}%", escape="/"))
    if wanted.text or wanted.customers or wanted.channels:
        query = query.where(~hidden_clause(Employee.login, wanted.viewer))
    return query


def _of_representatives(session: Session, wanted: ActivityFilter,
                        query: Select[Any]) -> Select[Any]:
    """``query`` limited to the representatives and team ``wanted`` names, within its reach.
    A login that names nobody matches nothing, as one outside the reach does: the answer
    does not tell who exists."""
    logins = set(wanted.representatives)
    if wanted.team:
        logins |= {wanted.team, *Staff.load(session).below(wanted.team)}
    if logins:
        query = query.where(Activity.representative_id.in_(
            select(Employee.id).where(Employee.login.in_(sorted(logins))).scalar_subquery()))
    if wanted.reach is not None and not wanted.reach.everyone:
        query = query.where(Activity.representative_id.in_(
            select(Employee.id).where(Employee.login.in_(sorted(wanted.reach.logins)))
            .scalar_subquery()))
    return query


def _in_dates(wanted: ActivityFilter, query: Select[Any]) -> Select[Any]:
    """``query`` limited to the days from ``wanted.start_from`` to ``wanted.start_to``."""
    # Where an activity has a date, it sorts by it (SORT_WHEN): the range on SORT_WHEN says
    # nothing more, but lets a database read a date range off the sort's index.
    if wanted.start_from:
        since = day_start(wanted.start_from, wanted.time_zone)
        query = query.where(WHEN >= since, SORT_WHEN >= since)
    if wanted.start_to:
        until = day_start(wanted.start_to + timedelta(days=1), wanted.time_zone) \
            if wanted.start_to < date.max else datetime.max.replace(tzinfo=UTC)
        query = query.where(WHEN < until, SORT_WHEN < until)
    return query


def _escaped(text: str) -> str:
    """``text`` matched literally by LIKE (its wildcards escaped)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _sorted(session: Session, wanted: ActivityFilter) -> Select[Any]:
    return (_filtered(session, wanted).order_by(*_ordering(wanted.sort, wanted.viewer))
            .limit(wanted.limit).offset(wanted.offset or None))


OPTIONAL_REFERENCES = {
    "customer": (Customer.id, Activity.customer_id),
    "customer_name": (Customer.id, Activity.customer_id),
    "channel": (SalesChannel.id, Activity.sales_channel_id),
}
"""Sort fields of what an activity may lack: (the referenced row's key, the activity's)."""


def _page_ids(session: Session, wanted: ActivityFilter) -> list[int]:
    """The ids of one page of the view, in order.

    Sorted by something an activity may lack (a customer, a sales channel), the page is read
    in two parts — those that have it, then those that lack it (the other way round when
    descending) — so that each part is read off an index rather than by sorting every
    activity."""
    ids = _filtered(session, wanted).with_only_columns(Activity.id)
    ordering = _ordering(wanted.sort, wanted.viewer)
    end = (wanted.offset or 0) + (wanted.limit or 0)
    first = wanted.sort[0] if wanted.sort else ""
    reference = OPTIONAL_REFERENCES.get(first.lstrip("+-"))
    if reference is None:
        return list(session.scalars(ids.order_by(*ordering).limit(wanted.limit)
                                    .offset(wanted.offset or None)))
    referenced, own = reference
    hidden = hidden_clause(Employee.login, wanted.viewer)
    # (what others' private activities have is hidden: they sort as lacking it; among those
    # that visibly have it, the plain key is the masked one)
    having = ids.where(referenced.is_not(None), ~hidden).order_by(
        *_ordering(wanted.sort, wanted.viewer, plain_first=True))
    lacking = ids.where(or_(own.is_(None), hidden)).order_by(*ordering)
    parts = (lacking, having) if first.startswith("-") else (having, lacking)
    found = list(session.scalars(parts[0].limit(end)))
    if len(found) < end:
        found += session.scalars(parts[1].limit(end - len(found)))
    return found[wanted.offset or 0:end]


def day_start(day: date, zone: str) -> datetime:
    """The instant ``day`` begins in ``zone`` (where midnight is skipped, the moment the
    clocks jump), in UTC."""
    return datetime.combine(day, time.min, ZoneInfo(zone)).astimezone(UTC)


def shown_in(value: datetime | None, zone: str, *, seconds: bool = False) -> str:
    """An instant as people read it on a wall clock in ``zone``: ``2027-07-01 10:00``
    (the zone is named once, where the time is shown); "" for none."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _ordering(sort: Sequence[str], viewer: str | None, *, plain_first: bool = False
              ) -> list[Any]:
    """The ORDER BY of ``sort``; ties are broken by the id, in the first key's direction.

    Empty values sort as the largest (last ascending, first descending), as an index stores
    them: a database reads the first page of any one-key sort off an index, both ways. What
    ``viewer`` does not see of others' private activities is not what they sort by — their
    name sorts as shown, and their customer and channel as none — so a row's place tells
    nothing of it (``plain_first``: the first key as it is, for rows none of which hide it,
    so that an index serves it)."""
    ordering = []
    for position, key in enumerate(sort):
        descending = key.startswith("-")
        name = key.lstrip("+-")
        if name not in SORT_FIELDS:
            raise InvalidInput(
                f"cannot sort by {name!r}; choose from {', '.join(sorted(SORT_FIELDS))} "
                "(prefix - for descending)"
            )
        column = SORT_FIELDS[name]
        if name in HIDDEN_SORT_FIELDS and not (plain_first and position == 0):
            column = case((hidden_clause(Employee.login, viewer), HIDDEN_SORT_FIELDS[name]),
                          else_=column)
        ordering.append(column.desc().nulls_first() if descending
                        else column.asc().nulls_last())
    first_descending = bool(sort) and sort[0].startswith("-")
    return [*ordering, Activity.id.desc() if first_descending else Activity.id.asc()]


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
    hidden: bool = False
    """Shown as busy time only: private to its representative, who is not the viewer."""

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
            "private": a.private,
            "read_only": a.read_only_because is not None,
            "revision": a.revision,
            "modified_at": _iso(a.modified_at),
            "deleted_at": _iso(a.deleted_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def list_activities(session: Session, wanted: ActivityFilter) -> Iterator[ActivityView]:
    """The matching activities, streamed (a million rows do not sit in memory at once); a
    page (``limit``) is found by its ids first, then read."""
    if wanted.limit is None:
        result = session.execute(_sorted(session, wanted).execution_options(yield_per=1000))
        for row in result:
            yield _seen(row, wanted.viewer)
            session.expunge(row[0])
        return
    ids = _page_ids(session, wanted)
    rows = {row[0].id: row for row in session.execute(_base().where(Activity.id.in_(ids)))}
    for activity_id in ids:
        yield _seen(rows[activity_id], wanted.viewer)


def _seen(row: Any, viewer: str | None) -> ActivityView:
    """A row of :func:`_base` as ``viewer`` sees it."""
    view = ActivityView(*row)
    if not hidden_from(view.activity, view.representative_login, viewer):
        return view
    return ActivityView(busy_only(view.activity), None, None, view.representative_login,
                        view.representative_name, None, view.completed_by_name, hidden=True)


def count_activities(session: Session, wanted: ActivityFilter, up_to: int) -> int:
    """How many activities match, counted up to ``up_to`` (a count of a million rows is not
    what a first page should wait for)."""
    matching = _filtered(session, wanted).with_only_columns(Activity.id).limit(up_to)
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def activity_view(session: Session, number: str, viewer: str | None, *,
                  deleted: bool = True) -> ActivityView | None:
    """Activity ``number`` as ``viewer`` sees it (None: no such activity)."""
    query = _base().where(Activity.number == number)
    if not deleted:
        query = query.where(Activity.deleted_at.is_(None))
    row = session.execute(query).one_or_none()
    return _seen(row, viewer) if row else None
