"""A manager's calendar client finds the team's calendars by itself: every collection of
everyone they manage appears, read-only, in the manager's own home."""

import caldav
import pytest

from tests.conftest import NOW_ISO, Bridge, WriteExport, appointment
from tests.storage_plugin.conftest import EVENT, Server

TEAM = ("bwilson", "cdavis", "ddiaz")  # awhite manages them (tests.conftest.STAFF)


def discovered(server: Server, login: str) -> set[str]:
    """The collection paths ``login``'s client finds from the server address alone."""
    principal = server.client(login).principal()
    return {str(calendar.url).removeprefix(server.url.rstrip("/"))
            for calendar in principal.calendars()}


def test_a_manager_discovers_every_calendar_of_the_team(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    found = discovered(server, "awhite")
    for login in TEAM:
        for name in ("appointments", "mobile", "tasks"):
            assert f"/awhite/team-{login}-{name}/" in found
    assert "/awhite/appointments/" in found  # the manager's own, as before


def test_a_team_view_shows_the_representatives_items(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
       "--now", NOW_ISO)
    [view] = [calendar for calendar in server.client("awhite").principal().calendars()
              if str(calendar.url).endswith("/awhite/team-bwilson-mobile/")]
    [event] = view.events()
    assert "Quarterly review" in str(event.icalendar_component["SUMMARY"])
    assert view.get_display_name() == "Mobile appointments (Ben Wilson)"


def test_a_team_view_is_read_only(server: Server, hq: Bridge) -> None:
    view = "awhite/team-bwilson-appointments/"
    body = server.privileges("awhite", view)
    assert "<read />" in body and "<write" not in body
    answer = server.put("awhite", view + "x.ics",
                        EVENT.format(uid="x", summary="From the boss", description=""))
    assert answer.status_code == 403
    assert "as their manager" in answer.text
    with pytest.raises(caldav.lib.error.DAVError):
        caldav.Calendar(client=server.client("awhite"),
                        url=server.url + view).save_event(
            EVENT.format(uid="y", summary="From the boss", description=""))


def test_nobody_else_sees_team_views(server: Server) -> None:
    assert not any("/team-" in path for path in discovered(server, "bwilson"))
    http = server.http("bwilson")
    for path in ("bwilson/team-cdavis-appointments/", "awhite/team-bwilson-appointments/"):
        answer = http.request("PROPFIND", server.url + path, headers={"Depth": "1"})
        assert answer.status_code in (403, 404), path
