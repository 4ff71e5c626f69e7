"""A representative sees their own collections; a manager reads — never writes — those of
the people they manage; nobody else sees anything."""

from tests.conftest import NOW_ISO, Bridge, WriteExport, activities_json, appointment
from tests.storage_plugin.conftest import EVENT, Server, calendar


def test_manager_reads_the_calendar_of_someone_they_manage(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
       "--now", NOW_ISO)
    events = calendar(server.client("awhite"), "bwilson/mobile/").events()
    assert len(events) == 1


def test_manager_cannot_write_into_a_subordinates_calendar(server: Server, hq: Bridge) -> None:
    response = server.put("awhite", "bwilson/appointments/x.ics",
                          EVENT.format(uid="x", summary="From the boss", description=""))
    assert response.status_code == 403
    assert activities_json(hq) == []


def test_manager_sees_a_subordinates_calendar_as_read_only(server: Server) -> None:
    body = server.privileges("awhite", "bwilson/appointments/")
    assert "<read />" in body and "<write" not in body


def test_another_representative_sees_nothing(server: Server, hq: Bridge,
                                             write_export: WriteExport) -> None:
    hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
       "--now", NOW_ISO)
    http = server.http("cdavis")
    for path in ("bwilson/", "bwilson/mobile/", "bwilson/appointments/", "bwilson/customers/"):
        response = http.request("PROPFIND", server.url + path, headers={"Depth": "1"})
        assert response.status_code in (403, 404), path
    assert http.get(server.url + "bwilson/mobile/").status_code in (403, 404)


def test_a_subordinate_cannot_read_the_managers_calendar(server: Server) -> None:
    response = server.http("bwilson").request("PROPFIND", server.url + "awhite/appointments/",
                                              headers={"Depth": "1"})
    assert response.status_code in (403, 404)


def test_an_hq_user_who_is_no_representative_has_no_calendar_home(server: Server) -> None:
    http = server.http("eclerk")
    home = http.request("PROPFIND", server.url + "eclerk/", headers={"Depth": "1"})
    assert home.status_code == 403
    created = http.request("MKCALENDAR", server.url + "eclerk/private/")
    assert created.status_code == 403
    stored = server.put("eclerk", "eclerk/private/x.ics",
                        EVENT.format(uid="x", summary="Mine", description=""))
    assert stored.status_code in (403, 409)
    assert http.request("PROPFIND", server.url + "eclerk/private/",
                        headers={"Depth": "0"}).status_code in (403, 404)


def test_a_representative_may_create_calendars_of_their_own(server: Server) -> None:
    principal = server.client("bwilson").principal()
    created = principal.make_calendar(name="Private", cal_id="private")
    created.save_event(EVENT.format(uid="p1", summary="Dentist", description=""))
    assert [str(e.icalendar_component["SUMMARY"]) for e in created.events()] == ["Dentist"]


def test_items_move_between_a_representatives_own_calendars(server: Server) -> None:
    principal = server.client("bwilson").principal()
    first = principal.make_calendar(name="One", cal_id="one")
    principal.make_calendar(name="Two", cal_id="two")
    first.save_event(EVENT.format(uid="m1", summary="Moving", description=""))
    http = server.http("bwilson")
    response = http.request("MOVE", server.url + "bwilson/one/m1.ics",
                            headers={"Destination": server.url + "bwilson/two/m1.ics"})
    assert response.status_code in (201, 204), response.text
    assert http.get(server.url + "bwilson/one/m1.ics").status_code == 404
    assert "SUMMARY:Moving" in http.get(server.url + "bwilson/two/m1.ics").text


def test_nobody_deletes_a_calendar_home_or_the_server_root(server: Server) -> None:
    http = server.http("bwilson")
    for path in ("", "bwilson/", "bwilson/appointments/", "bwilson/mobile/", "awhite/"):
        assert http.delete(server.url + path).status_code == 403, path
    names = {c.url.path.rstrip("/").rsplit("/", 1)[-1]
             for c in server.client("bwilson").principal().calendars()}
    assert {"appointments", "mobile", "tasks"} <= names
