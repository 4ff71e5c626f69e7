"""What lost, kept: a calendar client's value HQ did not take — a name or description HQ's
text priority overrode, or a write that was refused (a mobile appointment, an item outside
the synchronization window) — kept with who, when and why, instead of silently dropped.
An HQ user applies a lost value to the activity (through ``bridge.hq.editing``, as any HQ
change) or dismisses it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.editing import ActivityFields, edit_activity
from bridge.hq.errors import NotFound
from bridge.hq.privacy import hidden_clause
from bridge.hq.roles import Reach
from bridge.models import Activity, Employee, LostReason, LostValue

FIELDS = ("name", "description", "start", "end")


@dataclass(frozen=True)
class Lost:
    """One field of a client's write that HQ did not take."""

    field: str
    client_value: str
    hq_value: str | None


def keep(session: Session, representative_id: int, activity_id: int | None, href: str,
         lost: list[Lost], reason: LostReason, detail: str, now: datetime, *,
         private: bool = False) -> None:
    """Keep ``lost`` (``private``: the client sent it in a private item)."""
    for each in lost:
        session.add(LostValue(
            representative_id=representative_id, activity_id=activity_id, href=href[:255],
            field=each.field, client_value=each.client_value, hq_value=each.hq_value,
            reason=reason, detail=detail, received_at=now, private=private))


@dataclass(frozen=True)
class Summary:
    count: int
    oldest: datetime | None


T = TypeVar("T", bound=tuple[Any, ...])


def _within(query: Select[T], reach: Reach, viewer: str) -> Select[T]:
    """``query`` (of lost values, their representative and activity) limited to what
    ``viewer`` may see: of the representatives they reach, none of another's private
    activity, and none another's client sent in a private item (only its representative
    decides those: ``bridge.hq.privacy``)."""
    private = or_(Activity.private.is_(True), LostValue.private.is_(True))
    query = query.where(~hidden_clause(Employee.login, viewer, private))
    if reach.everyone:
        return query
    return query.where(Employee.login.in_(sorted(reach.logins)))


def open_summary(session: Session, reach: Reach, viewer: str) -> Summary:
    """How many lost values wait for ``viewer``'s decision, and since when."""
    query = (select(func.count(LostValue.id), func.min(LostValue.received_at))
             .join(Employee, LostValue.representative_id == Employee.id)
             .outerjoin(Activity, LostValue.activity_id == Activity.id)
             .where(LostValue.resolved_at.is_(None)))
    count, oldest = session.execute(_within(query, reach, viewer)).one()
    return Summary(count, oldest)


@dataclass(frozen=True)
class LostView:
    lost: LostValue
    representative: str
    number: str | None
    read_only: bool

    @property
    def applicable(self) -> bool:
        """Whether the value can be applied: its activity exists and may be changed."""
        return self.number is not None and not self.read_only and self.lost.resolved_at is None


def list_lost(session: Session, reach: Reach, viewer: str, *, resolved: bool = False,
              representative: str | None = None, lost_id: int | None = None,
              limit: int = 500) -> list[LostView]:
    query = (select(LostValue, Employee.login, Activity.number, Activity.origin)
             .join(Employee, LostValue.representative_id == Employee.id)
             .outerjoin(Activity, LostValue.activity_id == Activity.id)
             .where(LostValue.resolved_at.is_not(None) if resolved
                    else LostValue.resolved_at.is_(None))
             .order_by(LostValue.received_at.desc(), LostValue.id.desc()).limit(limit))
    if representative:
        query = query.where(Employee.login == representative)
    if lost_id is not None:
        query = query.where(LostValue.id == lost_id)
    return [LostView(lost, login, number, origin is not None and origin.value == "mobile")
            for lost, login, number, origin in session.execute(_within(query, reach, viewer))]


def find_lost(session: Session, lost_id: int, reach: Reach, viewer: str) -> LostView:
    """A lost value the viewer may see (NotFound otherwise, as if there were none)."""
    for view in list_lost(session, reach, viewer, lost_id=lost_id, limit=1):
        return view
    raise NotFound(f"there is no open lost value {lost_id}")


def apply_lost(session: Session, view: LostView, by: str, now: datetime) -> Activity:
    """Put the client's value into the activity (refused for mobile activities as any HQ
    change is), and close the lost value."""
    lost = view.lost
    if view.number is None:
        raise InvalidInput("the item was never an HQ activity: its value can only be dismissed")
    value = lost.client_value
    given: dict[str, Any] = {lost.field: value}  # (the field is one of ActivityFields')
    if lost.field in ("start", "end"):
        try:
            given[lost.field] = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"the lost {lost.field} {value!r} is not a time") from None
    fields = ActivityFields(**given)
    activity = edit_activity(session, view.number, fields, now)
    _close(lost, by, now, "applied")
    return activity


def dismiss_lost(view: LostView, by: str, now: datetime) -> None:
    _close(view.lost, by, now, "dismissed")


def _close(lost: LostValue, by: str, now: datetime, resolution: str) -> None:
    lost.resolved_at, lost.resolved_by, lost.resolution = now, by, resolution
