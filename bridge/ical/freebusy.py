"""Busy time: which events take a representative's time (RFC 4791 §7.10), each occurrence of a
recurring one inside the asked span, and a VFREEBUSY of it (RFC 5545 §3.6.4) — what classic
Outlook's "Internet Free/Busy", a script or a colleague planning a visit reads. Busy time
only: nothing of what an event is about."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import recurring_ical_events
from icalendar import Calendar, Component, FreeBusy, vPeriod

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
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    busy = FreeBusy()
    busy.add("dtstamp", now.astimezone(UTC).replace(microsecond=0))
    busy.add("dtstart", start.astimezone(UTC))
    busy.add("dtend", end.astimezone(UTC))
    if organizer:
        busy.add("organizer", f"mailto:{organizer}")
    for period in merged(periods):
        value = vPeriod((period.start, period.end))
        value.params.pop("VALUE", None)  # (PERIOD is FREEBUSY's own type: said by nobody)
        busy.add("freebusy", value, parameters={"FBTYPE": period.kind})
    calendar.add_component(busy)
    written: bytes = calendar.to_ical()
    return written.decode("utf-8")
