"""HQ and client activities are created, edited, completed, deleted and restored in the
cockpit under the rules of `bridge activities …`; a refused form says why and changes
nothing."""

import html

from tests.clock import iso
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import Server, calendar
from tests.web.conftest import IN_WARSAW, Cockpits, wall


def test_an_appointment_made_in_the_cockpit_is_an_hq_activity_in_the_calendar(
        hq: Bridge, cockpit: Cockpits, server: Server) -> None:
    ben = cockpit("bwilson")
    created = ben.post("activities/new", {
        "kind": "appointment", "name": "Demo at Acme", "start": wall(6, "10:00"),
        "end": wall(6, "11:30"), **IN_WARSAW, "priority": "2",
        "customer": "C-1001", "representative": "bwilson", "description": "Bring the demo kit"})
    assert created.status_code == 200 and "Created HQ-000001." in created.text
    [activity] = activities_json(hq)
    assert (activity["name"], activity["origin"], activity["start"], activity["end"],
            activity["priority"], activity["customer"]) == (
        "Demo at Acme", "hq", iso(6, "10:00"), iso(6, "11:30"), 2,
        "C-1001")
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    assert str(event.icalendar_component["SUMMARY"]) == "HQ-000001 Demo at Acme"


def test_complete_reopen_delete_and_restore(hq: Bridge, cockpit: Cockpits) -> None:
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(6, "10:00")).exit_code == 0
    ben = cockpit("bwilson")
    assert ben.post("activities/HQ-000001/complete", {"unprocessed": "on"}).status_code == 200
    assert activities_json(hq)[0]["status"] == "Completed unprocessed"
    assert activities_json(hq)[0]["completed_by"] == "bwilson"
    assert ben.post("activities/HQ-000001/reopen").status_code == 200
    assert activities_json(hq)[0]["status"] == "Planned"
    assert ben.post("activities/HQ-000001/delete").status_code == 200
    assert activities_json(hq) == []
    assert "HQ-000001" in ben.get("activities?deleted=1").text
    assert ben.get("activities/HQ-000001/edit").status_code == 404
    page = ben.post("activities/HQ-000001/restore")
    assert page.status_code == 200 and "Restored HQ-000001." in page.text
    assert [a["name"] for a in activities_json(hq)] == ["Visit"]


def test_a_refused_form_says_why_keeps_what_was_typed_and_changes_nothing(
        hq: Bridge, cockpit: Cockpits) -> None:
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(6, "10:00")).exit_code == 0
    ben = cockpit("bwilson")
    for fields, reason in (
            ({"priority": "12"}, "priority 12 is outside 1 (highest) … 9 (lowest)"),
            ({"end": wall(6, "09:00")}, "is before the start"),
            ({"customer": "C-0000"}, "there is no customer C-0000 in HQ"),
            ({"start": "tomorrow"}, "is not a date and time"),
            ({"name": "  "}, "the name may not be empty")):
        form = {"name": "Visit, renamed", "start": wall(6, "10:00"), **IN_WARSAW,
                "priority": "5", "representative": "bwilson", **fields}
        answer = ben.post("activities/HQ-000001/edit", form)
        assert answer.status_code == 400, fields
        assert reason in html.unescape(answer.text), fields
        if "name" not in fields:
            assert 'value="Visit, renamed"' in answer.text, "what was typed is kept"
        activity = activities_json(hq)[0]
        assert (activity["name"], activity["revision"]) == ("Visit", 1), fields
