"""Time zones of iCalendar data: fixed UTC offsets, IANA names and Windows names (Outlook)."""

import functools
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Timezone, TimezoneStandard
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON


def iana_name(tzid: str | None) -> str | None:
    """The IANA name for a TZID: itself if IANA knows it, the mapped name for a Windows
    name such as "Central European Standard Time", else None."""
    if not tzid:
        return None
    name = WINDOWS_TO_OLSON.get(tzid.strip('"'), tzid.strip('"'))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file can have
        return None
    return name


def zone_name_of(value: datetime) -> str | None:
    """The IANA name of an aware datetime's zone, if it has one (not for fixed offsets)."""
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return iana_name(getattr(zone, "zone", None) or str(zone) if zone else None)


@functools.lru_cache(maxsize=1024)
def local_zone(name: str | None, offset_minutes: int | None) -> tzinfo:
    """The zone to show an activity in: its IANA zone, else its original fixed offset."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone(timedelta(minutes=offset_minutes or 0))


@functools.lru_cache(maxsize=1024)
def fixed_offset_tzid(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def fixed_offset_of(tzid: str) -> timedelta | None:
    """The offset of a TZID made by :func:`fixed_offset_tzid` ("UTC+0100"), else None."""
    if len(tzid) != 8 or not tzid.startswith("UTC") or tzid[3] not in "+-":
        return None
    try:
        hours, minutes = int(tzid[4:6]), int(tzid[6:8])
    except ValueError:
        return None
    sign = -1 if tzid[3] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def fixed_offset_vtimezone(offset: timedelta) -> Timezone:
    """A VTIMEZONE for a zone that is always at ``offset`` (what the mobile export gives)."""
    zone = Timezone()
    zone.add("tzid", fixed_offset_tzid(offset))
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", offset)
    standard.add("tzoffsetto", offset)
    standard.add("tzname", fixed_offset_tzid(offset))
    zone.add_component(standard)
    return zone
