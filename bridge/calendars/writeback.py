"""What a calendar client's writes do to HQ (the write-back rules).

- An edit of an HQ or client activity updates it: times and completion always; the text
  (name and description) only when the representative's *text priority* is ``client`` —
  with ``hq`` the HQ text stays and the item is served again as HQ has it.
- A new item in the appointments calendar or the task list becomes an HQ activity of origin
  ``client`` when *transfer to HQ* applies: the representative's setting, overridable per item
  with ``X-BRIDGE-TRANSFER:TRUE|FALSE``. Recurring items stay calendar-only (HQ activities are
  single occurrences). Items not transferred are kept as the client sent them.
- A delete removes the activity from HQ recoverably (`bridge activities restore`).
- Mobile activities are never written.
- An item written back to HQ must lie in the representative's synchronization window (it
  would vanish from the client right after): otherwise the write is refused with RFC 4791's
  ``min-date-time`` / ``max-date-time`` precondition, which the collection advertises.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.errors import BridgeError
from bridge.hq.editing import (
    DEFAULT_DURATION,
    ActivityFields,
    add_activity,
    complete_activity,
    delete_activity,
    edit_activity,
    reopen_activity,
    restore_activity,
)
from bridge.hq.lost import Lost
from bridge.hq.lost import keep as keep_lost
from bridge.hq.windows import Window
from bridge.hq.writes import save_client_copy
from bridge.ical.parse import ClientItem
from bridge.models import (
    Activity,
    Customer,
    Employee,
    Kind,
    LostReason,
    Origin,
    Status,
    SyncSettings,
    TextPriority,
)

DONE = (Status.COMPLETED, Status.COMPLETED_UNPROCESSED)


class Forbidden(BridgeError):
    """The write is not allowed here (mobile activities, read-only collections);
    ``precondition`` names the CalDAV precondition it fails, if it is one."""

    def __init__(self, message: str, precondition: str | None = None) -> None:
        super().__init__(message)
        self.precondition = precondition


class OutsideWindow(Forbidden):
    """The item lies outside the synchronization window (RFC 4791 §5.3.2.1
    ``min-date-time`` or ``max-date-time``)."""


def check_window(item: ClientItem, window: Window) -> None:
    """Refuse an item that the window would not serve back."""
    end = item.end or item.start
    if item.component == "VEVENT" and item.end is None and item.start is not None:
        try:
            end = item.start + (timedelta(days=1) if item.all_day else DEFAULT_DURATION)
        except OverflowError:  # an item at the very end of year 9999
            end = datetime.max.replace(tzinfo=UTC)
    if window.contains(item.start, end):
        return
    last = end or item.start
    assert last is not None  # (the window holds an item without either)
    before = last < window.start
    raise OutsideWindow(
        f"the item lies outside your synchronization window ({window.days()}); HQ would "
        "keep it but your calendar would not show it",
        "min-date-time" if before else "max-date-time")


@dataclass(frozen=True)
class Target:
    """Where a client writes: the representative and the kind of their collection."""

    employee_id: int
    kind: Kind

    @property
    def component(self) -> str:
        return "VTODO" if self.kind is Kind.TASK else "VEVENT"


def activity_at(session: Session, employee_id: int, href: str) -> Activity | None:
    """The activity a client writes to, locked until the write commits."""
    return session.scalars(select(Activity).where(
        Activity.representative_id == employee_id, Activity.href == href)
        .with_for_update().execution_options(populate_existing=True)).first()


def customer_exists(session: Session, number: str | None) -> bool:
    return bool(number) and session.scalar(
        select(Customer.id).where(Customer.number == number)) is not None


def check_component(item: ClientItem, target: Target) -> None:
    if item.component != target.component:
        raise Forbidden(
            f"this collection takes {target.component} only, not {item.component}")


# --- deciding (pure) -----------------------------------------------------------------------

@dataclass(frozen=True)
class StoreAsSent:
    """Keep the client's item in the calendar only (not transferred to HQ)."""


