"""Every TZID a client may send is the instant it meant: the item's own VTIMEZONE, an IANA
name, a Windows name, a fixed offset (``UTC+01:00`` as the ``caldav`` library writes it,
``UTC+1``, ``GMT+0100``), an Outlook display name; whatever the representative's own zone is.
A TZID that none of these explain is refused (403, ``valid-calendar-data``, the TZID named)
and nothing is stored."""

import base64
import http.client
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.clock import next_date, on, stamp
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import PASSWORD, Server, calendar, start_bridge_serve

WINTER = next_date(1, 15)
SUMMER = next_date(7, 1)
REPRESENTATIVE_ZONES = ["America/New_York", "Europe/Warsaw"]

CUSTOM_WITH_SUMMER_TIME = """BEGIN:VTIMEZONE
TZID:Office time
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
"""
CUSTOM_WITHOUT_SUMMER_TIME = """BEGIN:VTIMEZONE
TZID:Branch office
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
END:VTIMEZONE
"""


def event(uid: str, tzid: str, when: date, zones: str = "", clock: str = "090000") -> str:
    """An event at ``clock`` local time on ``when`` in ``tzid``, as a client writes it."""
    local = f"{stamp(when)}T{clock}"
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//zones test//EN\r\n{zones}"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp(datetime.now(UTC))}\r\n"
            f'DTSTART;TZID="{tzid}":{local}\r\nDTEND;TZID="{tzid}":{stamp(when)}T100000\r\n'
            f"SUMMARY:Visit {uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").replace("\n", "\r\n") \
        .replace("\r\r\n", "\r\n")


def instant(text: str, when: date, zone: str) -> datetime:
    return on(when, text, zone).astimezone(UTC)


CASES = [
    # (TZID, VTIMEZONE in the item, date, the instant 09:00 there is)
    ("UTC+01:00", "", WINTER, datetime.combine(WINTER, datetime.min.time(), UTC)
     + timedelta(hours=8)),
    ("UTC+01:00", "", SUMMER, datetime.combine(SUMMER, datetime.min.time(), UTC)
     + timedelta(hours=8)),
    ("UTC+1", "", SUMMER, datetime.combine(SUMMER, datetime.min.time(), UTC) + timedelta(hours=8)),
    ("GMT+0100", "", WINTER, datetime.combine(WINTER, datetime.min.time(), UTC)
     + timedelta(hours=8)),
    ("UTC-05:30", "", WINTER, datetime.combine(WINTER, datetime.min.time(), UTC)
     + timedelta(hours=14, minutes=30)),
    ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "", WINTER,
     instant("09:00", WINTER, "Europe/Berlin")),
    ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "", SUMMER,
     instant("09:00", SUMMER, "Europe/Berlin")),
    ("(UTC-05:00) Eastern Time (US & Canada)", "", SUMMER,
     instant("09:00", SUMMER, "America/New_York")),
    ("W. Europe Standard Time", "", SUMMER, instant("09:00", SUMMER, "Europe/Berlin")),
    ("Central European Standard Time", "", WINTER, instant("09:00", WINTER, "Europe/Warsaw")),
    ("America/New_York", "", WINTER, instant("09:00", WINTER, "America/New_York")),
    ("Europe/Warsaw", "", SUMMER, instant("09:00", SUMMER, "Europe/Warsaw")),
    ("Office time", CUSTOM_WITH_SUMMER_TIME, SUMMER, instant("09:00", SUMMER, "Europe/Warsaw")),
    ("Office time", CUSTOM_WITH_SUMMER_TIME, WINTER, instant("09:00", WINTER, "Europe/Warsaw")),
    ("Branch office", CUSTOM_WITHOUT_SUMMER_TIME, SUMMER, instant("09:00", SUMMER,
                                                                  "Asia/Kolkata")),
]


@pytest.fixture(autouse=True)
def window_of_two_years(hq: Bridge) -> None:
    """The dates above lie up to 13 months ahead: past the default window's year."""
    assert hq("settings", "set", "bwilson", "--calendar-end", "+800d").exit_code == 0


