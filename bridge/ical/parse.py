"""What a calendar client sent: one VEVENT or VTODO read into the fields HQ keeps."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from bridge.errors import InvalidInput
from bridge.ical.privacy import is_private_class
from bridge.ical.zones import IANA, UnknownTimeZone, resolve_tzid, zone_name_of

RECURRENCE = ("RRULE", "RDATE", "RECURRENCE-ID")


@dataclass(frozen=True)
class ClientItem:
    component: str
    uid: str
    summary: str | None
    description: str | None
    start: datetime | None
    end: datetime | None
    all_day: bool
    zone: str | None
    status: str | None
    completed: datetime | None
    percent: int | None
    priority: int | None
    customer: str | None
    transfer: bool | None
    recurring: bool
    private: bool | None = None
    """Its CLASS: private (PRIVATE, CONFIDENTIAL), not (PUBLIC or another), or not given."""
    portable: bool = True
    """Every zone its times name is one any client knows: defined by a VTIMEZONE of the
    item, or an IANA name (not a Windows name or an offset only some clients resolve)."""


def parse_client_item(source: str | Calendar, floating_zone: str = "UTC") -> ClientItem:
    """The item (its text, or the text as parsed already); times without a zone (floating)
    are read in ``floating_zone`` (IANA)."""
    try:
        calendar = Calendar.from_ical(source) if isinstance(source, str) else source
    except (ValueError, OverflowError, OSError) as error:  # OSError: a TZID no file can name
        raise InvalidInput(f"not valid iCalendar: {error}") from error
    mains = [c for c in calendar.subcomponents if c.name in ("VEVENT", "VTODO", "VJOURNAL")]
    if not mains:
        raise InvalidInput("the calendar object has no VEVENT or VTODO")
    main = next((c for c in mains if "RECURRENCE-ID" not in c), mains[0])
    floating = ZoneInfo(floating_zone)
    start, start_all_day = _when(main, "DTSTART", floating)
    end, end_all_day = _when(main, "DUE" if main.name == "VTODO" else "DTEND", floating)
    if end is None and start is not None and "DURATION" in main:
        try:
            end = start + main.decoded("DURATION")
        except OverflowError:
            raise InvalidInput("DTSTART plus DURATION lies outside the years 1 to 9999") from None
    return ClientItem(
        component=main.name or "",  # (one of the names mains are chosen by)
        uid=str(main.get("UID", "")),
        summary=_text(main, "SUMMARY"),
        description=_text(main, "DESCRIPTION"),
        start=start,
        end=end,
        all_day=start_all_day or end_all_day,
        zone=_zone(main, floating_zone),
        status=_text(main, "STATUS"),
        completed=_when(main, "COMPLETED", UTC)[0],
        percent=int(main.decoded("PERCENT-COMPLETE")) if "PERCENT-COMPLETE" in main else None,
        priority=int(main.decoded("PRIORITY")) if "PRIORITY" in main else None,
        customer=_text(main, "X-BRIDGE-CUSTOMER"),
        transfer=_flag(main, "X-BRIDGE-TRANSFER"),
        recurring=len(mains) > 1 or any(name in main for name in RECURRENCE),
        private=is_private_class(main["CLASS"]) if "CLASS" in main else None,
        portable=_portable(calendar, main),
    )


def _portable(calendar: Calendar, main: Component) -> bool:
    defined = {str(zone.get("TZID", "")) for zone in calendar.walk("VTIMEZONE")}
    for name in ("DTSTART", "DTEND", "DUE"):
        tzid = main[name].params.get("TZID") if name in main else None
        if tzid and tzid not in defined:
            found = resolve_tzid(tzid)
            if found is None or found.rule != IANA:
                return False
    return True


def _text(component: Component, name: str) -> str | None:
    value = component.get(name)
    return None if value is None else str(value)


def _flag(component: Component, name: str) -> bool | None:
    value = _text(component, name)
    if value is None:
        return None
    return value.strip().upper() in ("TRUE", "YES", "1")


def _when(component: Component, name: str, floating: tzinfo) -> tuple[datetime | None, bool]:
    """An aware instant (a floating time read in ``floating``), and whether it was a whole
    day (DATE value)."""
    if name not in component:
        return None, False
    prop = component[name]
    try:
        value = component.decoded(name)
    except (ValueError, KeyError) as error:
        raise InvalidInput(f"property {name}: {error}") from error
    if isinstance(value, datetime):
        return _aware(value, prop.params.get("TZID"), floating), False
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC), True
    raise InvalidInput(f"property {name} is not a date or date-time")


def _aware(value: datetime, tzid: str | None, floating: tzinfo) -> datetime:
    """A time the reader left without a zone: in the zone its TZID names (see
    :mod:`bridge.ical.zones`), or in ``floating`` when it has none; a TZID that names no zone
    is refused."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value
    if not tzid:
        return value.replace(tzinfo=floating)
    found = resolve_tzid(tzid)
    if found is None:
        raise UnknownTimeZone(tzid)
    return value.replace(tzinfo=found.zone)


def _zone(component: Component, floating_zone: str) -> str | None:
    """The IANA zone the item's start is in (the floating zone for a floating start; none
    for a fixed offset)."""
    if "DTSTART" not in component:
        return None
    value = component.decoded("DTSTART")
    if not isinstance(value, datetime):
        return None
    tzid = component["DTSTART"].params.get("TZID")
    found = resolve_tzid(tzid) if tzid else None
    if value.tzinfo is None:
        return found.name if found else floating_zone
    return zone_name_of(value) or (found.name if found else None)
