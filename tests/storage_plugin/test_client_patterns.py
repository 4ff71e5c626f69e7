"""The request patterns of real clients, replayed as they send them (plain HTTP):
Outlook's CalDav Synchronizer, DAVx5 and Thunderbird."""

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from urllib.parse import urljoin

import pytest
import requests
from icalendar import Calendar

from tests.clock import at, iso, stamp
from tests.conftest import NOW_ISO, Bridge, WriteExport, activities_json, appointment
from tests.storage_plugin.conftest import EVENT, VISIT_DAYS, VISIT_START, Server, moved_a_day

NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav", "CS": "http://calendarserver.org/ns/"}
XML = {"Content-Type": "application/xml; charset=utf-8"}
RANGE = stamp(at(-24, "00:00", "UTC")), stamp(at(37, "00:00", "UTC"))
"""The time range the Synchronizer lists: from weeks ago to weeks ahead."""


def multistatus(answer: requests.Response) -> ET.Element:
    assert answer.status_code == 207, answer.text
    return ET.fromstring(answer.content)


def prop_texts(root: ET.Element, prop: str) -> dict[str, str]:
    """href → text of ``prop`` for every response that has it."""
    return {response.findtext("D:href", namespaces=NS): response.find(f".//{prop}", NS).text
            for response in root.findall("D:response", NS)
            if response.find(f".//{prop}", NS) is not None}


@pytest.fixture
def outlook(server: Server) -> tuple[requests.Session, str]:
    """bwilson's CalDav Synchronizer: a session and the server's URL."""
    return server.http("bwilson"), server.url


# --- Outlook CalDav Synchronizer -------------------------------------------------------------

def discover_like_caldav_synchronizer(
        http: requests.Session, url: str,
) -> dict[str | None, tuple[set[str | None], set[str]]]:
    principal = multistatus(http.request("PROPFIND", url, headers={"Depth": "0", **XML}, data=(
        '<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>')))
    principal_url = principal.find(".//D:current-user-principal/D:href", NS).text
    home = multistatus(http.request("PROPFIND", urljoin(url, principal_url),
                                    headers={"Depth": "0", **XML}, data=(
        '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
        "<C:calendar-home-set/></D:prop></D:propfind>")))
    home_url = home.find(".//C:calendar-home-set/D:href", NS).text
    listing = multistatus(http.request("PROPFIND", urljoin(url, home_url),
                                       headers={"Depth": "1", **XML}, data=(
        '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
        'xmlns:A="http://apple.com/ns/ical/"><D:prop><D:resourcetype/><D:displayname/>'
        "<A:calendar-color/><C:supported-calendar-component-set/>"
        "<D:current-user-privilege-set/></D:prop></D:propfind>")))
    found = {}
    for response in listing.findall("D:response", NS):
        components = response.findall(".//C:supported-calendar-component-set/C:comp", NS)
        if not components:
            continue  # the Synchronizer skips collections without the property
        privileges = {element.tag.split("}")[1] for element in
                      response.findall(".//D:current-user-privilege-set/D:privilege/*", NS)}
        found[response.findtext("D:href", namespaces=NS)] = (
            {component.get("name") for component in components}, privileges)
    return found


def test_caldav_synchronizer_discovers_calendars_and_which_are_read_only(
        outlook: tuple[requests.Session, str]) -> None:
    found = discover_like_caldav_synchronizer(*outlook)
    assert found["/bwilson/appointments/"][0] == {"VEVENT"}
    assert found["/bwilson/tasks/"][0] == {"VTODO"}
    assert "write" in found["/bwilson/appointments/"][1]
    assert "write" in found["/bwilson/tasks/"][1]
    assert "read" in found["/bwilson/mobile/"][1]
    assert not {"write", "write-content", "bind", "all"} & found["/bwilson/mobile/"][1]


def etags_in_range(http: requests.Session, url: str) -> dict[str, str]:
    return prop_texts(multistatus(http.request(
        "REPORT", url + "bwilson/appointments/", headers={"Depth": "1", **XML}, data=(
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\">"
            f'<C:comp-filter name="VEVENT"><C:time-range start="{RANGE[0]}" '
            f'end="{RANGE[1]}"/></C:comp-filter></C:comp-filter></C:filter>'
            "</C:calendar-query>"))), "D:getetag")


