"""Client writes and HQ: new items become HQ activities of origin "client" when transfer to
HQ applies, edits follow the text priority, deletes are recoverable, stale writes get 412."""

from datetime import date, timedelta
from typing import Any

import pytest

from tests.clock import at, day, iso, next_transition, on, stamp, utc
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import EVENT, TODO, VISIT_START, Server, calendar


def by_name(hq: Bridge, name: str) -> list[dict[str, Any]]:
    return [a for a in activities_json(hq) if a["name"] == name]


def test_new_event_in_the_appointments_calendar_becomes_a_client_activity(
        server: Server, hq: Bridge) -> None:
    response = server.put("bwilson", "bwilson/appointments/visit.ics",
                   EVENT.format(uid="visit-1", summary="Visit Acme", description="Bring coffee"),
                   **{"If-None-Match": "*"})
    assert response.status_code == 201
    [activity] = by_name(hq, "Visit Acme")
    assert activity["origin"] == "client"
    assert activity["kind"] == "appointment"
    assert activity["number"] == "CL-000001"
    assert activity["representative"] == "bwilson"
    assert activity["start"] == VISIT_START
    assert activity["description"] == "Bring coffee"


def test_served_back_with_its_own_title_and_the_clients_zone(server: Server, hq: Bridge) -> None:
    server.put("bwilson", "bwilson/appointments/visit.ics",
        EVENT.format(uid="visit-1", summary="Visit Acme", description=""))
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    component = event.icalendar_component
    assert str(component["UID"]) == "visit-1"
    assert str(component["SUMMARY"]) == "Visit Acme"  # its number lives in HQ
    assert component["DTSTART"].params["TZID"] == "Europe/Warsaw"
    assert [a["number"] for a in activities_json(hq)] == ["CL-000001"]
    assert hq("activities", "edit", "CL-000001", "--description", "Agenda").exit_code == 0
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    assert str(event.icalendar_component["SUMMARY"]) == "Visit Acme"
    assert "BEGIN:VTIMEZONE" in event.data and "TZID:Europe/Warsaw" in event.data


def test_new_task_becomes_a_client_task(server: Server, hq: Bridge) -> None:
    response = server.put("bwilson", "bwilson/tasks/t1.ics",
                   TODO.format(uid="todo-1", summary="Send offer", extra=""))
    assert response.status_code == 201
    [task] = by_name(hq, "Send offer")
    assert (task["kind"], task["origin"], task["status"]) == ("task", "client", "Planned")


def test_a_task_into_the_appointments_calendar_is_refused(server: Server, hq: Bridge) -> None:
    response = server.put("bwilson", "bwilson/appointments/t1.ics",
                   TODO.format(uid="todo-1", summary="Wrong place", extra=""))
    assert response.status_code == 403  # RFC 4791 supported-calendar-component
    assert by_name(hq, "Wrong place") == []


def test_an_event_into_the_task_list_is_refused(server: Server, hq: Bridge) -> None:
    response = server.put("bwilson", "bwilson/tasks/e1.ics",
                   EVENT.format(uid="ev-1", summary="Wrong place", description=""))
    assert response.status_code == 403  # RFC 4791 supported-calendar-component
    assert by_name(hq, "Wrong place") == []


def test_without_transfer_to_hq_the_task_stays_in_the_calendar_only(
        server: Server, hq: Bridge) -> None:
    assert hq("settings", "set", "bwilson", "--no-transfer-tasks").exit_code == 0
    assert server.put("bwilson", "bwilson/tasks/t1.ics",
               TODO.format(uid="todo-1", summary="Private", extra="")).status_code == 201
    assert by_name(hq, "Private") == []
    [todo] = calendar(server.client("bwilson"), "bwilson/tasks/").todos()
    assert str(todo.icalendar_component["SUMMARY"]) == "Private"


