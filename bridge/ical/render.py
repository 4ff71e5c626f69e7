"""Activity → VEVENT (appointments) or VTODO (tasks), in a VCALENDAR with its VTIMEZONEs.

Times are shown in the activity's own zone: its IANA zone when a client gave one, else the
fixed UTC offset the mobile export or HQ gave. HQ fields a calendar has no property for are
kept as ``X-BRIDGE-*`` properties. When a client sent the item, its copy is the base, so what
HQ does not model (alarms, attendees, categories, …) survives; HQ-owned properties are
replaced by HQ's values.

What HQ shows of an activity is listed once (:func:`hq_properties`). It becomes either an
icalendar component (to merge with a client's copy, or to stream an export) or, for the
calendar server that keeps every activity's text, the text itself written line by line
(:func:`activity_calendar`): the same bytes icalendar writes (a test holds both to that),
some fifteen times faster, because the import renders every appointment it writes.
"""

import functools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Protocol

from icalendar import Calendar, Component, Event, Timezone, Todo
from icalendar.caselessdict import canonsort_keys
from icalendar.parser import Contentline, Parameters
from icalendar.prop import vDDDTypes, vText

from bridge.ical.privacy import is_private_class
from bridge.ical.zones import (
    fixed_offset_of,
    fixed_offset_tzid,
    fixed_offset_vtimezone,
    local_zone,
    resolve_tzid,
)
from bridge.models import Kind, Origin, Status, subject

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

Property = tuple[str, Any, Mapping[str, str]]
PLAIN: Mapping[str, str] = MappingProxyType({})
"""The parameters of a property that has none (one shared mapping: thousands are listed)."""
"""A property as HQ gives it: name, Python value, parameters."""


class Shown(Protocol):
    """What is shown of an activity: an :class:`Activity`, or a row of its columns (the
    calendar server renders thousands at a time from plain rows)."""

    number: str
    name: str
    kind: Kind
    origin: Origin
    status: Status
    mobile_status: str | None
    uid: str
    start_at: datetime | None
    start_offset: int | None
    end_at: datetime | None
    end_offset: int | None
    timezone: str | None
    all_day: bool
    priority: int
    description: str
    customer_address: str | None
    mobile_id: str | None
    completed_on: datetime | None
    completed_by: str | None
    created_at: datetime
    modified_at: datetime
    revision: int
    private: bool


def new_calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


CLIENT_MAY_KEEP = frozenset({"CATEGORIES", "CLASS"})
"""What a client's own copy may hold instead of HQ's: its categories, and its CLASS where it
agrees with HQ's privacy (:func:`_base` drops one that does not)."""


def hq_properties(activity: Shown, customer: str | None,
                  kept: Collection[str] = frozenset()) -> list[Property]:
    """Everything HQ shows of an activity, but for the properties of :data:`CLIENT_MAY_KEEP`
    a client's copy ``kept``."""
    is_task = activity.kind is Kind.TASK
    found: list[Property] = [
        ("UID", activity.uid, PLAIN),
        ("DTSTAMP", activity.modified_at, PLAIN),
        ("LAST-MODIFIED", activity.modified_at, PLAIN),
        ("CREATED", activity.created_at, PLAIN),
        ("SEQUENCE", activity.revision - 1, PLAIN),
        ("SUMMARY", summary(activity), PLAIN),
    ]
    if activity.start_at is not None:
        found.append(("DTSTART", *_local(activity, activity.start_at, activity.start_offset)))
    if activity.end_at is not None:
        found.append(("DUE" if is_task else "DTEND",
                      *_local(activity, activity.end_at, activity.end_offset)))
    if activity.description:
        found.append(("DESCRIPTION", activity.description, PLAIN))
    if activity.customer_address:
        found.append(("LOCATION", activity.customer_address, PLAIN))
    found.append(("PRIORITY", activity.priority, PLAIN))
    found.append(("STATUS", (TODO_STATUS if is_task else EVENT_STATUS)[activity.status], PLAIN))
    if "CATEGORIES" not in kept:
        found.append(("CATEGORIES", ["Sales task" if is_task else "Sales appointment"], PLAIN))
    if "CLASS" not in kept and activity.private:
        found.append(("CLASS", "PRIVATE", PLAIN))
    if is_task and activity.completed_on:
        found.append(("COMPLETED", activity.completed_on, PLAIN))
        found.append(("PERCENT-COMPLETE", 100, PLAIN))
    return found + [(name, value, PLAIN) for name, value in _hq_fields(activity, customer)]


def summary(activity: Shown) -> str:
    """The SUMMARY: "number name" as HQ's Subject shows it; an item a calendar client made
    keeps its own title (its number lives in HQ and the cockpit)."""
    return activity.name if activity.origin is Origin.CLIENT else subject(activity.number,
                                                                          activity.name)


