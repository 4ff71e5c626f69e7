"""Free/busy requests and replies (``bridge.ical.freebusy``, RFC 5546 §3.3.2, RFC 6638 §5):
what a request must hold, and the REPLY of one attendee's busy time."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from bridge.errors import InvalidInput
from bridge.ical.freebusy import (
    BUSY,
    BusyRequest,
    NotABusyRequest,
    Period,
    busy_reply,
    busy_request,
)
from tests.clock import at, stamp

START, END = at(3, "00:00", "UTC"), at(5, "00:00", "UTC")


def text(*lines: str, method: str = "METHOD:REQUEST", component: str = "VFREEBUSY") -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", method,
                        f"BEGIN:{component}", *lines, f"END:{component}", "END:VCALENDAR", ""])


SPAN = (f"DTSTART:{stamp(START)}", f"DTEND:{stamp(END)}")
ORGANIZER = "ORGANIZER:mailto:awhite@example.com"


def test_a_request_names_who_asks_for_whose_busy_time_and_when() -> None:
    asked = busy_request(text("UID:r-1", *SPAN, ORGANIZER,
                              "ATTENDEE;CN=Ben:mailto:bwilson@example.com",
                              "ATTENDEE:mailto:cdavis@example.com",
                              "ATTENDEE:mailto:bwilson@example.com"), 100)
    assert asked == BusyRequest("mailto:awhite@example.com",
                                ("mailto:bwilson@example.com", "mailto:cdavis@example.com"),
                                START, END, "r-1")  # (each attendee once)


@pytest.mark.parametrize(("request_text", "reason"), [
    ("", "not iCalendar data"),
    ("BEGIN:VEVENT\r\nEND:VEVENT\r\n", "not an iCalendar object"),
    (text(*SPAN, ORGANIZER, component="X-NOTHING").replace(
        "BEGIN:X-NOTHING\r\n", "").replace("END:X-NOTHING\r\n", ""), "holds no VFREEBUSY"),
    (text(*SPAN, ORGANIZER), "names no ATTENDEE"),
    (text(*SPAN, "ATTENDEE:mailto:b@example.com"), "one ORGANIZER"),
    (text(SPAN[0], ORGANIZER, "ATTENDEE:mailto:b@example.com"), "has no DTEND"),
    (text(f"DTSTART;VALUE=DATE:{stamp(START.date())}", SPAN[1], ORGANIZER,
          "ATTENDEE:mailto:b@example.com"), "DTSTART must be a date-time in UTC"),
    (text(*SPAN, ORGANIZER, *(f"ATTENDEE:mailto:{n}@example.com" for n in range(4))),
     "at most 3 attendees; this one asks for 4"),
])
def test_what_a_request_lacks_is_said(request_text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        busy_request(request_text, 3)
    assert not isinstance(refused.value, NotABusyRequest)


@pytest.mark.parametrize(("method", "component"), [
    ("METHOD:REQUEST", "VEVENT"),  # an invitation
    ("METHOD:REPLY", "VFREEBUSY"),
    ("X-NO-METHOD:1", "VFREEBUSY"),
])
def test_other_scheduling_messages_are_not_free_busy_requests(method: str,
                                                              component: str) -> None:
    with pytest.raises(NotABusyRequest, match="this server sends no invitations"):
        busy_request(text(*SPAN, ORGANIZER, "ATTENDEE:mailto:b@example.com", method=method,
                          component=component), 100)


def test_a_reply_holds_one_attendees_busy_time_one_period_a_line() -> None:
    asked = BusyRequest("mailto:awhite@example.com", ("mailto:bwilson@example.com",),
                        START, END, "r-1")
    nine, hour = at(3, "09:00", "UTC"), timedelta(hours=1)
    reply = busy_reply([Period(nine, nine + hour, BUSY),
                        Period(nine + 3 * hour, nine + 4 * hour, BUSY)],
                       asked, "mailto:bwilson@example.com", at(0, "09:00", "UTC"))
    calendar = Calendar.from_ical(reply)
    assert str(calendar["METHOD"]) == "REPLY"
    [busy] = calendar.walk("VFREEBUSY")
    assert (str(busy["UID"]), str(busy["ORGANIZER"]), str(busy["ATTENDEE"])) == (
        "r-1", "mailto:awhite@example.com", "mailto:bwilson@example.com")
    assert (busy.decoded("DTSTART"), busy.decoded("DTEND")) == (START, END)
    assert [line for line in reply.splitlines() if line.startswith("FREEBUSY")] == [
        f"FREEBUSY;FBTYPE=BUSY:{stamp(nine)}/{stamp(nine + hour)}",
        f"FREEBUSY;FBTYPE=BUSY:{stamp(nine + 3 * hour)}/{stamp(nine + 4 * hour)}"]