def test_transfer_can_be_asked_per_item(server: Server, hq: Bridge) -> None:
    assert hq("settings", "set", "bwilson", "--no-transfer-tasks").exit_code == 0
    server.put("bwilson", "bwilson/tasks/t1.ics",
        TODO.format(uid="todo-1", summary="For HQ", extra="X-BRIDGE-TRANSFER:TRUE\n"))
    server.put("bwilson", "bwilson/appointments/e1.ics",
        EVENT.format(uid="ev-1", summary="Lunch", description="").replace(
            "END:VEVENT", "X-BRIDGE-TRANSFER:FALSE\nEND:VEVENT"))
    assert [a["name"] for a in activities_json(hq)] == ["For HQ"]


def test_recurring_event_stays_in_the_calendar_only(server: Server, hq: Bridge) -> None:
    text = EVENT.format(uid="weekly", summary="Team call", description="").replace(
        "END:VEVENT", "RRULE:FREQ=WEEKLY;COUNT=4\nEND:VEVENT")
    assert server.put("bwilson", "bwilson/appointments/weekly.ics", text).status_code == 201
    assert by_name(hq, "Team call") == []


@pytest.fixture
def hq_task(server: Server, hq: Bridge) -> Any:
    """An HQ task of bwilson, and the client's copy of it."""
    result = hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Call back",
                "--description", "HQ text", "--end", iso(10, "12:00"))
    assert result.exit_code == 0
    [todo] = calendar(server.client("bwilson"), "bwilson/tasks/").todos()
    return todo


def _edited(todo: Any, summary: str, description: str, extra: str = "") -> str:
    text = todo.data
    text = text.replace("SUMMARY:HQ-000001 Call back", f"SUMMARY:{summary}")
    text = text.replace("DESCRIPTION:HQ text", f"DESCRIPTION:{description}")
    return text.replace("END:VTODO", extra + "END:VTODO")


def test_with_text_priority_hq_the_hq_text_wins(server: Server, hq: Bridge, hq_task: Any) -> None:
    text = _edited(hq_task, "HQ-000001 Renamed in client", "Client text")
    assert server.http("bwilson").put(str(hq_task.url), data=text).status_code in (201, 204)
    [task] = activities_json(hq)
    assert (task["name"], task["description"]) == ("Call back", "HQ text")
    [todo] = calendar(server.client("bwilson"), "bwilson/tasks/").todos()
    assert str(todo.icalendar_component["SUMMARY"]) == "HQ-000001 Call back"


def test_with_text_priority_client_the_clients_text_is_taken(
        server: Server, hq: Bridge, hq_task: Any) -> None:
    assert hq("settings", "set", "bwilson", "--text-priority", "client").exit_code == 0
    text = _edited(hq_task, "HQ-000001 Renamed in client", "Client text")
    assert server.http("bwilson").put(str(hq_task.url), data=text).status_code in (201, 204)
    [task] = activities_json(hq)
    assert (task["name"], task["description"]) == ("Renamed in client", "Client text")


def test_times_and_completion_from_the_client_always_count(
        server: Server, hq: Bridge, hq_task: Any) -> None:
    completed = utc(0, "10:00", "UTC")
    text = hq_task.data.replace("STATUS:NEEDS-ACTION",
                                f"STATUS:COMPLETED\nCOMPLETED:{stamp(completed)}")
    assert server.http("bwilson").put(str(hq_task.url), data=text).status_code in (201, 204)
    [task] = activities_json(hq)
    assert task["status"] == "Completed"
    assert task["completed_on"] == completed.isoformat()
    assert task["completed_by"] == "bwilson"


def test_what_hq_does_not_model_survives_the_round_trip(
        server: Server, hq: Bridge, hq_task: Any) -> None:
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Reminder\nTRIGGER:-PT15M\nEND:VALARM\n"
    text = hq_task.data.replace("END:VTODO", alarm + "END:VTODO")
    assert server.http("bwilson").put(str(hq_task.url), data=text).status_code in (201, 204)
    [todo] = calendar(server.client("bwilson"), "bwilson/tasks/").todos()
    assert "BEGIN:VALARM" in todo.data and "TRIGGER:-PT15M" in todo.data
    assert "X-BRIDGE-NUMBER:HQ-000001" in todo.data