def multiget(http: requests.Session, url: str, hrefs: Iterable[str]) -> dict[str, str]:
    body = ('<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            + "".join(f"<D:href>{href}</D:href>" for href in hrefs) + "</C:calendar-multiget>")
    return prop_texts(multistatus(http.request(
        "REPORT", url + "bwilson/appointments/", headers={"Depth": "1", **XML}, data=body)),
        "C:calendar-data")


def test_caldav_synchronizer_lists_etags_fetches_and_writes_with_preconditions(
        outlook: tuple[requests.Session, str], hq: Bridge) -> None:
    http, url = outlook
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", VISIT_START).exit_code == 0
    etags = etags_in_range(http, url)
    [href] = etags
    [text] = multiget(http, url, etags).values()
    assert "Visit" in text

    created = http.put(url + "bwilson/appointments/outlook-1.ics", headers={
        "If-None-Match": "*", "Content-Type": "text/calendar"},
        data=EVENT.format(uid="outlook-1", summary="From Outlook", description=""))
    assert created.status_code == 201
    # served as Outlook wrote it (HQ took it whole): the Synchronizer keeps its copy and ETag
    assert created.headers["ETag"] == etags_in_range(http, url)[
        "/bwilson/appointments/outlook-1.ics"]
    again = http.put(url + "bwilson/appointments/outlook-1.ics", headers={
        "If-None-Match": "*", "Content-Type": "text/calendar"},
        data=EVENT.format(uid="outlook-1", summary="From Outlook", description=""))
    assert again.status_code == 412

    etags = etags_in_range(http, url)
    current = etags["/bwilson/appointments/outlook-1.ics"]
    stale = http.put(url + "bwilson/appointments/outlook-1.ics", headers={
        "If-Match": '"stale"', "Content-Type": "text/calendar"},
        data=EVENT.format(uid="outlook-1", summary="Moved", description=""))
    assert stale.status_code == 412
    assert http.delete(url + href.lstrip("/"), headers={"If-Match": '"stale"'}).status_code == 412
    moved = moved_a_day(EVENT.format(uid="outlook-1", summary="From Outlook", description=""))
    updated = http.put(url + "bwilson/appointments/outlook-1.ics", headers={
        "If-Match": current, "Content-Type": "text/calendar"}, data=moved)
    assert updated.status_code == 204
    [activity] = [a for a in activities_json(hq) if "From Outlook" in a["name"]]
    assert activity["start"].startswith(iso(VISIT_DAYS + 1, "10:00")[:19])
    fresh = etags_in_range(http, url)[href]
    deleted = http.delete(url + href.lstrip("/"), headers={"If-Match": fresh})
    assert deleted.status_code in (200, 204)
    assert href not in etags_in_range(http, url)


# --- DAVx5 -----------------------------------------------------------------------------------

def sync_collection(http: requests.Session, url: str, token: str
                    ) -> tuple[requests.Response, str | None, set[str | None] | None]:
    answer = http.request("REPORT", url, headers={"Depth": "1", **XML}, data=(
        '<D:sync-collection xmlns:D="DAV:">'
        f"<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>"
        "<D:prop><D:getetag/></D:prop></D:sync-collection>"))
    if answer.status_code == 403:
        return answer, None, None
    root = multistatus(answer)
    return answer, root.findtext("D:sync-token", namespaces=NS), {
        response.findtext("D:href", namespaces=NS) for response in root.findall("D:response", NS)}


def test_davx5_syncs_by_token_and_starts_over_on_valid_sync_token(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    http = server.http("bwilson")
    mobile = server.url + "bwilson/mobile/"
    _, token, first = sync_collection(http, mobile, "")
    assert first == set()
    hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
       "--now", NOW_ISO)
    _, token2, changed = sync_collection(http, mobile, token)
    assert changed == {"/bwilson/mobile/mobile-MA-1.ics"} and token2 != token

    foreign = token2.rsplit("_", 1)[0] + "_0000dead"  # the same counter, another history
    refused, _, _ = sync_collection(http, mobile, foreign)
    assert refused.status_code == 403 and "valid-sync-token" in refused.text
    _, _, everything = sync_collection(http, mobile, "")  # DAVx5 starts over
    assert everything == {"/bwilson/mobile/mobile-MA-1.ics"}


# --- Thunderbird -----------------------------------------------------------------------------

def ctag(http: requests.Session, url: str) -> str | None:
    root = multistatus(http.request("PROPFIND", url, headers={"Depth": "0", **XML}, data=(
        '<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop>'
        "<CS:getctag/></D:prop></D:propfind>")))
    return root.find(".//CS:getctag", NS).text


def test_thunderbird_polls_the_ctag_then_compares_etags(server: Server, hq: Bridge) -> None:
    http = server.http("bwilson")
    appointments = server.url + "bwilson/appointments/"
    before = ctag(http, appointments)
    assert ctag(http, appointments) == before  # nothing changed: Thunderbird stops here
    assert hq("activities", "add", "-r", "bwilson", "--name", "New from HQ",
              "--start", iso(VISIT_DAYS + 1, "10:00")).exit_code == 0
    after = ctag(http, appointments)
    assert after != before
    etags = prop_texts(multistatus(http.request(
        "PROPFIND", appointments, headers={"Depth": "1", **XML},
        data='<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>')),
        "D:getetag")
    [href] = [href for href in etags if href.endswith(".ics")]
    calendar = Calendar.from_ical(http.get(server.url + href.lstrip("/")).content)
    [event] = calendar.walk("VEVENT")
    assert "New from HQ" in str(event["SUMMARY"])
