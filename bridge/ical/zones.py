"""Time zones of iCalendar data: what a TZID means, and the fixed offsets HQ renders.

A client's TZID is resolved by one rule, in this order (:func:`resolve_tzid`): the item's own
VTIMEZONE (the iCalendar reader applies it before this module is asked); an IANA name; a
Windows name (Outlook: "W. Europe Standard Time", CLDR's table); a fixed offset (``UTC+01:00``,
``UTC+1``, ``GMT+0100``, as the ``caldav`` library and ``icalendar`` write a datetime with a
fixed offset); an Outlook display name (``(UTC+01:00) Amsterdam, Berlin, …``), whose places
name IANA zones (Europe/Amsterdam) and whose offset names its standard time — it is the zone
of a place it names whose standard offset is the one stated, or only that offset when it
names no known place. Anything else explains nothing and is refused by the caller.
"""

import functools
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar import Timezone, TimezoneStandard
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bridge.errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_TZID = 200
"""Longest TZID looked at (a display name is at most about 80 characters)."""
_OFFSET = re.compile(r"(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?", re.IGNORECASE)
_DISPLAY = re.compile(r"\(\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)\s*(.*)",
                      re.IGNORECASE)
_CONTINENTS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/",
               "Europe/", "Indian/", "Pacific/")


IANA = "an IANA name"
"""The rule that found a TZID in the IANA database (the names every client knows)."""


class UnknownTimeZone(InvalidInput):
    """A TZID that no VTIMEZONE of the item, IANA, Windows or an offset explains."""

    def __init__(self, tzid: str) -> None:
        shown = tzid if len(tzid) <= 80 else tzid[:77] + "..."
        super().__init__(
            f"TZID {shown!r} names no time zone: the item has no VTIMEZONE of that TZID, and it "
            "is no IANA name (Europe/Warsaw), Windows name (W. Europe Standard Time) or UTC "
            "offset (UTC+01:00); nothing was stored")
        self.tzid = tzid


@dataclass(frozen=True)
class Resolved:
    """What a TZID means: its zone, the IANA name if it is a named zone, and by which rule."""

    zone: tzinfo
    name: str | None
    rule: str


def resolve_tzid(tzid: str) -> Resolved | None:
    """The zone a TZID without a VTIMEZONE in its item means (see the module), else None."""
    found = _resolve(tzid.strip().strip('"').strip())
    if found is not None:
        logger.debug("TZID %r resolved as %s (%s)", tzid, found.name or found.zone, found.rule)
    return found


@functools.lru_cache(maxsize=1024)
def _resolve(tzid: str) -> Resolved | None:
    if not tzid or len(tzid) > MAX_TZID:
        return None
    for rule, name in ((IANA, tzid), ("a Windows name", WINDOWS_TO_OLSON.get(tzid))):
        zone = _zone_info(name)
        if zone is not None:
            return Resolved(zone, zone.key, rule)
    offset = _offset(_OFFSET.fullmatch(tzid))
    if offset is not None:
        return Resolved(_fixed(offset), None, "a UTC offset")
    display = _DISPLAY.fullmatch(tzid)
    offset = _offset(display)
    if display is None or offset is None:
        return None
    place = _place_zone(display.group(4), offset)
    if place is not None:
        return Resolved(place, place.key, "a place in an Outlook display name")
    return Resolved(_fixed(offset), None, "the offset of an Outlook display name")


def _zone_info(name: str | None) -> ZoneInfo | None:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file can have
        return None


def _offset(match: re.Match[str] | None) -> timedelta | None:
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2) or 0), int(match.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    return (-1 if sign == "-" else 1) * timedelta(hours=hours, minutes=minutes)


def _fixed(offset: timedelta) -> tzinfo:
    return UTC if not offset else timezone(offset)


def _place_zone(places: str, offset: timedelta) -> ZoneInfo | None:
    """The zone of the first place named (``Amsterdam, Berlin``, ``Eastern Time (US &
    Canada)``) whose standard time (the lower of its winter and summer offsets this year) is
    ``offset``; of several zones a place names, those of the region in brackets first."""
    year = datetime.now(UTC).year
    seasons = (datetime(year, 1, 15, tzinfo=UTC), datetime(year, 7, 15, tzinfo=UTC))
    for place in places.split(","):
        name, _, region = place.partition("(")
        name = re.sub(r"\s+time$", "", name.strip(), flags=re.IGNORECASE)
        hints = [f"{word}/" for word in re.findall(r"[A-Za-z]+", region)]
        for key in sorted(_places().get(name.lower(), ()), key=lambda k: _preference(k, hints)):
            zone = ZoneInfo(key)
            if min(zone.utcoffset(moment) or timedelta() for moment in seasons) == offset:
                return zone
    return None


def _preference(key: str, hints: list[str]) -> tuple[int, bool, str]:
    """Zones of the first region hinted first, then those named by continent."""
    hinted = next((at for at, hint in enumerate(hints) if key.startswith(hint)), len(hints))
    return hinted, not key.startswith(_CONTINENTS), key


@functools.cache
def _places() -> dict[str, tuple[str, ...]]:
    """IANA zones by the place that ends their name (``new york``: America/New_York)."""
    found: dict[str, list[str]] = {}
    for key in available_timezones():
        found.setdefault(key.rsplit("/", 1)[-1].replace("_", " ").lower(), []).append(key)
    return {place: tuple(keys) for place, keys in found.items()}


def iana_name(tzid: str | None) -> str | None:
    """The IANA name of a zone a TZID names (IANA, Windows or display name), else None."""
    found = resolve_tzid(tzid) if tzid else None
    return found.name if found else None


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