def test_stale_if_match_is_refused_with_412_and_nothing_changes(
        server: Server, hq: Bridge, hq_task: Any) -> None:
    http = server.http("bwilson")
    fetched = http.get(str(hq_task.url))
    assert hq("activities", "edit", "HQ-000001", "--name", "Changed in HQ").exit_code == 0
    response = http.put(str(hq_task.url), data=fetched.text.replace("Call back", "Client"),
                        headers={"If-Match": fetched.headers["ETag"]})
    assert response.status_code == 412
    assert [a["name"] for a in activities_json(hq)] == ["Changed in HQ"]
    assert http.get(str(hq_task.url)).headers["ETag"] != fetched.headers["ETag"]


def test_if_none_match_on_an_existing_item_is_refused(
        server: Server, hq: Bridge, hq_task: Any) -> None:
    response = server.http("bwilson").put(str(hq_task.url), data=hq_task.data,
                                          headers={"If-None-Match": "*"})
    assert response.status_code == 412


def test_delete_in_the_client_removes_it_from_hq_recoverably(
        server: Server, hq: Bridge, hq_task: Any) -> None:
    assert server.http("bwilson").delete(str(hq_task.url)).status_code in (200, 204)
    assert activities_json(hq) == []
    assert [a["number"] for a in activities_json(hq, "--deleted")] == ["HQ-000001"]
    assert hq("activities", "restore", "HQ-000001").exit_code == 0
    assert len(calendar(server.client("bwilson"), "bwilson/tasks/").todos()) == 1


def _summer_day() -> date:
    """The first date at least 30 days ahead on which Paris (and Warsaw) keep summer time:
    within a representative's window (a year ahead) whatever the season today."""
    if at(30, "09:00", "Europe/Paris").dst():
        return day(30)
    return next_transition("Europe/Paris", after=30, to_summer=True).date() + timedelta(days=1)


SUMMER_DAY = _summer_day()
SUMMER_VISIT = on(SUMMER_DAY, "09:00", "Europe/Paris").isoformat()
"""OUTLOOK_EVENT's start as HQ shows it: 09:00 in summer time (+02:00)."""

OUTLOOK_EVENT = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E008
SUMMARY:Summer visit
DTSTART;TZID=Romance Standard Time:{stamp(SUMMER_DAY)}T090000
DTEND;TZID=Romance Standard Time:{stamp(SUMMER_DAY)}T100000
END:VEVENT
END:VCALENDAR
"""


def test_windows_time_zone_names_from_outlook_are_understood(server: Server, hq: Bridge) -> None:
    assert server.put("bwilson", "bwilson/appointments/outlook.ics",
               OUTLOOK_EVENT).status_code == 201
    [activity] = by_name(hq, "Summer visit")
    assert activity["start"] == SUMMER_VISIT
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    assert event.icalendar_component["DTSTART"].params["TZID"] == "Romance Standard Time"
    assert "TZID:Romance Standard Time" in event.data, "served as Outlook wrote it"
    assert hq("activities", "edit", activity["number"], "--description", "Agenda").exit_code == 0
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    assert event.icalendar_component["DTSTART"].params["TZID"] == "Europe/Paris"


def test_windows_time_zone_name_without_its_vtimezone(server: Server, hq: Bridge) -> None:
    text = OUTLOOK_EVENT.replace("Romance Standard Time", "Central European Standard Time")
    start, end = text.index("BEGIN:VTIMEZONE"), text.index("END:VTIMEZONE") + len("END:VTIMEZONE\n")
    assert server.put("bwilson", "bwilson/appointments/o2.ics",
               text[:start] + text[end:]).status_code == 201
    [activity] = by_name(hq, "Summer visit")
    assert activity["start"] == SUMMER_VISIT
