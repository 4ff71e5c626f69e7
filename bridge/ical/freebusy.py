"""Busy time: which events take a representative's time (RFC 4791 §7.10), each occurrence of a
recurring one inside the asked span, and a VFREEBUSY of it (RFC 5545 §3.6.4) — what classic
Outlook's "Internet Free/Busy", a script or a colleague planning a visit reads. Busy time
only: nothing of what an event is about."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import recurring_ical_events
from icalendar import Calendar, Component, FreeBusy, vCalAddress, vPeriod

from bridge.errors import InvalidInput
from bridge.ical.render import PRODID

BUSY = "BUSY"
TENTATIVE = "BUSY-TENTATIVE"


@dataclass(frozen=True, order=True)
class Period:
    """A span of busy time, in UTC."""

    start: datetime
    end: datetime
    kind: str


def busy_kind(event: Component) -> str | None:
    """RFC 4791 §7.10: a transparent event takes no time, nor a cancelled one; a tentative one
    is tentatively busy; any other is busy."""
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    status = str(event.get("STATUS", "")).upper()
    if status == "CANCELLED":
        return None
    return TENTATIVE if status == "TENTATIVE" else BUSY


def busy_periods(calendar: Calendar, start: datetime, end: datetime,
                 zone: tzinfo) -> Iterator[Period]:
    """The busy time of ``calendar``'s events in [start, end), each occurrence clipped to it;
    floating times and all-day events are read in ``zone``. An event without an end takes
    no time (RFC 5545 §3.6.1), but an all-day one takes its day."""
    for event in recurring_ical_events.of(calendar, components=["VEVENT"]).between(start, end):
        kind = busy_kind(event)
        if kind is None or "DTSTART" not in event:
            continue
        first = _instant(event["DTSTART"].dt, zone)
        last = _instant(event["DTEND"].dt, zone) if "DTEND" in event else first
        if first == last and not isinstance(event["DTSTART"].dt, datetime):
            last = first + timedelta(days=1)
        first, last = max(first, start), min(last, end)
        if first < last:
            yield Period(first, last, kind)


def _instant(value: Any, zone: tzinfo) -> datetime:
    moment: datetime = value if isinstance(value, datetime) else \
        datetime.combine(value if isinstance(value, date) else date.min, time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def merged(periods: Iterable[Period]) -> list[Period]:
    """Overlapping or touching periods of one kind as one; sorted."""
    result: list[Period] = []
    for kind in (BUSY, TENTATIVE):
        current: Period | None = None
        for period in sorted(each for each in periods if each.kind == kind):
            if current is not None and period.start <= current.end:
                current = Period(current.start, max(current.end, period.end), kind)
                continue
            if current is not None:
                result.append(current)
            current = period
        if current is not None:
            result.append(current)
    return sorted(result)


def vfreebusy(periods: Iterable[Period], start: datetime, end: datetime, now: datetime,
              organizer: str | None = None) -> str:
    """A VCALENDAR holding one VFREEBUSY of ``periods`` over [start, end)."""
    busy = _busy_time(periods, start, end, now)
    if organizer:
        busy.add("organizer", f"mailto:{organizer}")
    return _written(_calendar(busy))


@dataclass(frozen=True)
class BusyRequest:
    """An iTIP free/busy request (RFC 5546 §3.3.2, RFC 6638 §5): whose busy time
    (``attendees``, calendar user addresses as written) the ``organizer`` asks for."""

    organizer: str
    attendees: tuple[str, ...]
    start: datetime
    end: datetime
    uid: str | None


class NotABusyRequest(InvalidInput):
    """iCalendar data that is a scheduling message other than a free/busy request (an
    invitation, a reply…): nobody is sent anything."""


def busy_request(text: str, most_attendees: int) -> BusyRequest:
    """The free/busy request ``text`` is: METHOD:REQUEST and one VFREEBUSY with DTSTART,
    DTEND, ORGANIZER and one to ``most_attendees`` ATTENDEEs; else :class:`InvalidInput`
    (:class:`NotABusyRequest` for another kind of message) saying what is wrong."""
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as error:
        raise InvalidInput(f"the body is not iCalendar data ({error})") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise InvalidInput("the body is not an iCalendar object (BEGIN:VCALENDAR)")
    method = str(calendar.get("METHOD", "")).upper()
    found = [each for each in calendar.subcomponents if each.name != "VTIMEZONE"]
    kinds = ", ".join(str(each.name) for each in found)
    if not found:
        raise InvalidInput("the VCALENDAR holds no VFREEBUSY: nothing is asked")
    if method != "REQUEST" or kinds != "VFREEBUSY":
        raise NotABusyRequest(
            "only free/busy requests are answered here (METHOD:REQUEST with one VFREEBUSY), "
            f"not METHOD:{method or '(none)'} with {kinds}: this server sends no invitations")
    [wanted] = found
    attendees = _addresses(wanted, "ATTENDEE")
    if not attendees:
        raise InvalidInput("the VFREEBUSY names no ATTENDEE: whose busy time is asked for?")
    if len(attendees) > most_attendees:
        raise InvalidInput(f"a free/busy request asks for at most {most_attendees} attendees; "
                           f"this one asks for {len(attendees)}")
    organizer = _addresses(wanted, "ORGANIZER")
    if len(organizer) != 1:
        raise InvalidInput("the VFREEBUSY must name one ORGANIZER: the one who asks")
    uid = str(wanted["UID"]) if "UID" in wanted else None
    return BusyRequest(organizer[0], tuple(dict.fromkeys(attendees)),
                       _bound(wanted, "DTSTART"), _bound(wanted, "DTEND"), uid)


def _addresses(component: Component, name: str) -> list[str]:
    values = component.get(name, [])
    return [str(each).strip() for each in (values if isinstance(values, list) else [values])
            if str(each).strip()]


def _bound(component: Component, name: str) -> datetime:
    """DTSTART or DTEND of a VFREEBUSY: a UTC date-time (RFC 5545 §3.6.4), as an instant."""
    try:
        value = component.decoded(name)
    except KeyError:
        raise InvalidInput(f"the VFREEBUSY has no {name}: the span must be given") from None
    except ValueError as error:
        raise InvalidInput(f"the VFREEBUSY's {name} is not a date-time ({error})") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"the VFREEBUSY's {name} must be a date-time in UTC "
                           "(20270104T080000Z)")
    return value.astimezone(UTC)


def busy_reply(periods: Iterable[Period], request: BusyRequest, attendee: str,
               now: datetime) -> str:
    """The iTIP REPLY of ``attendee``'s busy time to ``request`` (RFC 5546 §3.3.2)."""
    busy = _busy_time(periods, request.start, request.end, now)
    if request.uid:
        busy.add("uid", request.uid)
    busy.add("organizer", vCalAddress(request.organizer))
    busy.add("attendee", vCalAddress(attendee))
    calendar = _calendar(busy)
    calendar.add("method", "REPLY")
    return _written(calendar)


def _busy_time(periods: Iterable[Period], start: datetime, end: datetime,
               now: datetime) -> FreeBusy:
    """A VFREEBUSY of ``periods`` (merged) over [start, end), stamped ``now``."""
    busy = FreeBusy()
    busy.add("dtstamp", now.astimezone(UTC).replace(microsecond=0))
    busy.add("dtstart", start.astimezone(UTC))
    busy.add("dtend", end.astimezone(UTC))
    for period in merged(periods):
        value = vPeriod((period.start, period.end))
        value.params.pop("VALUE", None)  # (PERIOD is FREEBUSY's own type: said by nobody)
        # (one period a line: Thunderbird reads each FREEBUSY as one period)
        busy.add("freebusy", value, parameters={"FBTYPE": period.kind})
    return busy


def _calendar(busy: FreeBusy) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(busy)
    return calendar


def _written(calendar: Calendar) -> str:
    written: bytes = calendar.to_ical()
    return written.decode("utf-8")