@dataclass(frozen=True)
class Completion:
    """What the client's status does to the activity's completion."""

    unprocessed: bool = False
    on: datetime | None = None
    reopen: bool = False


@dataclass(frozen=True)
class WriteToHQ:
    """Create the HQ activity (``number`` None) or update activity ``number`` (restoring it if
    it was deleted), then keep the client's copy."""

    number: str | None
    uid: str | None
    fields: ActivityFields
    zone: str | None
    all_day: bool
    completion: Completion | None
    restore: bool = False
    lost: tuple[Lost, ...] = ()
    """The client's text HQ's text priority overrode (kept: ``bridge.hq.lost``)."""
    whole: bool = False
    """HQ takes the item as the client wrote it: it is served so (:func:`taken_whole`)."""


Decision = StoreAsSent | WriteToHQ


@dataclass(frozen=True)
class Before:
    """What the calendar holds at the item's href before the write: an HQ activity, or an
    item stored as a client sent it."""

    activity: Activity | None
    stored: bool


def decide(before: Before, item: ClientItem, target: Target, settings: SyncSettings,
           window: Window, known_customer: bool, now: datetime) -> Decision:
    """What a client's write of ``item`` (parsed once) to ``target`` does, under the
    write-back rules; :class:`Forbidden` (with the reason) when it is refused."""
    activity = before.activity
    if activity is None and before.stored:
        return StoreAsSent()
    if activity is not None and activity.read_only_because:
        raise Forbidden(activity.read_only_because)
    check_component(item, target)
    if activity is None and not _transferred(item, target, settings):
        return StoreAsSent()
    check_window(item, window)
    take_text = activity is None or settings.text_priority is TextPriority.CLIENT
    number = activity.number if activity else None
    fields = _fields(item, number, take_text, item.customer if known_customer else None)
    lost = () if take_text or activity is None else tuple(
        lost for lost in differences(activity, item) if lost.field in TEXT_FIELDS)
    return WriteToHQ(
        number=number, uid=item.uid or None, fields=fields, zone=item.zone,
        all_day=item.all_day, completion=_completion(activity, item, target, now),
        restore=activity is not None and activity.deleted_at is not None, lost=lost,
        whole=(activity is None or activity.origin is Origin.CLIENT) and not lost
        and taken_whole(item, number, known_customer))


def taken_whole(item: ClientItem, number: str | None, known_customer: bool) -> bool:
    """Whether HQ holds the item's values as the client wrote them, so that the item can be
    served as written: a title without HQ's number, an end (or a whole day), a customer HQ
    knows and a priority HQ keeps, if given, and zones every client knows. (Else HQ's values
    are served over it.)"""
    title = (item.summary or "").strip()
    return (bool(title) and _name(item.summary, number) == title and item.portable
            and (item.end is not None or item.all_day or item.component == "VTODO")
            and (item.customer is None or known_customer)
            and (item.priority is None or 1 <= item.priority <= 9))


TEXT_FIELDS = ("name", "description")


