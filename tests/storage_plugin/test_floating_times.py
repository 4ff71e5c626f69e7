"""Times a client sends without a zone (floating, as calcurse and many scripts send) are read
in the representative's time zone (`bridge settings set LOGIN --time-zone`, default the
server's `[storage] time_zone`, default UTC): the item is served as the client sent it, and
once HQ changes it, in that zone, so every client and HQ show the time the client sent."""

from datetime import datetime

from tests.clock import at, iso, local_stamp, stamp
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import Server, calendar, serving

FLOATING = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//floating script//EN
BEGIN:VEVENT
UID:floating-1
DTSTAMP:{stamp(at(1, "12:00", "UTC"))}
DTSTART:{local_stamp(15, "10:00")}
DTEND:{local_stamp(15, "11:00")}
SUMMARY:Demo from a floating client
END:VEVENT
END:VCALENDAR
"""


def saved_and_served_back(server: Server, hq: Bridge) -> tuple[str, datetime]:
    """Save the floating event with a real client; HQ's start and what the client reads —
    as it sent it, then once HQ changed the activity."""
    appointments = calendar(server.client("bwilson"), "bwilson/appointments/")
    appointments.save_event(FLOATING)
    [activity] = [a for a in activities_json(hq) if "floating client" in a["name"]]
    [event] = appointments.events()
    assert event.icalendar_component.decoded("DTSTART") == at(15, "10:00").replace(tzinfo=None)
    assert hq("activities", "edit", activity["number"], "--description", "Agenda").exit_code == 0
    [event] = appointments.events()
    return activity["start"], event.icalendar_component.decoded("DTSTART")


def test_a_floating_time_is_read_in_the_representatives_zone_and_shown_as_sent(
        server: Server, hq: Bridge) -> None:
    assert hq("settings", "set", "bwilson", "--time-zone", "Europe/Warsaw").exit_code == 0
    hq_start, served = saved_and_served_back(server, hq)
    assert hq_start == iso(15, "10:00")  # 10:00 in Warsaw
    assert served == at(15, "10:00", "Europe/Warsaw")


def test_without_a_zone_of_their_own_the_servers_zone_is_used(
        staff_passwords: None, database_url: str, hq: Bridge) -> None:
    with serving(database_url, storage={"time_zone": "America/New_York"}) as server:
            hq_start, served = saved_and_served_back(server, hq)
    assert hq_start == iso(15, "10:00", "America/New_York")
    assert served == at(15, "10:00", "America/New_York")


def test_the_default_zone_is_utc(server: Server, hq: Bridge) -> None:
    hq_start, served = saved_and_served_back(server, hq)
    assert datetime.fromisoformat(hq_start) == at(15, "10:00", "UTC")
    assert served.utcoffset().total_seconds() == 0 and served.hour == 10


def test_a_representatives_zone_is_an_iana_or_windows_name(hq: Bridge) -> None:
    assert hq("settings", "set", "bwilson", "--time-zone", "Mars/Olympus").exit_code != 0
    refused = hq("settings", "set", "bwilson", "--time-zone", "Mars/Olympus")
    assert "unknown time zone 'Mars/Olympus'" in refused.output
    assert hq("settings", "set", "bwilson", "--time-zone",
              "Central European Standard Time").exit_code == 0
    assert "Time zone:        Europe/Warsaw" in hq("settings", "show", "bwilson").output
    assert hq("settings", "set", "bwilson", "--time-zone", "server").exit_code == 0
    assert "the server default" in hq("settings", "show", "bwilson").output
