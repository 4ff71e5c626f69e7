"""Private stays private: an appointment its representative marks ``CLASS:PRIVATE`` (or
``CONFIDENTIAL``) reaches anyone else — the manager's team view, free/busy — as busy time
only. Every kind of request a manager can make on the team view is sent, and no answer
carries anything of what the appointment is about; its representative still sees it all."""

import re

import pytest
import requests

from tests.clock import at, local_stamp
from tests.conftest import Bridge, opened
from tests.storage_plugin.conftest import PASSWORD, Server

SECRETS = ("Merger talk", "Do not tell the team", "Hotel Bristol", "ceo@rival.example",
           "X-BRIDGE-NUMBER", "Bring the offer")
"""What the private appointment is about: none of it may reach anyone but bwilson."""
VIEW = "awhite/team-bwilson-appointments/"
OWN = "bwilson/appointments/"


def private_event(uid: str, kind: str = "PRIVATE") -> str:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nCLASS:{kind}\r\nSUMMARY:Merger talk\r\n"
            "DESCRIPTION:Do not tell the team\r\nLOCATION:Hotel Bristol\r\n"
            "ATTENDEE;CN=Rival:mailto:ceo@rival.example\r\n"
            f"DTSTART;TZID=Europe/Warsaw:{local_stamp(3, '09:00')}\r\n"
            f"DTEND;TZID=Europe/Warsaw:{local_stamp(3, '10:00')}\r\n"
            "RRULE:FREQ=WEEKLY;COUNT=3\r\n"
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Bring the offer\r\n"
            "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def public_event(uid: str) -> str:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nCLASS:PUBLIC\r\nSUMMARY:Open visit\r\nLOCATION:Acme office\r\n"
            f"DTSTART;TZID=Europe/Warsaw:{local_stamp(4, '09:00')}\r\n"
            f"DTEND;TZID=Europe/Warsaw:{local_stamp(4, '10:00')}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def private(server: Server, hq: Bridge) -> Server:
    """bwilson's private appointment (kept in his calendar only) and a public one."""
    for uid, text in (("private-1", private_event("private-1")),
                      ("public-1", public_event("public-1"))):
        put = server.put("bwilson", f"{OWN}{uid}.ics", text)
        assert put.status_code == 201, put.text
    return server


def report(http: requests.Session, url: str, body: str, depth: str = "1") -> str:
    answer = http.request("REPORT", url, data=body, headers={
        "Depth": depth, "Content-Type": "application/xml; charset=utf-8"})
    assert answer.status_code in (200, 207), answer.text
    return answer.text


DATA = '<D:prop xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:getetag/>' \
       '<C:calendar-data/></D:prop>'


CALDAV = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def every_request(server: Server, login: str, path: str, search: str = "Merger",
                  days: tuple[int, int] = (-1, 40)) -> dict[str, str]:
    """What ``login`` gets from each kind of calendar request on the collection at ``path``:
    its listing, a GET of each item, a multiget, a query (plain, expanded, by ``search`` in
    the SUMMARY) and free/busy over ``days`` from today, a sync."""
    http = server.http(login)
    url = server.url + path
    listing = http.request("PROPFIND", url, headers={"Depth": "1"})
    assert listing.status_code == 207, listing.text
    hrefs = re.findall(r"<(?:D:)?href>([^<]+\.ics)</(?:D:)?href>", listing.text)
    assert hrefs, f"{path} lists no items"
    start, end = (at(day, "00:00").strftime("%Y%m%dT%H%M%SZ") for day in days)
    in_range = f'<C:time-range start="{start}" end="{end}"/>'
    events = f'<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{in_range}' \
             '</C:comp-filter></C:comp-filter>'
    answers = {"PROPFIND": listing.text}
    answers |= {f"GET {href}": http.get(server.url + href.lstrip("/")).text for href in hrefs}
    answers["multiget"] = report(http, url, f"<C:calendar-multiget {CALDAV}>{DATA}"
                                 + "".join(f"<D:href>{h}</D:href>" for h in hrefs)
                                 + "</C:calendar-multiget>")
    answers["query"] = report(http, url, f"<C:calendar-query {CALDAV}>{DATA}"
                                         f"<C:filter>{events}</C:filter></C:calendar-query>")
    answers["expand"] = report(
        http, url, f'<C:calendar-query {CALDAV}><D:prop><C:calendar-data><C:expand '
                   f'start="{start}" end="{end}"/></C:calendar-data></D:prop>'
                   f"<C:filter>{events}</C:filter></C:calendar-query>")
    answers["text-match"] = report(
        http, url, f'<C:calendar-query {CALDAV}>{DATA}<C:filter><C:comp-filter '
                   'name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter '
                   f'name="SUMMARY"><C:text-match>{search}</C:text-match></C:prop-filter>'
                   "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>")
    answers["sync"] = report(http, url, f"<D:sync-collection {CALDAV}><D:sync-token/>"
                                        f"<D:sync-level>1</D:sync-level>{DATA}"
                                        "</D:sync-collection>")
    answers["free-busy"] = report(http, url, f"<C:free-busy-query {CALDAV}>{in_range}"
                                             "</C:free-busy-query>")
    return answers


def test_nothing_of_a_private_appointment_reaches_the_manager(private: Server) -> None:
    answers = every_request(private, "awhite", VIEW)
    fb = opened(requests.Session())
    fb.auth = ("awhite", PASSWORD)
    answers["vfb"] = fb.get(f"{private.url}freebusy/bwilson.vfb").text
    for request, text in answers.items():
        for secret in SECRETS:
            assert secret not in text, f"{request} tells the manager {secret!r}"
    # … but its time does: the manager plans around it
    item = answers[f"GET /{VIEW}private-1.ics"]
    assert "Private appointment" in item and "RRULE:FREQ=WEEKLY" in item
    assert "private-1.ics" not in answers["text-match"]  # the search sees what is shown
    assert "private-1.ics" in answers["query"] and "Open visit" in answers["query"]
    assert "FREEBUSY;FBTYPE=BUSY:" in answers["vfb"]


def test_confidential_is_private_too(server: Server, hq: Bridge) -> None:
    assert server.put("bwilson", f"{OWN}c-1.ics",
                      private_event("c-1", "CONFIDENTIAL")).status_code == 201
    shown = server.http("awhite").get(f"{server.url}{VIEW}c-1.ics").text
    assert "Merger talk" not in shown and "Private appointment" in shown


def test_its_representative_sees_all_of_it(private: Server) -> None:
    own = private.http("bwilson").get(f"{private.url}{OWN}private-1.ics").text
    for secret in SECRETS[:4]:
        assert secret in own