def _local(activity: Shown, instant: datetime,
           offset: int | None) -> tuple[date | datetime, Mapping[str, str]]:
    """A time as shown: the day of an all-day activity, else the time in the activity's
    zone (a fixed offset other than UTC as a floating time with its own TZID)."""
    if activity.all_day:
        return instant.date(), PLAIN
    zone = local_zone(activity.timezone, offset)
    local = instant.astimezone(zone)
    if not isinstance(zone, timezone):
        return local, PLAIN
    if local.utcoffset() == timedelta(0):
        return instant, PLAIN
    return local.replace(tzinfo=None), {"TZID": fixed_offset_tzid(local.utcoffset())}


def _hq_fields(activity: Shown, customer: str | None) -> Iterator[tuple[str, str]]:
    yield "X-BRIDGE-NUMBER", activity.number
    yield "X-BRIDGE-ORIGIN", activity.origin.value
    yield "X-BRIDGE-STATUS", activity.status.value
    yield "X-BRIDGE-KIND", activity.kind.value
    if customer:
        yield "X-BRIDGE-CUSTOMER", customer
    if activity.mobile_id:
        yield "X-BRIDGE-MOBILE-ID", activity.mobile_id
    if activity.mobile_status:
        yield "X-BRIDGE-MOBILE-STATUS", activity.mobile_status
    if activity.completed_by:
        yield "X-BRIDGE-COMPLETED-BY", activity.completed_by
    if activity.completed_on and activity.kind is Kind.APPOINTMENT:
        yield "X-BRIDGE-COMPLETED-ON", f"{activity.completed_on:%Y%m%dT%H%M%SZ}"


def render_activity(
    activity: Shown, customer: str | None = None, client_copy: str | None = None
) -> Component:
    """The VEVENT or VTODO of an activity (without its VCALENDAR)."""
    component = _base(activity, client_copy)
    kept = {name for name in CLIENT_MAY_KEEP if name in component}
    for name, value, parameters in hq_properties(activity, customer, kept):
        # icalendar writes unknown properties unescaped
        added = vText(value) if name.startswith("X-") else value
        if parameters:
            component.add(name, added, parameters=dict(parameters))
        else:  # (icalendar's default: its type leaves out the None it is)
            component.add(name, added)
    return component


def _base(activity: Shown, client_copy: str | None) -> Component:
    if client_copy:
        for component in Calendar.from_ical(client_copy).subcomponents:
            if component.name in ("VEVENT", "VTODO"):
                for name in list(component.keys()):
                    if name in HQ_OWNED or name.startswith("X-BRIDGE-"):
                        del component[name]
                if is_private_class(component.get("CLASS")) != activity.private:
                    component.pop("CLASS", None)  # (HQ's choice stands; the client's if alike)
                return component
    return Todo() if activity.kind is Kind.TASK else Event()


def vtimezones(tzids: Iterable[str]) -> list[Component]:
    """VTIMEZONEs for TZIDs: fixed offsets ("UTC+01:00"), IANA names and every other name
    the server reads (those naming no zone left out)."""
    return [zone for zone in map(vtimezone_for, sorted(set(tzids))) if zone is not None]


def vtimezone_for(tzid: str) -> Component | None:
    """A VTIMEZONE named ``tzid`` for the zone the server reads it as
    (:func:`bridge.ical.zones.resolve_tzid`); None when it names none."""
    offset = fixed_offset_of(tzid)
    if offset is not None:
        return fixed_offset_vtimezone(offset)
    resolved = resolve_tzid(tzid)
    if resolved is None:
        return None
    zone: Component = Timezone.from_tzid(resolved.name) if resolved.name else \
        fixed_offset_vtimezone(resolved.zone.utcoffset(None) or timedelta(0))
    zone["TZID"] = tzid
    return zone


def with_every_timezone(text: str) -> str:
    """A calendar object with a VTIMEZONE for each TZID it uses and does not define (a
    client may leave them out; a subscribing calendar such as Outlook's needs them)."""
    calendar = Calendar.from_ical(text)
    if not add_missing_timezones(calendar):
        return text
    written: bytes = calendar.to_ical()
    return written.decode("utf-8")


def add_missing_timezones(calendar: Calendar) -> bool:
    """Add a VTIMEZONE for each TZID ``calendar`` uses and does not define; whether any
    was missing."""
    missing = sorted(calendar.get_missing_tzids())
    for tzid in missing:
        zone = vtimezone_for(tzid)
        if zone is not None:
            calendar.add_component(zone)
    return bool(missing)


def used_tzids(component: Component) -> set[str]:
    tzids = set()
    for name in ("DTSTART", "DTEND", "DUE"):
        value = component.get(name)
        if value is not None and value.params.get("TZID"):
            tzids.add(value.params["TZID"])
    return tzids


def activity_calendar(
    activity: Shown, customer: str | None = None, client_copy: str | None = None
) -> str:
    """The whole iCalendar object of one activity, as a CalDAV item: written line by line
    unless a client's copy must be merged in."""
    if client_copy:
        return calendar_text(render_activity(activity, customer, client_copy))
    return _activity_text(activity, customer)


