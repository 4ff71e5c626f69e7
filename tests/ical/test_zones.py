"""What a TZID means (bridge.ical.zones.resolve_tzid): one rule, in its order."""

from datetime import timedelta, timezone

import pytest

from bridge.ical.zones import resolve_tzid

NAMED = [
    ("Europe/Warsaw", "Europe/Warsaw", "an IANA name"),
    ('"America/New_York"', "America/New_York", "an IANA name"),
    ("W. Europe Standard Time", "Europe/Berlin", "a Windows name"),
    ("Eastern Standard Time", "America/New_York", "a Windows name"),
    ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Amsterdam",
     "a place in an Outlook display name"),
    ("(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Sarajevo",
     "a place in an Outlook display name"),
    ("(UTC-05:00) Eastern Time (US & Canada)", "US/Eastern",
     "a place in an Outlook display name"),
    ("(UTC-08:00) Pacific Time (US & Canada)", "US/Pacific",
     "a place in an Outlook display name"),
    ("(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/Dublin",
     "a place in an Outlook display name"),
    ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata",
     "a place in an Outlook display name"),
]
FIXED = [
    ("UTC+01:00", 60, "a UTC offset"),
    ("UTC+1", 60, "a UTC offset"),
    ("GMT+0100", 60, "a UTC offset"),
    ("UTC+0100", 60, "a UTC offset"),
    ("UTC-05:30", -330, "a UTC offset"),
    ("utc-3", -180, "a UTC offset"),
    ("(UTC) Coordinated Universal Time", 0, "the offset of an Outlook display name"),
    ("(UTC-03:00) Brasilia", -180, "the offset of an Outlook display name"),
]


@pytest.mark.parametrize(("tzid", "name", "rule"), NAMED)
def test_a_named_zone_is_found_by_its_name_or_its_places(tzid: str, name: str, rule: str) -> None:
    found = resolve_tzid(tzid)
    assert found is not None and (found.name, found.rule) == (name, rule)


@pytest.mark.parametrize(("tzid", "minutes", "rule"), FIXED)
def test_a_fixed_offset_is_that_offset_in_every_season(tzid: str, minutes: int, rule: str) -> None:
    found = resolve_tzid(tzid)
    assert found is not None and found.name is None and found.rule == rule
    assert found.zone == timezone(timedelta(minutes=minutes))


@pytest.mark.parametrize("tzid", ["", "Mars/Olympus", "No/Such_Zone", "UTC+25:00", "UTC+01:75",
                                  "(UTC+01:00", "../../etc/passwd", "Z" * 5000,
                                  "Europe/Warsaw extra"])
def test_a_tzid_that_explains_nothing_resolves_to_nothing(tzid: str) -> None:
    assert resolve_tzid(tzid) is None