def status_line(server: Server, path: str, text: str) -> str:
    """The status line of bwilson's PUT, as sync logs show it (read with http.client: the
    HTTP library of the other helpers keeps no reason phrase)."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    credentials = base64.b64encode(f"bwilson:{PASSWORD}".encode()).decode()
    try:
        connection.request("PUT", f"/{path}", body=text.encode(),
                           headers={"Authorization": f"Basic {credentials}",
                                    "Content-Type": "text/calendar"})
        response = connection.getresponse()
        return f"{response.status} {response.reason}"
    finally:
        connection.close()


def hq_start(hq: Bridge, uid: str) -> datetime:
    [activity] = [a for a in activities_json(hq) if a["name"].endswith(f"Visit {uid}")]
    return datetime.fromisoformat(activity["start"])


def served_start(client: Any, href: str) -> datetime:
    response = client.request(href)
    assert response.status == 200, response.status
    component = Calendar.from_ical(response.raw).walk("VEVENT")[0]
    return component.decoded("DTSTART")


@pytest.mark.parametrize("representative_zone", REPRESENTATIVE_ZONES)
def test_every_tzid_form_is_the_instant_the_client_meant(
        server: Server, hq: Bridge, representative_zone: str) -> None:
    assert hq("settings", "set", "bwilson", "--time-zone", representative_zone).exit_code == 0
    client = server.client("bwilson")
    for number, (tzid, zones, when, meant) in enumerate(CASES):
        uid = f"zone-{number}"
        answer = server.put("bwilson", f"bwilson/appointments/{uid}.ics",
                            event(uid, tzid, when, zones))
        assert answer.status_code == 201, (tzid, answer.status_code, answer.text)
        assert hq_start(hq, uid) == meant, tzid
        served = served_start(client, f"{server.url}bwilson/appointments/{uid}.ics")
        assert served.tzinfo is not None and served == meant, (tzid, served)


@pytest.mark.parametrize("representative_zone", REPRESENTATIVE_ZONES)
def test_a_caldav_client_saving_a_fixed_offset_time_keeps_its_instant(
        server: Server, hq: Bridge, representative_zone: str) -> None:
    """The ``caldav`` library writes ``DTSTART;TZID="UTC+01:00":…`` without a VTIMEZONE."""
    assert hq("settings", "set", "bwilson", "--time-zone", representative_zone).exit_code == 0
    appointments = calendar(server.client("bwilson"), "bwilson/appointments/")
    start = datetime.combine(WINTER, datetime.min.time()).replace(
        hour=9, tzinfo=timezone(timedelta(hours=1)))
    appointments.save_event(dtstart=start, dtend=start + timedelta(hours=1),
                            summary="Visit by script", uid="script-1")
    [activity] = [a for a in activities_json(hq) if a["name"].endswith("Visit by script")]
    assert datetime.fromisoformat(activity["start"]) == start
    [served] = appointments.events()
    assert served.icalendar_component.decoded("DTSTART") == start


def test_an_all_day_event_stays_on_its_date_in_every_zone(server: Server, hq: Bridge) -> None:
    for login_zone in REPRESENTATIVE_ZONES:
        assert hq("settings", "set", "bwilson", "--time-zone", login_zone).exit_code == 0
        uid = f"all-day-{login_zone.replace('/', '-')}"
        text = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//zones test//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:{uid}\r\nDTSTAMP:{stamp(datetime.now(UTC))}\r\n"
                f"DTSTART;VALUE=DATE:{stamp(WINTER)}\r\n"
                f"DTEND;VALUE=DATE:{stamp(WINTER + timedelta(days=1))}\r\n"
                f"SUMMARY:Visit {uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        assert server.put("bwilson", f"bwilson/appointments/{uid}.ics", text).status_code == 201
        served = served_start(server.client("bwilson"),
                              f"{server.url}bwilson/appointments/{uid}.ics")
        assert served == WINTER, (login_zone, served)


@pytest.mark.parametrize("tzid", ["Mars/Olympus", "UTC+25:00", "(UTC+01:00"])
def test_a_tzid_that_names_no_zone_is_refused_and_nothing_is_stored(
        server: Server, hq: Bridge, tzid: str) -> None:
    before = activities_json(hq)
    answer = server.put("bwilson", "bwilson/appointments/unknown.ics",
                        event("unknown", tzid, WINTER))
    assert answer.status_code == 403
    assert "valid-calendar-data" in answer.text and "names no time zone" in answer.text
    assert tzid in answer.text
    refused = status_line(server, "bwilson/appointments/unknown.ics",
                          event("unknown", tzid, WINTER))
    assert refused.startswith("403 Forbidden: TZID") and tzid in refused
    assert activities_json(hq) == before
    with server.http("bwilson") as http:
        assert http.get(f"{server.url}bwilson/appointments/unknown.ics").status_code == 404


def test_the_log_names_the_rule_that_resolved_a_tzid_at_debug_and_no_error(
        staff_passwords: None, hq: Bridge, database_url: str, tmp_path: Path) -> None:
    server, process = start_bridge_serve(database_url, tmp_path, log_level="debug")
    try:
        answer = server.put("bwilson", "bwilson/appointments/logged.ics",
                            event("logged", "UTC+01:00", WINTER))
        assert answer.status_code == 201
    finally:
        process.terminate()
        log = process.communicate(timeout=10)[0].decode(errors="replace")
    assert "TZID 'UTC+01:00' resolved as UTC+01:00 (a UTC offset)" in log
    assert "[ERROR]" not in log and "'UTC+01:00'\n" not in log


def test_the_zone_of_the_instant_is_served_back(server: Server, hq: Bridge) -> None:
    """An Outlook display name's zone is what HQ and the client then show."""
    uid = "display"
    tzid = "(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb"
    assert server.put("bwilson", f"bwilson/appointments/{uid}.ics",
                      event(uid, tzid, SUMMER)).status_code == 201
    served = served_start(server.client("bwilson"), f"{server.url}bwilson/appointments/{uid}.ics")
    assert served.utcoffset() == ZoneInfo("Europe/Warsaw").utcoffset(
        datetime.combine(SUMMER, datetime.min.time()))