def differences(activity: Activity | None, item: ClientItem) -> list[Lost]:
    """The fields in which the client's item differs from the activity (all it gives, for
    an item that is no activity)."""
    given = {"name": _name(item.summary, activity.number if activity else None),
             "description": item.description or "",
             "start": _iso(item.start), "end": _iso(item.end)}
    held: dict[str, str | None] = {
        "name": activity.name, "description": activity.description,
        "start": _iso(activity.start_at), "end": _iso(activity.end_at),
    } if activity is not None else dict.fromkeys(given)
    return [Lost(name, value, held[name]) for name, value in given.items()
            if value is not None and _same_text(value) != _same_text(held[name] or "")
            and not _same_instant(value, held[name])]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _same_text(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _same_instant(value: str, held: str | None) -> bool:
    """Whether two ISO times are the same instant (offsets may differ)."""
    try:
        return held is not None and datetime.fromisoformat(value) == datetime.fromisoformat(held)
    except ValueError:
        return False


def _transferred(item: ClientItem, target: Target, settings: SyncSettings) -> bool:
    if item.recurring or (target.kind is Kind.APPOINTMENT and item.start is None):
        return False
    if item.transfer is not None:
        return item.transfer
    return settings.transfer_tasks if target.kind is Kind.TASK else settings.transfer_appointments


def _fields(item: ClientItem, number: str | None, take_text: bool,
            customer: str | None) -> ActivityFields:
    end = item.end
    if item.component == "VEVENT" and end is None and item.start is not None:
        end = item.start + (timedelta(days=1) if item.all_day else DEFAULT_DURATION)
    return ActivityFields(
        name=_name(item.summary, number) if take_text else None,
        description=(item.description or "") if take_text else None,
        start=item.start,
        end=end,
        priority=item.priority if item.priority and 1 <= item.priority <= 9 else None,
        customer=customer,
        private=item.private,
    )


def _name(summary: str | None, number: str | None) -> str:
    """The activity name in a SUMMARY: what is served is "number name"."""
    text = (summary or "").strip()
    if number and text.startswith(number + " "):
        text = text[len(number) + 1:].strip()
    return text or "(no title)"


def _completion(activity: Activity | None, item: ClientItem, target: Target,
                now: datetime) -> Completion | None:
    status = (item.status or "").upper()
    current = activity.status if activity else Status.PLANNED
    if status == "CANCELLED":
        if current is not Status.COMPLETED_UNPROCESSED:
            return Completion(unprocessed=True, on=item.completed or now)
    elif status == "COMPLETED" or item.completed is not None or item.percent == 100:
        if current is not Status.COMPLETED:
            return Completion(on=item.completed or now)
    elif current in DONE and target.kind is Kind.TASK:
        return Completion(reopen=True)
    return None


# --- applying ------------------------------------------------------------------------------

def apply(session: Session, decision: WriteToHQ, text: str, href: str, target: Target,
          now: datetime) -> Activity:
    """Carry out a write to HQ through the HQ rules (``bridge.hq.editing``), as the
    representative."""
    employee = session.get(Employee, target.employee_id)
    assert employee is not None
    if decision.number is None:
        activity = add_activity(session, target.kind,
                                replace(decision.fields, representative=employee.login), now,
                                origin=Origin.CLIENT, uid=decision.uid, href=href)
    else:
        if decision.restore:
            restore_activity(session, decision.number, now)
        activity = edit_activity(session, decision.number, decision.fields, now)
    activity.timezone = decision.zone
    activity.all_day = decision.all_day
    completion = decision.completion
    if completion is not None and completion.reopen:
        reopen_activity(session, activity.number, now)
    elif completion is not None:
        complete_activity(session, activity.number, completion.on or now, employee.login,
                          unprocessed=completion.unprocessed)
    save_client_copy(session, activity, text, decision.whole)
    if decision.lost:
        keep_lost(session, target.employee_id, activity.id, href, list(decision.lost),
                  LostReason.TEXT_PRIORITY, "the representative's text priority is hq: "
                  "HQ's text stayed", now)
    return activity


def keep_refused(session: Session, activity: Activity | None, item: ClientItem, href: str,
                 target: Target, refused: Forbidden, now: datetime) -> None:
    """Keep what a refused write would have changed (a mobile appointment, or an item
    outside the window): the refusal stands, the client's values are not lost."""
    reason = LostReason.OUTSIDE_WINDOW if isinstance(refused, OutsideWindow) else \
        LostReason.READ_ONLY if activity is not None and activity.read_only_because else None
    if reason is None:
        return
    keep_lost(session, target.employee_id, activity.id if activity else None, href,
              differences(activity, item), reason, str(refused), now,
              private=bool(item.private))


def remove_activity(session: Session, activity: Activity, now: datetime) -> None:
    if activity.read_only_because:
        raise Forbidden(activity.read_only_because)
    delete_activity(session, activity.number, now)
