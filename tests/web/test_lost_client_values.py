"""Lost client values in the cockpit: listed per representative, applied to the activity (the
calendar client sees it at its next sync) or dismissed; counted on the start page."""

import re

from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import Fetched, Server, calendar
from tests.web.conftest import Cockpits


def _rename_in_client(hq_appointment: Fetched, summary: str) -> None:
    before = hq_appointment.answer
    edited = before.text.replace("HQ-000001 Visit", f"HQ-000001 {summary}")
    assert hq_appointment.http.put(hq_appointment.url, data=edited).status_code == 204


def _ids(page: str, action: str) -> list[str]:
    return re.findall(rf'/cockpit/lost/(\d+)/{action}"', page)


def test_a_lost_name_applied_in_the_cockpit_reaches_hq_and_the_calendar(
        hq: Bridge, hq_appointment: Fetched, cockpit: Cockpits, server: Server) -> None:
    _rename_in_client(hq_appointment, "Visit with samples")
    anna = cockpit("awhite")
    assert "1 open" in anna.get("").text
    page = anna.get("lost?rep=bwilson").text
    assert "Visit with samples" in page and "text priority hq" in page
    [lost_id] = _ids(page, "apply")
    applied = anna.post(f"lost/{lost_id}/apply", {"rep": "bwilson"})
    assert applied.status_code == 200 and "Applied the name to HQ-000001" in applied.text
    assert [a["name"] for a in activities_json(hq)] == ["Visit with samples"]
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    assert str(event.icalendar_component["SUMMARY"]) == "HQ-000001 Visit with samples"
    assert "none open" in anna.get("").text
    resolved = anna.get("lost?resolved=1").text
    assert "applied by awhite" in resolved


def test_a_dismissed_value_changes_nothing(hq: Bridge, hq_appointment: Fetched,
                                           cockpit: Cockpits) -> None:
    _rename_in_client(hq_appointment, "Something else")
    clerk = cockpit("eclerk")
    [lost_id] = _ids(clerk.get("lost").text, "dismiss")
    assert clerk.post(f"lost/{lost_id}/dismiss").status_code == 200
    assert [a["name"] for a in activities_json(hq)] == ["Visit"]
    assert "dismissed by eclerk" in clerk.get("lost?resolved=1").text


def test_another_representative_neither_sees_nor_decides_a_lost_value(
        hq: Bridge, hq_appointment: Fetched, cockpit: Cockpits) -> None:
    _rename_in_client(hq_appointment, "Private")
    [lost_id] = _ids(cockpit("eclerk").get("lost").text, "apply")
    carol = cockpit("cdavis")
    assert "Private" not in carol.get("lost").text
    assert carol.post(f"lost/{lost_id}/apply").status_code == 404
    assert [a["name"] for a in activities_json(hq)] == ["Visit"]
