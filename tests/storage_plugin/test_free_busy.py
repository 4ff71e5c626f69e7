"""Free/busy time (RFC 4791 §7.10): the CalDAV free-busy-query REPORT on a representative's
calendar, and the Internet free/busy address ``/freebusy/LOGIN.vfb`` colleagues and classic
Outlook read — busy time only, never what an appointment is about."""

from datetime import UTC, datetime

import icalendar
import pytest
import requests

from tests.clock import at, iso, local_stamp
from tests.conftest import Bridge, WriteExport, appointment, import_appointments, opened
from tests.storage_plugin.conftest import PASSWORD, Server, calendar


def event(uid: str, days: int, start: str, end: str, extra: str = "") -> str:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nSUMMARY:Secret plan {uid}\r\n"
            f"DTSTART;TZID=Europe/Warsaw:{local_stamp(days, start)}\r\n"
            f"DTEND;TZID=Europe/Warsaw:{local_stamp(days, end)}\r\n"
            f"{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")


EVENTS = [
    ("busy", 3, "09:00", "10:00", ""),
    ("overlapping", 3, "09:30", "10:30", ""),  # merged with "busy" into one period
    ("tentative", 3, "12:00", "13:00", "STATUS:TENTATIVE\r\n"),
    ("transparent", 3, "14:00", "15:00", "TRANSP:TRANSPARENT\r\n"),
    ("cancelled", 3, "16:00", "17:00", "STATUS:CANCELLED\r\n"),
    ("daily", 4, "08:00", "08:30", "RRULE:FREQ=DAILY;COUNT=30\r\n"),
    ("early", -20, "09:00", "10:00", ""),  # outside the default span (two weeks back)
]


@pytest.fixture
def busy(server: Server, hq: Bridge, write_export: WriteExport) -> Server:
    """bwilson's week: EVENTS in his calendar, and the mobile appointment MA-1 (day 6,
    09:00-10:00 in Warsaw)."""
    import_appointments(hq, write_export, appointment("MA-1"))
    for uid, days, start, end, extra in EVENTS:
        put = server.put("bwilson", f"bwilson/appointments/{uid}.ics",
                         event(uid, days, start, end, extra))
        assert put.status_code == 201, put.text
    return server


def periods(text: str) -> list[tuple[str, datetime, datetime]]:
    """The FREEBUSY periods of a VFREEBUSY, with their FBTYPE, in time order."""
    found = []
    for component in icalendar.Calendar.from_ical(text).walk("VFREEBUSY"):
        values = component.get("FREEBUSY", [])
        for value in values if isinstance(values, list) else [values]:
            for start, end in ([value.dt] if isinstance(value.dt, tuple) else value.dt):
                found.append((value.params.get("FBTYPE", "BUSY"), start.astimezone(UTC),
                              end.astimezone(UTC)))
    return sorted(found, key=lambda period: period[1])


def utc_at(days: int, clock: str) -> datetime:
    return at(days, clock).astimezone(UTC)


def busy_of_days_3_to_5() -> list[tuple[str, datetime, datetime]]:
    """What RFC 4791 §7.10 makes of EVENTS and MA-1 between days 3 and 5 (00:00 Warsaw)."""
    return [("BUSY", utc_at(3, "09:00"), utc_at(3, "10:30")),
            ("BUSY-TENTATIVE", utc_at(3, "12:00"), utc_at(3, "13:00")),
            ("BUSY", utc_at(4, "08:00"), utc_at(4, "08:30"))]


def test_the_free_busy_report_answers_busy_time_by_the_rfc(busy: Server) -> None:
    appointments = calendar(busy.client("bwilson"), "bwilson/appointments/")
    answer = appointments.freebusy_request(at(3, "00:00"), at(5, "00:00"))
    found = [each for each in periods(answer.data) if each[0] != "FREE"]
    assert found == busy_of_days_3_to_5()  # transparent and cancelled ones take no time
    assert "Secret plan" not in answer.data


def test_the_report_walks_recurrences_only_inside_the_span(busy: Server) -> None:
    appointments = calendar(busy.client("bwilson"), "bwilson/appointments/")
    answer = appointments.freebusy_request(at(10, "00:00"), at(12, "00:00"))
    assert periods(answer.data) == [("BUSY", utc_at(10, "08:00"), utc_at(10, "08:30")),
                                    ("BUSY", utc_at(11, "08:00"), utc_at(11, "08:30"))]


def vfb(server: Server, login: str, signed_in_as: str | None = "cdavis",
        **query: str) -> requests.Response:
    session = opened(requests.Session())
    if signed_in_as:
        session.auth = (signed_in_as, PASSWORD)
    return session.get(f"{server.url}freebusy/{login}.vfb", params=query)


def test_a_colleague_reads_the_busy_time_not_what_it_is_about(busy: Server) -> None:
    answer = vfb(busy, "bwilson", start=iso(3, "00:00"), end=iso(5, "00:00"))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert periods(answer.text) == busy_of_days_3_to_5()
    assert "Secret plan" not in answer.text and "SUMMARY" not in answer.text
    assert "ORGANIZER:mailto:bwilson@example.com" in answer.text


def test_by_default_two_weeks_back_and_eight_ahead(busy: Server) -> None:
    found = periods(vfb(busy, "bwilson", "bwilson").text)
    starts = {start for _, start, _ in found}
    assert utc_at(-20, "09:00") not in starts  # three weeks back
    assert utc_at(6, "09:00") in starts  # the mobile appointment counts too
    assert utc_at(4, "08:00") in starts and utc_at(33, "08:00") in starts  # the daily one
    calendar_ = icalendar.Calendar.from_ical(vfb(busy, "bwilson").text)
    [component] = calendar_.walk("VFREEBUSY")
    # (whole days in bwilson's zone: he chose none, so UTC's)
    assert component["DTSTART"].dt == at(-14, "00:00", "UTC")
    assert component["DTEND"].dt == at(56, "00:00", "UTC")


def test_only_signed_in_employees_read_it(busy: Server) -> None:
    anonymous = vfb(busy, "bwilson", signed_in_as=None)
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]
    session = opened(requests.Session())
    session.auth = ("cdavis", "wrong")
    assert session.get(f"{busy.url}freebusy/bwilson.vfb").status_code == 401


def test_unknown_logins_and_bad_spans_are_refused_with_the_reason(busy: Server) -> None:
    assert vfb(busy, "nobody").status_code == 404
    assert vfb(busy, "eclerk").status_code == 404  # no calendars: not a representative
    too_long = vfb(busy, "bwilson", start=iso(0, "00:00"), end=iso(400, "00:00"))
    assert too_long.status_code == 400 and "at most 366 days" in too_long.text
    backwards = vfb(busy, "bwilson", start=iso(5, "00:00"), end=iso(4, "00:00"))
    assert backwards.status_code == 400 and "before it starts" in backwards.text
    garbled = vfb(busy, "bwilson", start="next tuesday")
    assert garbled.status_code == 400 and "start='next tuesday'" in garbled.text
