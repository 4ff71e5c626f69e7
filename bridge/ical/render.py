"""Activity → VEVENT (appointments) or VTODO (tasks), in a VCALENDAR with its VTIMEZONEs.

Times are shown in the activity's own zone: its IANA zone when a client gave one, else the
fixed UTC offset the mobile export or HQ gave. HQ fields a calendar has no property for are
kept as ``X-BRIDGE-*`` properties. When a client sent the item, its copy is the base, so what
HQ does not model (alarms, attendees, categories, …) survives; HQ-owned properties are
replaced by HQ's values.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Component, Event, Timezone, Todo


from bridge.ical.zones import (
    fixed_offset_of,
    fixed_offset_tzid,
    fixed_offset_vtimezone,
    local_zone,
)
from bridge.models import Activity, Kind, Status

PRODID = "-//Sales Calendar Bridge//HQ//EN"

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
HQ_OWNED = (
    "UID", "DTSTAMP", "LAST-MODIFIED", "CREATED", "SEQUENCE", "SUMMARY", "DTSTART", "DTEND",
    "DUE", "DURATION", "DESCRIPTION", "LOCATION", "PRIORITY", "STATUS", "COMPLETED",
    "PERCENT-COMPLETE",
)


def new_calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


def render_activity(
    activity: Activity, customer: str | None = None, client_copy: str | None = None
) -> Component:
    """The VEVENT or VTODO of an activity (without its VCALENDAR)."""
    component = _base(activity, client_copy)
    is_task = activity.kind is Kind.TASK
    component.add("uid", activity.uid)
    component.add("dtstamp", activity.modified_at)
    component.add("last-modified", activity.modified_at)
    component.add("created", activity.created_at)
    component.add("sequence", activity.revision - 1)
    component.add("summary", activity.subject)
    if activity.start_at is not None:
        _add_local(component, "dtstart", activity.start_at, activity)
    if activity.end_at is not None:
        _add_local(component, "due" if is_task else "dtend", activity.end_at, activity)
    if activity.description:
        component.add("description", activity.description)
    if activity.customer_address:
        component.add("location", activity.customer_address)
    component.add("priority", activity.priority)
    component.add("status", (TODO_STATUS if is_task else EVENT_STATUS)[activity.status])
    if "CATEGORIES" not in component:
        component.add("categories", ["Sales task" if is_task else "Sales appointment"])
    if is_task and activity.completed_on:
        component.add("completed", activity.completed_on)
        component.add("percent-complete", 100)
    _add_hq_fields(component, activity, customer)
    return component


def _base(activity: Activity, client_copy: str | None) -> Component:
    if client_copy:
        for component in Calendar.from_ical(client_copy).subcomponents:
            if component.name in ("VEVENT", "VTODO"):
                for name in list(component.keys()):
                    if name in HQ_OWNED or name.startswith("X-BRIDGE-"):
                        del component[name]
                return component
    return Todo() if activity.kind is Kind.TASK else Event()


def _add_local(component: Component, name: str, instant: datetime, activity: Activity) -> None:
    if activity.all_day:
        component.add(name, instant.date())
        return
    offset = activity.start_offset if name == "dtstart" else activity.end_offset
    zone = local_zone(activity.timezone, offset)
    local = instant.astimezone(zone)
    if isinstance(zone, timezone):
        if local.utcoffset() == timedelta(0):
            component.add(name, instant)
        else:
            component.add(name, local.replace(tzinfo=None),
                          parameters={"TZID": fixed_offset_tzid(local.utcoffset())})
    else:
        component.add(name, local)


def _add_hq_fields(component: Component, activity: Activity, customer: str | None) -> None:
    component.add("x-bridge-number", activity.number)
    component.add("x-bridge-origin", activity.origin.value)
    component.add("x-bridge-status", activity.status.value)
    component.add("x-bridge-kind", activity.kind.value)
    if customer:
        component.add("x-bridge-customer", customer)
    if activity.mobile_id:
        component.add("x-bridge-mobile-id", activity.mobile_id)
    if activity.mobile_status:
        component.add("x-bridge-mobile-status", activity.mobile_status)
    if activity.completed_by:
        component.add("x-bridge-completed-by", activity.completed_by)
    if activity.completed_on and activity.kind is Kind.APPOINTMENT:
        component.add("x-bridge-completed-on", f"{activity.completed_on:%Y%m%dT%H%M%SZ}")


def vtimezones(tzids: Iterable[str]) -> list[Component]:
    """VTIMEZONEs for TZIDs: fixed offsets ("UTC+01:00") and IANA names."""
    zones = []
    for tzid in sorted(set(tzids)):
        offset = fixed_offset_of(tzid)
        zones.append(fixed_offset_vtimezone(offset) if offset is not None
                     else Timezone.from_tzid(tzid))
    return zones


def used_tzids(component: Component) -> set[str]:
    tzids = set()
    for name in ("DTSTART", "DTEND", "DUE"):
        value = component.get(name)
        if value is not None and value.params.get("TZID"):
            tzids.add(value.params["TZID"])
    return tzids


def activity_calendar(
    activity: Activity, customer: str | None = None, client_copy: str | None = None
) -> str:
    """The whole iCalendar object of one activity, as a CalDAV item."""
    component = render_activity(activity, customer, client_copy)
    calendar = new_calendar()
    for zone in vtimezones(used_tzids(component)):
        calendar.add_component(zone)
    calendar.add_component(component)
    return calendar.to_ical().decode("utf-8")


def calendar_stream(components: Iterable[Component]) -> Iterator[bytes]:
    """A VCALENDAR serialised piece by piece, so an export of any size streams; the
    VTIMEZONEs the components use follow them."""
    head, _, tail = new_calendar().to_ical().rpartition(b"END:VCALENDAR")
    yield head
    tzids: set[str] = set()
    for component in components:
        tzids |= used_tzids(component)
        yield component.to_ical()
    for zone in vtimezones(tzids):
        yield zone.to_ical()
    yield b"END:VCALENDAR" + tail
