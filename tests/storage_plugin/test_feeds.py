"""A representative's calendar subscription: their appointments at a secret address, read
without signing in, as Outlook, Google and Apple Calendar read a subscribed calendar."""

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import requests

from storage_plugin.feeds import Kept
from tests.clock import at, day, iso, utc
from tests.conftest import Bridge, WriteExport, appointment, import_appointments, opened
from tests.storage_plugin.conftest import (
    EVENT,
    TODO,
    VISIT_DAYS,
    Server,
    start_bridge_serve,
    stop_serving,
)


def renewed(hq: Bridge, login: str, *options: str) -> str:
    """`bridge subscriptions renew LOGIN`: the https address it prints."""
    result = hq("subscriptions", "renew", login, "--server-url", "http://bridge.example",
                *options)
    assert result.exit_code == 0, result.output
    [address] = re.findall(r"http://bridge\.example(/feeds/\S+\.ics)", result.output)
    assert f"webcal://bridge.example{address}" in result.output
    return address


def fetch(server: Server, address: str, **headers: str) -> requests.Response:
    """GET as a subscribing calendar does: no credentials."""
    return opened(requests.Session()).get(server.url.rstrip("/") + address, headers=headers)


def events_of(answer: requests.Response) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(answer.content)
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def appointments(server: Server, hq: Bridge, write_export: WriteExport) -> Server:
    """bwilson's appointments: a mobile one (MA-1, in 6 days), an HQ one ("Visit", in
    VISIT_DAYS days), one made in his calendar ("From Outlook"), and an HQ one far outside
    his calendar window ("Old visit", two years ago)."""
    import_appointments(hq, write_export, appointment("MA-1"))
    for name, days in (("Visit", VISIT_DAYS), ("Old visit", -730)):
        added = hq("activities", "add", "-r", "bwilson", "--name", name,
                   "--start", iso(days, "10:00"))
        assert added.exit_code == 0, added.output
    put = server.put("bwilson", "bwilson/appointments/outlook-1.ics",
                     EVENT.format(uid="outlook-1", summary="From Outlook", description=""))
    assert put.status_code == 201, put.text
    return server


def test_the_subscription_serves_every_appointment_of_the_window_without_signing_in(
        appointments: Server, hq: Bridge) -> None:
    answer = fetch(appointments, renewed(hq, "bwilson"))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    summaries = sorted(str(event["SUMMARY"]) for event in events_of(answer))
    assert summaries == ["APP/MA-1 Quarterly review", "From Outlook", "HQ-000001 Visit"]
    # what HQ holds is what the file says, instance by instance
    calendar = icalendar.Calendar.from_ical(answer.content)
    week = recurring_ical_events.of(calendar).between(at(5, "00:00"), at(7, "00:00"))
    assert [(str(each["SUMMARY"]), each["DTSTART"].dt) for each in week] == [
        ("APP/MA-1 Quarterly review", at(6, "09:00"))]


def test_the_file_is_what_subscribing_clients_accept(appointments: Server, hq: Bridge) -> None:
    answer = fetch(appointments, renewed(hq, "bwilson"))
    calendar = icalendar.Calendar.from_ical(answer.content)
    assert str(calendar["X-WR-CALNAME"]) == "Appointments (Ben Wilson)"
    assert str(calendar["X-WR-TIMEZONE"]) == "UTC"  # (the server's: bwilson chose none)
    assert answer.text.count("REFRESH-INTERVAL;VALUE=DURATION:PT15M") == 1
    assert "X-PUBLISHED-TTL:PT15M" in answer.text
    assert str(calendar["METHOD"]) == "PUBLISH"
    zones = [str(each["TZID"]) for each in calendar.walk("VTIMEZONE")]
    used = {each["DTSTART"].params["TZID"] for each in calendar.walk("VEVENT")
            if "TZID" in each["DTSTART"].params}
    assert sorted(zones) == sorted(used)  # one VTIMEZONE per TZID used, none twice
    uids = [str(each["UID"]) for each in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids) == 3
    assert fetch(appointments, renewed(hq, "bwilson")).text.count("BEGIN:VCALENDAR") == 1