def calendar_text(component: Component) -> str:
    """A component in its VCALENDAR with the VTIMEZONEs it uses, as icalendar writes it."""
    calendar = new_calendar()
    for zone in vtimezones(used_tzids(component)):
        calendar.add_component(zone)
    calendar.add_component(component)
    written: bytes = calendar.to_ical()
    return written.decode("utf-8")


def _activity_text(activity: Shown, customer: str | None) -> str:
    name = "VTODO" if activity.kind is Kind.TASK else "VEVENT"
    lines, tzids = {}, set()
    for prop, value, parameters in hq_properties(activity, customer):
        if prop in _FEW_VALUES:
            lines[prop] = _recurring_line(prop, value)
        else:
            lines[prop], tzid = _content_line(prop, value, parameters)
            tzids.add(tzid)
    order = _order(activity.kind is Kind.TASK, tuple(lines))
    zones = [_vtimezone_text(tzid) for tzid in sorted(t for t in tzids if t is not None)]
    return "".join((_CALENDAR_HEAD, *zones, f"BEGIN:{name}\r\n", *(lines[key] for key in order),
                    f"END:{name}\r\nEND:VCALENDAR\r\n"))


@functools.lru_cache(maxsize=256)
def _order(task: bool, names: tuple[str, ...]) -> list[str]:
    """The properties in the order icalendar writes them (a few sets of names recur)."""
    return canonsort_keys(names, (Todo if task else Event).canonical_order)


_FEW_VALUES = frozenset({
    "CLASS", "DTSTAMP", "LAST-MODIFIED", "CREATED", "SEQUENCE", "PRIORITY", "STATUS", "COMPLETED",
    "PERCENT-COMPLETE", "X-BRIDGE-ORIGIN", "X-BRIDGE-STATUS", "X-BRIDGE-KIND",
    "X-BRIDGE-MOBILE-STATUS", "X-BRIDGE-COMPLETED-BY", "X-BRIDGE-COMPLETED-ON"})
"""Properties without parameters whose values (texts, numbers, UTC times) recur from one
activity to the next: an import writes thousands with the same stamp and status."""


@functools.lru_cache(maxsize=1024)
def _recurring_line(name: str, value: str | int | datetime) -> str:
    return _content_line(name, value, PLAIN)[0]


_CALENDAR_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + PRODID + "\r\n"


def _content_line(name: str, value: Any,
                  parameters: Mapping[str, str]) -> tuple[str, str | None]:
    """One property as icalendar writes it (folded, with CRLF), and the TZID it uses."""
    if isinstance(value, str):
        text = _text(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, list):
        text = ",".join(map(_text, value))
    elif isinstance(value, datetime) and value.tzinfo in (None, UTC):
        text = (f"{value.year:04}{value.month:02}{value.day:02}T{value.hour:02}"
                f"{value.minute:02}{value.second:02}" + ("Z" if value.tzinfo else ""))
    else:
        typed = vDDDTypes(value, dict(parameters))
        text, parameters = typed.to_ical().decode(), typed.params
    head = name + _parameters(parameters) if parameters else name
    line = f"{head}:{text}"
    if len(line) >= 75 and line.isascii():
        line = _fold_ascii(line)
    elif not line.isascii() and len(line.encode()) >= 75:
        folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]  # (icalendar's)
        line = folded.decode()
    return line + "\r\n", parameters.get("TZID")


def _fold_ascii(line: str) -> str:
    """icalendar's folding (``Contentline.to_ical``) of a line of one-byte characters, by
    slices rather than character by character (the import folds a description for each
    appointment): 74 characters a line, and a backslash or caret that would end a line
    starts the next one instead (icalendar #1501). The rendering test holds it equal."""
    pieces, start = [], 0
    while len(line) - start > 74:
        end = start + 74
        if line[end - 1] in "\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return "\r\n ".join(pieces)


def _parameters(parameters: Mapping[str, str]) -> str:
    """";TZID=…" as icalendar writes it: plain when the zone's name needs no quoting."""
    tzid = parameters.get("TZID")
    if len(parameters) == 1 and tzid and _PLAIN.match(tzid):
        return f";TZID={tzid}"
    written: bytes = Parameters(parameters).to_ical()
    return ";" + written.decode()


_PLAIN = re.compile(r"[A-Za-z0-9_+\-/.]+\Z")


def _text(value: str) -> str:
    """A TEXT value escaped (by icalendar, for the values that need it)."""
    return _escaped(value) if _ESCAPED.search(value) else value


@functools.lru_cache(maxsize=4096)
def _escaped(value: str) -> str:
    """(Addresses and descriptions made from a template recur from one activity to the next.)"""
    return vText(value).to_ical().decode()


_ESCAPED = re.compile(r"[\\;,\r\n]")


@functools.lru_cache(maxsize=256)
def _vtimezone_text(tzid: str) -> str:
    written: bytes = vtimezones([tzid])[0].to_ical()
    return written.decode()


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
