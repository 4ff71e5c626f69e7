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

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.editing import (
    ActivityFields,
    DEFAULT_DURATION,
    add_activity,
    complete_activity,
    delete_activity,
    edit_activity,
    reopen_activity,
    restore_activity,
)
from bridge.errors import BridgeError
from bridge.hq.writes import keep_client_copy
from bridge.ical.parse import ClientItem
from bridge.models import (
    Activity,
    Customer,
    Employee,
    Kind,
    Origin,
    Status,
    SyncSettings,
    TextPriority,
)
from bridge.settings import default_settings
from bridge.windows import Window

DONE = (Status.COMPLETED, Status.COMPLETED_UNPROCESSED)


class Forbidden(BridgeError):
    """The write is not allowed here (mobile activities, read-only collections);
    ``precondition`` names the CalDAV precondition it fails, if it is one."""

    precondition: str | None = None


class OutsideWindow(Forbidden):
    """The item lies outside the synchronization window (RFC 4791 §5.3.2.1
    ``min-date-time`` or ``max-date-time``)."""

    def __init__(self, message: str, precondition: str) -> None:
        super().__init__(message)
        self.precondition = precondition


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
    before = (end or item.start) < window.start  # type: ignore[operator]
    raise OutsideWindow(
        f"the item lies outside your synchronization window ({window.start:%Y-%m-%d} to "
        f"{window.end - timedelta(days=1):%Y-%m-%d}); HQ would keep it but your calendar "
        "would not show it", "min-date-time" if before else "max-date-time")


@dataclass(frozen=True)
class Target:
    """Where a client writes: the representative and the kind of their collection."""

    employee_id: int
    kind: Kind

    @property
    def component(self) -> str:
        return "VTODO" if self.kind is Kind.TASK else "VEVENT"


def find_activity(session: Session, employee_id: int, href: str) -> Activity | None:
    """The activity a client writes to, locked until the write commits."""
    return session.scalars(select(Activity).where(
        Activity.representative_id == employee_id, Activity.href == href)
        .with_for_update().execution_options(populate_existing=True)).first()


def check_component(item: ClientItem, target: Target) -> None:
    if item.component != target.component:
        raise Forbidden(
            f"this collection takes {target.component} only, not {item.component}")


def should_transfer(session: Session, item: ClientItem, target: Target) -> bool:
    if item.recurring or (target.kind is Kind.APPOINTMENT and item.start is None):
        return False
    if item.transfer is not None:
        return item.transfer
    settings = session.get(SyncSettings, target.employee_id) or default_settings()
    return settings.transfer_tasks if target.kind is Kind.TASK else settings.transfer_appointments


def write_activity(session: Session, activity: Activity | None, item: ClientItem, text: str,
                   href: str, target: Target, now: datetime) -> Activity:
    """Create or update the HQ activity behind a client's item (``item``, parsed from
    ``text`` and checked against the target's component)."""
    employee = session.get(Employee, target.employee_id)
    assert employee is not None
    if activity is None:
        activity = add_activity(session, target.kind, _fields(session, item, employee.login,
                                                              None, take_text=True),
                                now, origin=Origin.CLIENT, uid=item.uid or None, href=href)
    else:
        if activity.origin is Origin.MOBILE:
            raise Forbidden(f"activity {activity.number} comes from the mobile system: read-only")
        if activity.deleted_at is not None:
            restore_activity(session, activity.number, now)
        settings = session.get(SyncSettings, target.employee_id) or default_settings()
        take_text = settings.text_priority is TextPriority.CLIENT
        edit_activity(session, activity.number,
                      _fields(session, item, None, activity.number, take_text), now)
    activity.timezone = item.zone
    activity.all_day = item.all_day
    _completion(session, activity, item, employee.login, now)
    keep_client_copy(session, activity, text)
    return activity


def remove_activity(session: Session, activity: Activity, now: datetime) -> None:
    if activity.origin is Origin.MOBILE:
        raise Forbidden(f"activity {activity.number} comes from the mobile system: read-only")
    delete_activity(session, activity.number, now)


def _fields(session: Session, item: ClientItem, representative: str | None,
            number: str | None, take_text: bool) -> ActivityFields:
    end = item.end
    if item.component == "VEVENT" and end is None and item.start is not None:
        end = item.start + (timedelta(days=1) if item.all_day else DEFAULT_DURATION)
    return ActivityFields(
        name=_name(item.summary, number) if take_text else None,
        description=(item.description or "") if take_text else None,
        start=item.start,
        end=end,
        priority=item.priority if item.priority and 1 <= item.priority <= 9 else None,
        customer=_known_customer(session, item.customer),
        representative=representative,
    )


def _name(summary: str | None, number: str | None) -> str:
    """The activity name in a SUMMARY: what is served is "number name"."""
    text = (summary or "").strip()
    if number and text.startswith(number + " "):
        text = text[len(number) + 1:].strip()
    return text or "(no title)"


def _known_customer(session: Session, number: str | None) -> str | None:
    if not number:
        return None
    exists = session.scalar(select(Customer.id).where(Customer.number == number))
    return number if exists is not None else None


def _completion(session: Session, activity: Activity, item: ClientItem, login: str,
                now: datetime) -> None:
    status = (item.status or "").upper()
    if status == "CANCELLED":
        if activity.status is not Status.COMPLETED_UNPROCESSED:
            complete_activity(session, activity.number, item.completed or now, login,
                              unprocessed=True)
    elif status == "COMPLETED" or item.completed is not None or item.percent == 100:
        if activity.status is not Status.COMPLETED:
            complete_activity(session, activity.number, item.completed or now, login)
    elif activity.status in DONE and activity.kind is Kind.TASK:
        reopen_activity(session, activity.number, now)
