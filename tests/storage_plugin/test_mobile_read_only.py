"""Mobile appointments are visible in the representative's calendar and cannot be changed
there: PUT, DELETE and PROPPATCH are refused with 403 and HQ stays as it was."""

import pytest

from tests.clock import NOW_ISO, at, local_stamp
from tests.conftest import Bridge, WriteExport, activities_json, appointment
from tests.storage_plugin.conftest import EVENT, Server, calendar


@pytest.fixture
def mobile(server: Server, hq: Bridge, write_export: WriteExport) -> Server:
    result = hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
                "--now", NOW_ISO)
    assert result.exit_code == 0
    return server


def test_mobile_appointment_is_served_in_the_mobile_calendar(mobile: Server) -> None:
    events = calendar(mobile.client("bwilson"), "bwilson/mobile/").events()
    [event] = events
    component = event.icalendar_component
    assert str(component["SUMMARY"]) == "APP/MA-1 Quarterly review"
    assert component["DTSTART"].to_ical() == local_stamp(6, "09:00").encode()
    offset = int(at(6, "09:00").utcoffset().total_seconds()) // 60  # Warsaw's, east of UTC
    assert component["DTSTART"].params["TZID"] == f"UTC+{offset // 60:02d}{offset % 60:02d}"
    assert str(component["X-BRIDGE-ORIGIN"]) == "mobile"
    assert "Customer: C-1001 Acme Trading" in str(component["DESCRIPTION"])


def test_mobile_calendar_is_shown_read_only(mobile: Server) -> None:
    body = mobile.privileges("bwilson", "bwilson/mobile/")
    assert "<read />" in body and "<write" not in body


def test_editing_a_mobile_appointment_is_refused_and_hq_is_unchanged(
        mobile: Server, hq: Bridge) -> None:
    before = activities_json(hq)
    http = mobile.http("bwilson")
    [event] = calendar(mobile.client("bwilson"), "bwilson/mobile/").events()
    url = str(event.url)
    changed = event.data.replace("Quarterly review", "Changed in Outlook")
    assert http.put(url, data=changed, headers={"Content-Type": "text/calendar"}
                    ).status_code == 403
    assert http.delete(url).status_code == 403
    assert activities_json(hq) == before


def test_creating_in_the_mobile_calendar_is_refused(mobile: Server, hq: Bridge) -> None:
    response = mobile.put("bwilson", "bwilson/mobile/new.ics",
                          EVENT.format(uid="new-1", summary="Sneaky", description=""))
    assert response.status_code == 403
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]


def test_proppatch_of_the_mobile_calendar_is_refused(mobile: Server) -> None:
    response = mobile.http("bwilson").request(
        "PROPPATCH", mobile.url + "bwilson/mobile/",
        data='<propertyupdate xmlns="DAV:"><set><prop><displayname>Mine</displayname></prop>'
             '</set></propertyupdate>')
    assert response.status_code == 403


def test_deleting_a_provisioned_calendar_is_refused(mobile: Server) -> None:
    http = mobile.http("bwilson")
    for name in ("appointments", "tasks", "mobile", "customers"):
        assert http.delete(mobile.url + f"bwilson/{name}/").status_code in (403, 405), name
    names = sorted(c.url.path for c in mobile.client("bwilson").principal().calendars())
    assert names == ["/bwilson/appointments/", "/bwilson/mobile/", "/bwilson/tasks/"]