def test_a_poller_holding_the_version_gets_304_until_something_changes(
        appointments: Server, hq: Bridge) -> None:
    address = renewed(hq, "bwilson")
    first = fetch(appointments, address)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert fetch(appointments, address, **{"If-None-Match": etag}).status_code == 304
    assert fetch(appointments, address, **{"If-Modified-Since": modified}).status_code == 304
    unchanged = fetch(appointments, address, **{"If-None-Match": etag})
    assert unchanged.headers["ETag"] == etag and not unchanged.content
    assert hq("activities", "add", "-r", "bwilson", "--name", "Lunch",
              "--start", iso(3, "12:00")).exit_code == 0
    changed = fetch(appointments, address, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "HQ-000003 Lunch" in [str(event["SUMMARY"]) for event in events_of(changed)]


def test_the_file_is_compressed_when_the_client_accepts_gzip(
        appointments: Server, hq: Bridge) -> None:
    address = renewed(hq, "bwilson")
    plain = fetch(appointments, address, **{"Accept-Encoding": "identity"})
    raw = requests.get(appointments.url.rstrip("/") + address,
                       headers={"Accept-Encoding": "gzip"}, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw.raw.read()) == plain.content
    assert "Content-Encoding" not in plain.headers


def test_a_renewed_or_revoked_address_is_not_found_at_once(appointments: Server,
                                                           hq: Bridge) -> None:
    old = renewed(hq, "bwilson")
    assert fetch(appointments, old).status_code == 200
    new = renewed(hq, "bwilson")
    gone, never = fetch(appointments, old), fetch(appointments, "/feeds/no-such-secret.ics")
    assert gone.status_code == never.status_code == 404
    assert gone.content == never.content  # nothing tells whether it ever existed
    assert fetch(appointments, new).status_code == 200
    result = hq("subscriptions", "revoke", "bwilson")
    assert result.exit_code == 0 and "revoked" in result.output
    assert fetch(appointments, new).status_code == 404
    shown = hq("subscriptions", "show", "bwilson")
    assert "has no calendar subscription" in shown.output


def test_the_address_only_reads(appointments: Server, hq: Bridge) -> None:
    url = appointments.url.rstrip("/") + renewed(hq, "bwilson")
    answer = opened(requests.Session()).put(url, data=EVENT)
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, HEAD"
    head = opened(requests.Session()).head(url)
    assert head.status_code == 200 and not head.content and head.headers["ETag"]


def test_open_tasks_with_a_due_date_are_events_when_chosen(appointments: Server,
                                                          hq: Bridge) -> None:
    for uid, extra in (("todo-open", ""), ("todo-done", "STATUS:COMPLETED\n")):
        put = appointments.put("bwilson", f"bwilson/tasks/{uid}.ics",
                               TODO.format(uid=uid, summary=f"Call {uid}", extra=extra))
        assert put.status_code == 201, put.text
    without = events_of(fetch(appointments, renewed(hq, "bwilson")))
    assert not [each for each in without if str(each["SUMMARY"]).startswith("Task:")]
    with_tasks = events_of(fetch(appointments, renewed(hq, "bwilson", "--tasks")))
    [task] = [each for each in with_tasks if str(each["SUMMARY"]).startswith("Task:")]
    assert str(task["SUMMARY"]) == "Task: Call todo-open"
    assert task["DTSTART"].dt == utc(VISIT_DAYS + 1, "15:00", "UTC")
    assert str(task["TRANSP"]) == "TRANSPARENT"
    assert "tasks with a due date included" in hq("subscriptions", "show", "bwilson").output


def test_only_active_representatives_have_a_subscription(hq: Bridge) -> None:
    result = hq("subscriptions", "renew", "eclerk")
    assert result.exit_code != 0
    assert "eclerk is not an active sales representative" in result.output
    assert hq("subscriptions", "renew", "nobody").exit_code != 0


@pytest.fixture
def two_workers(staff_passwords: None, database_url: str,
                tmp_path: Path) -> Iterator[Server]:
    served, process = start_bridge_serve(database_url, tmp_path, "warning", workers=2)
    yield served
    stop_serving(process)


def test_a_revoked_address_is_not_found_on_every_worker(two_workers: Server, hq: Bridge,
                                                         write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    address = renewed(hq, "bwilson")
    assert {fetch(two_workers, address).status_code for _ in range(12)} == {200}
    assert hq("subscriptions", "revoke", "bwilson").exit_code == 0
    assert {fetch(two_workers, address).status_code for _ in range(12)} == {404}


def test_the_window_bounds_the_file(appointments: Server, hq: Bridge) -> None:
    """"Old visit" is two years back, outside the default window; moving the window's start
    back takes it in, and the version changes with it."""
    address = renewed(hq, "bwilson")
    before = fetch(appointments, address)
    assert "Old visit" not in before.text

    assert hq("settings", "set", "bwilson", "--calendar-start",
              (day(-800)).isoformat()).exit_code == 0
    after = fetch(appointments, address, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "HQ-000002 Old visit" in after.text


def test_the_files_kept_in_memory_stay_within_their_bound() -> None:
    kept = Kept(limit=1000)
    for number in range(10):
        kept.put(f"v{number}", b"x" * 300, None)
    assert kept.size() <= 1000
    assert kept.get("v9") is not None and kept.get("v0") is None  # the oldest went first
    kept.put("v9", b"x" * 300, b"z" * 100)  # its gzip added: counted too
    assert kept.size() <= 1000 and kept.get("v9") == (b"x" * 300, b"z" * 100)
    kept.put("huge", b"x" * 2000, None)  # larger than the bound alone: not kept
    assert kept.get("huge") is None and kept.get("v9") is not None
