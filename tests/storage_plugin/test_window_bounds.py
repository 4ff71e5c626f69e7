"""A window bound is a whole day in the representative's zone, inclusive, shown as given and
served as the instant that ends that day (RFC 4791 max-date-time, to the second)."""

from datetime import UTC, timedelta

from tests.clock import next_date, on, stamp
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import Server

PROPS = ('<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop>'
         '<C:min-date-time/><C:max-date-time/></prop></propfind>')


def event(uid: str, start: str) -> str:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nSUMMARY:Visit {uid}\r\nDTSTART:{start}\r\nDURATION:PT20M\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


def window_props(server: Server) -> str:
    answer = server.http("bwilson").request(
        "PROPFIND", server.url + "bwilson/appointments/", data=PROPS, headers={"Depth": "0"})
    assert answer.status_code == 207
    return answer.text


def test_the_last_day_the_calendar_knows_is_served_whole(server: Server, hq: Bridge) -> None:
    shown = hq("settings", "set", "bwilson", "--calendar-end", "9999-12-31").output
    assert "… 9999-12-31  (today: " in shown and shown.count("9999-12-31") == 2
    assert "99991231T235959Z</C:max-date-time>" in window_props(server)
    answer = server.put("bwilson", "bwilson/appointments/last.ics",
                        event("last", "99991231T090000Z"))
    assert answer.status_code == 201, answer.text
    assert [a["name"] for a in activities_json(hq)] == ["Visit last"]


def test_the_window_ends_at_midnight_in_the_representatives_zone(
        server: Server, hq: Bridge) -> None:
    last = next_date(7, 20)
    assert hq("settings", "set", "bwilson", "--time-zone", "Europe/Warsaw", "--calendar-end",
              last.isoformat()).exit_code == 0
    shown = hq("settings", "show", "bwilson").output
    assert f"… {last}  (today: " in shown and f"… {last})" in shown
    ends = on(last + timedelta(days=1), "00:00", "Europe/Warsaw").astimezone(UTC)
    assert f"{stamp(ends - timedelta(seconds=1))}</C:max-date-time>" in window_props(server)
    late = on(last, "23:30", "Europe/Warsaw")
    inside = server.put("bwilson", "bwilson/appointments/late.ics",
                        event("late", stamp(late)))
    assert inside.status_code == 201, inside.text
    beyond = server.put("bwilson", "bwilson/appointments/beyond.ics",
                        event("beyond", stamp(late + timedelta(hours=1))))
    assert beyond.status_code == 403 and "max-date-time" in beyond.text
    assert f"… {last}" in beyond.text
    assert [a["name"] for a in activities_json(hq)] == ["Visit late"]
