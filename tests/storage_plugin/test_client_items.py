"""An item a calendar client made is served as the client wrote it until HQ changes
something in it: clients that never read back what they wrote (calcurse-caldav keeps the
ETag and its own copy) hold what the server holds. Its number lives in HQ and the cockpit,
not in its SUMMARY. HQ-made and mobile items keep "number name"."""


import pytest
from icalendar import Calendar

from tests.clock import day, local_stamp, stamp
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import Server, calendar


def event(uid: str, summary: str, days: int = 5) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//probe//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:{stamp(day(0))}T080000Z\r\n"
            f"DTSTART;TZID=Europe/Warsaw:{local_stamp(days, '10:00')}\r\n"
            f"DTEND;TZID=Europe/Warsaw:{local_stamp(days, '11:00')}\r\n"
            f"SUMMARY:{summary}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\n"
            "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_new_client_item_is_served_as_written_with_the_etag_of_its_put(
        server: Server, hq: Bridge) -> None:
    http = server.http("bwilson")
    url = f"{server.url}bwilson/appointments/probe.ics"
    text = event("probe-1", "Probe from a client")
    put = http.put(url, data=text, headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201 and put.headers.get("ETag")
    got = http.get(url)
    assert got.headers["ETag"] == put.headers["ETag"]
    assert got.text == text
    [activity] = activities_json(hq)
    assert (activity["origin"], activity["name"]) == ("client", "Probe from a client")


def test_once_hq_changes_it_hqs_values_are_served_over_the_clients_copy(
        server: Server, hq: Bridge) -> None:
    http = server.http("bwilson")
    url = f"{server.url}bwilson/appointments/probe.ics"
    put = http.put(url, data=event("probe-1", "Probe"), headers={"Content-Type": "text/calendar"})
    [activity] = activities_json(hq)
    edited = hq("activities", "edit", activity["number"], "--name", "Probe, agenda set")
    assert edited.exit_code == 0
    got = http.get(url)
    assert got.headers["ETag"] != put.headers["ETag"]
    served = Calendar.from_ical(got.text).walk("VEVENT")[0]
    assert str(served["SUMMARY"]) == "Probe, agenda set"
    assert served.walk("VALARM"), "what HQ does not model stays"


@pytest.mark.parametrize(("text_priority", "summary"), [("hq", "Probe"), ("client", "Renamed")])
def test_an_edit_hq_takes_as_written_is_served_as_written_again(
        server: Server, hq: Bridge, text_priority: str, summary: str) -> None:
    assert hq("settings", "set", "bwilson", "--text-priority", text_priority).exit_code == 0
    http = server.http("bwilson")
    url = f"{server.url}bwilson/appointments/probe.ics"
    first = http.put(url, data=event("probe-1", "Probe"), headers={"Content-Type": "text/calendar"})
    moved = event("probe-1", summary, days=6)
    again = http.put(url, data=moved, headers={"Content-Type": "text/calendar",
                                                "If-Match": first.headers["ETag"]})
    assert again.status_code == 204 and again.headers.get("ETag")
    assert http.get(url).text == moved
    assert [a["name"] for a in activities_json(hq)] == [summary]


def test_an_edit_whose_text_hq_keeps_is_rewritten_and_carries_no_etag(
        server: Server, hq: Bridge) -> None:
    assert hq("settings", "set", "bwilson", "--text-priority", "hq").exit_code == 0
    http = server.http("bwilson")
    url = f"{server.url}bwilson/appointments/probe.ics"
    first = http.put(url, data=event("probe-1", "Probe"), headers={"Content-Type": "text/calendar"})
    renamed = http.put(url, data=event("probe-1", "Renamed"),
                       headers={"Content-Type": "text/calendar", "If-Match": first.headers["ETag"]})
    assert renamed.status_code == 204 and "ETag" not in renamed.headers
    served = Calendar.from_ical(http.get(url).text).walk("VEVENT")[0]
    assert str(served["SUMMARY"]) == "Probe"


def test_hq_made_items_keep_number_and_name(server: Server, hq: Bridge) -> None:
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", f"{day(4)}T10:00:00+00:00").exit_code == 0
    [served] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    assert str(served.icalendar_component["SUMMARY"]) == "HQ-000001 Visit"


def test_an_item_whose_zone_only_some_clients_know_is_served_with_hqs_zone(
        server: Server, hq: Bridge) -> None:
    """``TZID="UTC+01:00"`` without a VTIMEZONE (the ``caldav`` library's fixed offsets):
    served as written, another device could read it an hour off; HQ serves its own zone."""
    http = server.http("bwilson")
    url = f"{server.url}bwilson/appointments/offset.ics"
    text = event("offset-1", "Probe").replace("TZID=Europe/Warsaw", 'TZID="UTC+01:00"')
    put = http.put(url, data=text, headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201 and "ETag" not in put.headers
    served = http.get(url).text
    assert "BEGIN:VTIMEZONE" in served and "SUMMARY:Probe\r\n" in served
