"""Free/busy requests to the schedule outbox (RFC 6638 §5): "find a time" in Thunderbird and
Apple Calendar shows the busy time of a team's representatives, asked by e-mail — busy time
only, and no invitation is ever sent."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import caldav
import icalendar
import pytest
import requests

from storage_plugin.scheduling import calendar_user_addresses, is_own
from tests.clock import at, stamp
from tests.conftest import Bridge, WriteExport, appointment, import_appointments
from tests.storage_plugin.conftest import Server, start_bridge_serve, stop_serving
from tests.storage_plugin.test_free_busy import event, periods, utc_at

C = "urn:ietf:params:xml:ns:caldav"
TEAM = ["mailto:bwilson@example.com", "mailto:cdavis@example.com", "mailto:ddiaz@example.com"]


@pytest.fixture
def team(server: Server, hq: Bridge, write_export: WriteExport) -> Server:
    """bwilson's appointment (day 3, 09:00-10:00 in Warsaw) and mobile appointment MA-1
    (day 6, 09:00-10:00); cdavis's tentative one (day 3, 12:00-13:00) and private one (day
    4, 15:00-16:00); ddiaz has none."""
    import_appointments(hq, write_export, appointment("MA-1"))
    for login, uid, days, start, end, extra in [
            ("bwilson", "visit", 3, "09:00", "10:00", ""),
            ("cdavis", "maybe", 3, "12:00", "13:00", "STATUS:TENTATIVE\r\n"),
            ("cdavis", "doctor", 4, "15:00", "16:00", "CLASS:PRIVATE\r\n")]:
        put = server.put(login, f"{login}/appointments/{uid}.ics",
                         event(uid, days, start, end, extra))
        assert put.status_code == 201, put.text
    return server


def busy_of(answers: dict[str, caldav.FreeBusy], address: str) -> list[tuple]:
    return periods(answers[address].data)


def test_discovery_names_the_outbox_the_inbox_and_the_mailto_address(server: Server) -> None:
    principal = server.client("bwilson").principal()
    assert principal.calendar_user_address_set() == ["mailto:bwilson@example.com",
                                                     "/bwilson/"]
    assert str(principal.schedule_outbox().url).endswith("/scheduling/bwilson/outbox/")
    assert str(principal.schedule_inbox().url).endswith("/scheduling/bwilson/inbox/")
    features = server.http("bwilson").options(server.url + "bwilson/").headers["DAV"]
    assert "calendar-schedule" in features.split(", ")
    assert "calendar-auto-schedule" not in features  # nothing is delivered to anybody


def test_find_a_time_shows_each_representatives_busy_time(team: Server) -> None:
    answers = team.client("awhite").principal().freebusy_request(
        at(3, "00:00"), at(7, "00:00"), TEAM)
    assert answers["errors"] == {}
    assert busy_of(answers, TEAM[0]) == [("BUSY", utc_at(3, "09:00"), utc_at(3, "10:00")),
                                         ("BUSY", utc_at(6, "09:00"), utc_at(6, "10:00"))]
    assert busy_of(answers, TEAM[1]) == [
        ("BUSY-TENTATIVE", utc_at(3, "12:00"), utc_at(3, "13:00")),
        ("BUSY", utc_at(4, "15:00"), utc_at(4, "16:00"))]  # the private one: busy, no more
    assert busy_of(answers, TEAM[2]) == []
    texts = "".join(answer.data for address, answer in answers.items() if address != "errors")
    assert "Secret plan" not in texts and "SUMMARY" not in texts and "CLASS" not in texts


def test_unknown_addresses_and_colleagues_without_calendars_are_answered_so(
        team: Server) -> None:
    answers = team.client("bwilson").principal().freebusy_request(
        at(3, "00:00"), at(4, "00:00"),
        ["mailto:nobody@example.com", "eclerk@example.com", "CDavis@Example.com"])
    assert answers["errors"] == {"mailto:nobody@example.com": "3.7;Invalid calendar user",
                                 "mailto:eclerk@example.com": "3.8;No authority"}
    assert busy_of(answers, "mailto:CDavis@Example.com") == [  # (e-mail in any case)
        ("BUSY-TENTATIVE", utc_at(3, "12:00"), utc_at(3, "13:00"))]


def request_text(organizer: str, *attendees: str, days: tuple[int, int] = (3, 5),
                 method: str = "REQUEST", component: str = "VFREEBUSY") -> str:
    """A free/busy request as Thunderbird writes it (CalDavFreeBusyRequest)."""
    lines = [f"ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL:{each}"
             for each in attendees]
    return "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        "VERSION:2.0", f"METHOD:{method}", f"BEGIN:{component}", "UID:fb-request-1",
        f"DTSTAMP:{stamp(at(0, '09:00', 'UTC'))}",
        f"DTSTART:{stamp(at(days[0], '00:00', 'UTC'))}",
        f"DTEND:{stamp(at(days[1], '00:00', 'UTC'))}",
        f"ORGANIZER:{organizer}", *lines, f"END:{component}", "END:VCALENDAR", ""])


def post(server: Server, text: str | bytes, login: str | None = "awhite",
         outbox: str = "awhite") -> requests.Response:
    http = server.http(login) if login else requests.Session()
    return http.post(f"{server.url}scheduling/{outbox}/outbox/", data=text, headers={
        "Content-Type": "text/calendar; charset=utf-8",
        "Originator": "mailto:awhite@example.com", "Recipient": TEAM[0]})


def test_thunderbirds_request_is_answered_by_rfc_6638(team: Server) -> None:
    answer = post(team, request_text("mailto:awhite@example.com", TEAM[0]))
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(answer.content)
    assert root.tag == f"{{{C}}}schedule-response"
    [response] = root
    assert response.findtext(f"{{{C}}}recipient/{{DAV:}}href") == TEAM[0]
    assert response.findtext(f"{{{C}}}request-status") == "2.0;Success"
    reply = icalendar.Calendar.from_ical(response.findtext(f"{{{C}}}calendar-data"))
    assert str(reply["METHOD"]) == "REPLY"
    [busy] = reply.walk("VFREEBUSY")
    assert str(busy["UID"]) == "fb-request-1"
    assert str(busy["ORGANIZER"]) == "mailto:awhite@example.com"
    assert str(busy["ATTENDEE"]) == TEAM[0]
    assert busy.decoded("DTSTART") == at(3, "00:00", "UTC")
    # Thunderbird reads each FREEBUSY line as one period
    lines = [line for line in reply.to_ical().decode().splitlines()
             if line.startswith("FREEBUSY")]
    assert len(lines) == 1 and "," not in lines[0]
    assert periods(reply.to_ical().decode()) == [
        ("BUSY", utc_at(3, "09:00"), utc_at(3, "10:00"))]


def test_the_organizer_must_be_the_signed_in_user(team: Server) -> None:
    answer = post(team, request_text("mailto:bwilson@example.com", TEAM[1]))
    assert answer.status_code == 403
    assert "valid-organizer" in answer.text and "is not you" in answer.text
    own_principal = post(team, request_text(f"{team.url}awhite/", TEAM[1]))
    assert own_principal.status_code == 200  # (the principal is an address of theirs too)


@pytest.mark.parametrize(("text", "reason"), [
    (b"", "not iCalendar data"),
    (b"\xff\xfe garbage", "not UTF-8"),
    ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nno colon here\r\nEND:VCALENDAR\r\n",
     "not iCalendar data"),
    (request_text("mailto:awhite@example.com"), "names no ATTENDEE"),
    (request_text("mailto:awhite@example.com", TEAM[0], days=(3, 400)), "at most 366 days"),
    (request_text("mailto:awhite@example.com", TEAM[0], days=(5, 3)), "before it starts"),
    (request_text("mailto:awhite@example.com",
                  *(f"mailto:someone{number}@example.com" for number in range(101))),
     "at most 100 attendees"),
    (request_text("mailto:awhite@example.com", TEAM[0]).replace("DTEND", "X-DTEND"),
     "has no DTEND"),
])
def test_what_is_not_a_free_busy_request_is_refused_with_the_reason(
        server: Server, text: str | bytes, reason: str) -> None:
    answer = post(server, text)
    assert answer.status_code == 400 and reason in answer.text, answer.text


def test_no_invitation_is_sent(server: Server) -> None:
    invitation = post(server, request_text("mailto:awhite@example.com", TEAM[0],
                                           component="VEVENT"))
    assert invitation.status_code == 403
    assert "valid-scheduling-message" in invitation.text
    assert "this server sends no invitations" in invitation.text
    reply = post(server, request_text("mailto:awhite@example.com", TEAM[0], method="REPLY"))
    assert reply.status_code == 403 and "METHOD:REPLY" in reply.text


def test_only_the_signed_in_user_posts_to_their_own_outbox(server: Server) -> None:
    text = request_text("mailto:awhite@example.com", TEAM[0])
    anonymous = post(server, text, login=None)
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]
    assert post(server, text, login="bwilson", outbox="awhite").status_code == 403
    outbox = f"{server.url}scheduling/awhite/outbox/"
    assert server.http("awhite").get(outbox).status_code == 405
    assert server.http("awhite").get(f"{server.url}scheduling/awhite/mail/").status_code == 404


def propfind(server: Server, path: str, body: str, depth: str = "0") -> ET.Element:
    answer = server.http("bwilson").request("PROPFIND", server.url + path, data=body,
                                            headers={"Depth": depth})
    assert answer.status_code == 207, answer.text
    return ET.fromstring(answer.content)


def props(root: ET.Element, status: str = "200") -> dict[str, ET.Element]:
    """The properties of a one-response multistatus with that status, by local name."""
    return {prop.tag.split("}")[1]: prop for propstat in root.iter("{DAV:}propstat")
            if status in (propstat.findtext("{DAV:}status") or "")
            for prop in propstat.find("{DAV:}prop")}


def test_the_principal_answers_the_scheduling_properties_asked_for(server: Server) -> None:
    named = propfind(server, "bwilson/", f'<propfind xmlns="DAV:" xmlns:C="{C}"><prop>'
                     "<C:schedule-outbox-URL/><C:calendar-user-address-set/><displayname/>"
                     "</prop></propfind>")
    found = props(named)
    assert set(found) == {"schedule-outbox-URL", "calendar-user-address-set"}
    assert found["schedule-outbox-URL"].findtext("{DAV:}href") == \
        "/scheduling/bwilson/outbox/"
    assert "schedule-outbox-URL" not in props(named, "404")

    everything = props(propfind(server, "bwilson/", '<propfind xmlns="DAV:"><allprop/>'
                                "</propfind>"))
    assert {"schedule-outbox-URL", "schedule-inbox-URL", "calendar-user-type",
            "calendar-home-set"} <= set(everything)
    assert [href.text for href in everything["calendar-user-address-set"]] == [
        "mailto:bwilson@example.com", "/bwilson/"]

    names = props(propfind(server, "bwilson/", '<propfind xmlns="DAV:"><propname/>'
                           "</propfind>"))
    assert names["schedule-inbox-URL"].text is None and not len(names["schedule-inbox-URL"])

    calendar = props(propfind(server, "bwilson/appointments/", '<propfind xmlns="DAV:">'
                              "<allprop/></propfind>"))
    assert "schedule-outbox-URL" not in calendar  # (only the principal has them)


def test_the_inbox_is_an_empty_schedule_inbox(server: Server) -> None:
    root = propfind(server, "scheduling/bwilson/inbox/", "", depth="1")
    assert len(root) == 1  # (no members: nothing is ever delivered)
    kind = props(root)["resourcetype"]
    assert {each.tag for each in kind} == {"{DAV:}collection", f"{{{C}}}schedule-inbox"}
    asked = propfind(server, "scheduling/bwilson/inbox/", '<propfind xmlns="DAV:"><prop>'
                     "<resourcetype/><getctag/></prop></propfind>")
    assert set(props(asked, "404")) == {"getctag"}


@pytest.fixture
def two_workers(staff_passwords: None, database_url: str, tmp_path: Path,
                hq: Bridge) -> Iterator[Server]:
    served, process = start_bridge_serve(database_url, tmp_path, "warning", workers=2)
    yield served
    stop_serving(process)


def test_find_a_time_on_every_worker(two_workers: Server) -> None:
    put = two_workers.put("cdavis", f"cdavis/appointments/{uuid4()}.ics",
                          event("visit", 3, "09:00", "10:00"))
    assert put.status_code == 201, put.text
    principal = two_workers.client("bwilson").principal()
    for _ in range(6):
        answers = principal.freebusy_request(at(3, "00:00"), at(4, "00:00"), TEAM[1:2])
        assert busy_of(answers, TEAM[1]) == [("BUSY", utc_at(3, "09:00"),
                                              utc_at(3, "10:00"))]


def test_the_organizer_is_one_of_the_users_addresses() -> None:
    addresses = calendar_user_addresses("Ben@Example.com ", "/bwilson/")
    assert addresses == ["mailto:Ben@Example.com", "/bwilson/"]
    assert is_own("MAILTO:ben@example.com", addresses)
    assert is_own("http://calendar.example.com:5232/bwilson/", addresses)
    assert not is_own("mailto:cdavis@example.com", addresses)
    assert calendar_user_addresses(None, "/eclerk/") == ["/eclerk/"]
