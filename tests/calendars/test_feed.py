"""Putting a subscription's file together (``bridge.calendars.feed``): each item's
components copied as written, each time zone once; open tasks with a due date as events."""

from icalendar import Calendar

from bridge.calendars.feed import address, split_calendar, task_as_event, webcal
from bridge.ical.render import with_every_timezone

FOLDED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Warsaw\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:a summary folded where the next line begins\r\n"
    " END:VEVENT as text\r\nDTSTART;TZID=Europe/Warsaw:20300101T090000\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_components_are_split_at_their_boundaries_not_inside_folded_text() -> None:
    zones, components = split_calendar(FOLDED)
    assert [tzid for tzid, _ in zones] == ["Europe/Warsaw"]
    [event] = components
    assert event.startswith("BEGIN:VEVENT\r\n") and event.endswith("END:VEVENT\r\n")
    assert " END:VEVENT as text" in event and "BEGIN:VALARM" in event
    assert "VCALENDAR" not in event and "PRODID" not in event


def test_a_client_text_without_its_time_zone_gets_one_the_server_resolves() -> None:
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:b\r\n"
            "DTSTART;TZID=W. Europe Standard Time:20300101T090000\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    zones, _ = split_calendar(with_every_timezone(text))
    assert [tzid for tzid, _ in zones] == ["W. Europe Standard Time"]
    zone = Calendar.from_ical(zones[0][1])
    assert str(zone["TZID"]) == "W. Europe Standard Time"


def test_an_open_task_with_a_due_date_is_an_event_at_that_time() -> None:
    todo = ("BEGIN:VTODO\r\nUID:t\r\nSUMMARY:Call back\r\nDUE;VALUE=DATE:20300102\r\n"
            "SEQUENCE:3\r\nEND:VTODO\r\n")
    event = Calendar.from_ical(task_as_event(todo) or "")
    assert event.name == "VEVENT" and str(event["SUMMARY"]) == "Task: Call back"
    assert event["DTSTART"].to_ical() == b"20300102" and event["SEQUENCE"] == 3
    assert str(event["UID"]) == "t"


def test_tasks_done_without_a_due_date_or_not_tasks_are_left_out() -> None:
    done = "BEGIN:VTODO\r\nUID:t\r\nDUE:20300102T100000Z\r\nSTATUS:COMPLETED\r\nEND:VTODO\r\n"
    undated = "BEGIN:VTODO\r\nUID:u\r\nSUMMARY:Someday\r\nEND:VTODO\r\n"
    event = "BEGIN:VEVENT\r\nUID:e\r\nEND:VEVENT\r\n"
    assert [task_as_event(each) for each in (done, undated, event)] == [None, None, None]


def test_the_address_and_its_webcal_twin() -> None:
    url = address("https://calendar.example/emea/", "s3cret")
    assert url == "https://calendar.example/emea/feeds/s3cret.ics"
    assert webcal(url) == "webcal://calendar.example/emea/feeds/s3cret.ics"
