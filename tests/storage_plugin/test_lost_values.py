"""What lost, kept: a client's value HQ does not take — text overridden by text priority hq,
or a refused write (a mobile appointment, an item outside the window) — is kept with who,
when and why (bridge.hq.lost), and the client's answer is what it was before."""

from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models import Employee, LostReason, LostValue
from tests.clock import day, stamp
from tests.conftest import Bridge, WriteExport, activities_json, appointment, import_appointments
from tests.storage_plugin.conftest import EVENT, VISIT_DAY, VISIT_START, Fetched, Server, calendar


def _kept(engine: Engine) -> list[tuple[str, str, str | None, str, str]]:
    with transaction(engine, write=False) as session:
        return [(lost.field, lost.client_value, lost.hq_value, lost.reason.value, login)
                for lost, login in session.execute(
                    select(LostValue, Employee.login).join(Employee).order_by(LostValue.id))]


def test_text_that_priority_hq_overrides_is_kept_with_hqs_value(
        hq: Bridge, hq_appointment: Fetched, engine: Engine) -> None:
    http, url, before = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    edited = before.text.replace("HQ-000001 Visit", "HQ-000001 Visit with samples")
    edited = edited.replace("END:VEVENT", "DESCRIPTION:Bring the samples\r\nEND:VEVENT")
    assert http.put(url, data=edited, headers={"If-Match": before.headers["ETag"]}
                    ).status_code == 204
    assert [a["name"] for a in activities_json(hq)] == ["Visit"]
    assert _kept(engine) == [
        ("name", "Visit with samples", "Visit", LostReason.TEXT_PRIORITY.value, "bwilson"),
        ("description", "Bring the samples", "", LostReason.TEXT_PRIORITY.value, "bwilson"),
    ]


def test_an_edit_that_changes_no_text_keeps_nothing(
        hq: Bridge, hq_appointment: Fetched, engine: Engine) -> None:
    http, url, before = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    moved = before.text.replace("T110000", "T123000").replace("T100000", "T113000")
    assert http.put(url, data=moved, headers={"If-Match": before.headers["ETag"]}
                    ).status_code == 204
    assert _kept(engine) == []


def test_with_text_priority_client_nothing_is_lost(
        hq: Bridge, hq_appointment: Fetched, engine: Engine) -> None:
    assert hq("settings", "set", "bwilson", "--text-priority", "client").exit_code == 0
    http, url, before = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    edited = before.text.replace("HQ-000001 Visit", "HQ-000001 Renamed")
    assert http.put(url, data=edited).status_code in (201, 204)
    assert [a["name"] for a in activities_json(hq)] == ["Renamed"]
    assert _kept(engine) == []


def test_a_refused_edit_of_a_mobile_appointment_is_kept(
        server: Server, hq: Bridge, write_export: WriteExport, engine: Engine) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    [event] = calendar(server.client("bwilson"), "bwilson/mobile/").events()
    changed = event.data.replace("Quarterly review", "Quarterly review, moved to Friday")
    answer = server.http("bwilson").put(str(event.url), data=changed,
                                        headers={"Content-Type": "text/calendar"})
    assert answer.status_code == 403
    assert [a["name"] for a in activities_json(hq)] == ["Quarterly review"]
    assert _kept(engine) == [("name", "Quarterly review, moved to Friday", "Quarterly review",
                              LostReason.READ_ONLY.value, "bwilson")]


def test_a_managers_refused_edit_of_a_team_calendar_is_not_kept_as_the_representatives(
        server: Server, hq: Bridge, write_export: WriteExport, engine: Engine) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    [event] = calendar(server.client("bwilson"), "bwilson/mobile/").events()
    changed = event.data.replace("Quarterly review", "Manager's idea")
    assert server.http("awhite").put(str(event.url), data=changed).status_code == 403
    assert _kept(engine) == []


def test_a_new_item_outside_the_window_is_refused_and_kept(
        server: Server, hq: Bridge, engine: Engine) -> None:
    far = EVENT.format(uid="far-1", summary="Trade fair", description="Booth 12").replace(
        VISIT_DAY, stamp(day(835)))  # the window ends a year ahead
    answer = server.put("bwilson", "bwilson/appointments/far-1.ics", far)
    assert answer.status_code == 403
    kept = _kept(engine)
    assert ("name", "Trade fair", None, LostReason.OUTSIDE_WINDOW.value, "bwilson") in kept
    assert {field for field, *_ in kept} == {"name", "description", "start", "end"}


def test_an_edit_that_breaks_a_rule_half_way_leaves_hq_as_it_was(
        hq: Bridge, hq_appointment: Fetched, engine: Engine) -> None:
    """(The end before the start is found after other fields were applied.)"""
    http, url, before = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    broken = before.text.replace("PRIORITY:5", "PRIORITY:1").replace("T100000", "T113000")
    answer = http.put(url, data=broken, headers={"If-Match": before.headers["ETag"]})
    assert answer.status_code == 400
    [activity] = activities_json(hq)
    assert (activity["priority"], activity["revision"], activity["start"]) == (
        5, 1, VISIT_START)
    assert http.get(url).headers["ETag"] == before.headers["ETag"]
