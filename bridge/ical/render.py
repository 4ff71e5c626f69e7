"""Activity → VEVENT (appointments) or VTODO (tasks)."""

from collections.abc import Iterable, Iterator
from datetime import datetime

from icalendar import Calendar, Event, Todo

from bridge.models import Activity, Kind, Status

PRODID = "-//Sales Calendar Bridge//HQ//EN"
UID_DOMAIN = "sales-calendar-bridge"

EVENT_STATUS = {
    Status.PLANNED: "CONFIRMED",
    Status.DELAYED: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.COMPLETED_UNPROCESSED: "CANCELLED",
}
TODO_STATUS = {
    Status.PLANNED: "NEEDS-ACTION",
    Status.DELAYED: "NEEDS-ACTION",
    Status.COMPLETED: "COMPLETED",
    Status.COMPLETED_UNPROCESSED: "CANCELLED",
}


def activity_uid(activity: Activity) -> str:
    """Stable across renders: mobile appointments by their mobile id, others by number."""
    key = f"mobile-{activity.mobile_id}" if activity.mobile_id else activity.number
    return f"{key}@{UID_DOMAIN}".replace("/", "-")


def render_activity(activity: Activity, customer: str | None = None) -> Event | Todo:
    is_task = activity.kind is Kind.TASK
    component = Todo() if is_task else Event()
    component.add("uid", activity_uid(activity))
    component.add("dtstamp", activity.modified_at)
    component.add("last-modified", activity.modified_at)
    component.add("created", activity.created_at)
    component.add("sequence", activity.revision - 1)
    component.add("summary", activity.subject)
    _add_times(component, activity, is_task)
    if activity.description:
        component.add("description", activity.description)
    if activity.customer_address:
        component.add("location", activity.customer_address)
    component.add("priority", activity.priority)
    component.add("status", (TODO_STATUS if is_task else EVENT_STATUS)[activity.status])
    component.add("categories", ["Sales appointment" if not is_task else "Sales task",
                                 activity.status.value])
    if is_task and activity.completed_on:
        component.add("completed", activity.completed_on)
        component.add("percent-complete", 100)
    component.add("x-bridge-number", activity.number)
    component.add("x-bridge-origin", activity.origin.value)
    component.add("x-bridge-status", activity.status.value)
    if customer:
        component.add("x-bridge-customer", customer)
    if activity.mobile_id:
        component.add("x-bridge-mobile-id", activity.mobile_id)
    if activity.completed_by:
        component.add("x-bridge-completed-by", activity.completed_by)
    return component


def _add_times(component: Event | Todo, activity: Activity, is_task: bool) -> None:
    start: datetime | None = activity.start_at
    end: datetime | None = activity.end_at
    if start is not None:
        component.add("dtstart", start)
    if end is not None:
        component.add("due" if is_task else "dtend", end)


def calendar_stream(components: Iterable[Event | Todo]) -> Iterator[bytes]:
    """A VCALENDAR serialised piece by piece, so an export of any size streams."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    head, _, tail = calendar.to_ical().rpartition(b"END:VCALENDAR")
    yield head
    for component in components:
        yield component.to_ical()
    yield b"END:VCALENDAR" + tail
