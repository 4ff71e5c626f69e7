"""Values longer than HQ keeps are refused whole with 400, on SQLite (which would store them)
and PostgreSQL (which would fail) alike: never a 5xx, never a value cut short. Requests larger
than the server takes — a body over max_content_length, an item over max_resource_size, a
PROPFIND or query wider than any client sends — are refused at once, saying the limit."""

import base64
import http.client
import time
from pathlib import Path

import pytest

from storage_plugin.screening import MAX_FILTERS, MAX_PROPERTIES
from storage_plugin.server import MAX_CONTENT_LENGTH
from tests.clock import at, stamp
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import (
    EVENT,
    PASSWORD,
    Server,
    start_bridge_serve,
    stop_serving,
)
from tests.storage_plugin.hostile import Probe, send

AT_ONCE = 10.0
"""Seconds within which a refusal is answered on a loaded machine (idle: well under one; a
stall, before, was minutes or for ever)."""


def test_a_title_longer_than_hq_keeps_is_refused(server: Server, hq: Bridge) -> None:
    text = EVENT.format(uid="long", summary="x" * 1_000_000, description="")
    response = server.put("bwilson", "bwilson/appointments/long.ics", text)
    assert response.status_code == 400
    assert activities_json(hq) == []


def test_an_item_name_or_uid_longer_than_hq_keeps_is_refused(server: Server, hq: Bridge) -> None:
    long_name = "n" * 300 + ".ics"
    text = EVENT.format(uid="u", summary="Visit", description="")
    assert server.put("bwilson", f"bwilson/appointments/{long_name}", text).status_code == 400
    text = EVENT.format(uid="u" * 300, summary="Visit", description="")
    assert server.put("bwilson", "bwilson/appointments/ok.ics", text).status_code == 400
    assert activities_json(hq) == []


def test_a_collection_path_longer_than_hq_keeps_is_refused(server: Server, hq: Bridge) -> None:
    http = server.http("bwilson")
    response = http.request("MKCALENDAR", server.url + "bwilson/" + "c" * 600 + "/")
    assert 400 <= response.status_code < 500
    whole = http.put(server.url + "bwilson/" + "c" * 65_000 + "/",
                     data=EVENT.format(uid="w", summary="Whole", description=""),
                     headers={"Content-Type": "text/calendar"})
    assert 400 <= whole.status_code < 500
    assert http.request("PROPFIND", server.url + "bwilson/appointments/",
                        headers={"Depth": "0"}).status_code == 207


def test_an_over_long_display_name_is_refused_and_the_old_one_kept(server: Server) -> None:
    http = server.http("bwilson")
    rename = ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>{}'
              "</D:displayname></D:prop></D:set></D:propertyupdate>")
    url = server.url + "bwilson/tasks/"
    assert http.request("PROPPATCH", url, data=rename.format("N" * 100_000)).status_code == 400
    assert http.request("PROPPATCH", url, data=rename.format("My tasks")).status_code == 207
    answer = http.get(url)
    assert answer.status_code == 200
    assert "My%20tasks.ics" in answer.headers["Content-Disposition"]


def test_an_item_larger_than_max_resource_size_is_refused_unread(
        server: Server, hq: Bridge) -> None:
    """RFC 4791 §5.3.2.1 and RFC 6352 §6.3.2.1: the server's max-resource-size (1 MiB by
    default), announced on every calendar, holds for every item."""
    http = server.http("bwilson")
    announced = http.request("PROPFIND", server.url + "bwilson/appointments/", headers={
        "Depth": "0"}, data='<propfind xmlns="DAV:"><prop><max-resource-size '
                            'xmlns="urn:ietf:params:xml:ns:caldav"/></prop></propfind>')
    limit = int(announced.text.split("max-resource-size>")[1].split("<")[0])
    assert limit == 1024 * 1024
    large = EVENT.format(uid="large", summary="Visit", description="d" * limit)
    answer = server.put("bwilson", "bwilson/appointments/large.ics", large)
    assert answer.status_code == 403 and "max-resource-size" in answer.text
    assert "urn:ietf:params:xml:ns:caldav" in answer.text
    assert http.get(server.url + "bwilson/appointments/large.ics").status_code == 404
    assert activities_json(hq) == []
    assert http.request("MKCOL", server.url + "bwilson/book/", data=(
        '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
        "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype></D:prop></D:set>"
        "</D:mkcol>")).status_code == 201
    card = "BEGIN:VCARD\nVERSION:3.0\nUID:big\nFN:Big\nNOTE:" + "n" * limit + "\nEND:VCARD\n"
    answer = http.put(server.url + "bwilson/book/big.vcf", data=card,
                      headers={"Content-Type": "text/vcard"})
    assert answer.status_code == 403 and "urn:ietf:params:xml:ns:carddav" in answer.text


def _declared(url: str, path: str, declared: int, sent: bytes) -> tuple[int, str]:
    """The status and text of a PUT as bwilson whose Content-Length is ``declared`` but of
    which only ``sent`` is sent (the client then waits for the answer)."""
    host, port = url.split("//")[1].strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=AT_ONCE)
    try:
        connection.putrequest("PUT", path)
        credentials = base64.b64encode(f"bwilson:{PASSWORD}".encode()).decode()
        for name, value in (("Authorization", f"Basic {credentials}"),
                            ("Content-Type", "text/calendar"),
                            ("Content-Length", str(declared))):
            connection.putheader(name, value)
        connection.endheaders(sent)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "2 workers"])
def test_a_body_over_max_content_length_is_answered_413_at_once_unread(
        staff_passwords: None, database_url: str, tmp_path: Path, workers: int) -> None:
    """Issue 29: under --workers 2 a PUT over 10 MiB got no answer (Radicale checks the limit
    only under its own server, and parsed the body for minutes). It gets 413 at once, saying
    the limit, in one process and with workers alike; nothing is stored."""
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         workers=workers)
    try:
        http_session = server.http("bwilson")
        assert http_session.request("MKCALENDAR", server.url + "bwilson/big/").status_code == 201
        body = EVENT.format(uid="big", summary="Big", description="d" * MAX_CONTENT_LENGTH)
        began = time.monotonic()
        status = send(server.url, Probe("big", "PUT", "/bwilson/big/big.ics", body.encode(),
                                        {"Content-Type": "text/calendar"}), PASSWORD,
                      timeout=AT_ONCE)
        took = time.monotonic() - began
        print(f"\nPUT of {len(body)} bytes on {workers} process(es): {status} in {took:.2f} s")
        assert status == 413 and took < AT_ONCE
        status, text = _declared(server.url, "/bwilson/big/huge.ics", 10**12, body[:500].encode())
        assert status == 413 and str(MAX_CONTENT_LENGTH) in text and "max_content_length" in text
        for name in ("big.ics", "huge.ics"):
            assert http_session.get(server.url + f"bwilson/big/{name}").status_code == 404
        assert http_session.request("PROPFIND", server.url + "bwilson/big/",
                                    headers={"Depth": "1"}).status_code == 207
    finally:
        stop_serving(process)


def _propfind(properties: int) -> str:
    asked = "<D:getetag/>" + "".join(f"<D:p{n}/>" for n in range(properties - 1))
    return f'<D:propfind xmlns:D="DAV:"><D:prop>{asked}</D:prop></D:propfind>'


def _query(filters: int) -> str:
    span = f'start="{stamp(at(-365, "00:00", "UTC"))}" end="{stamp(at(36500, "00:00", "UTC"))}"'
    tested = "".join(f'<C:comp-filter name="VEVENT"><C:time-range {span}/></C:comp-filter>'
                     for _ in range(filters - 1))
    return ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
            f"{tested}</C:comp-filter></C:filter></C:calendar-query>")


def _book_query(filters: int) -> str:
    tested = "".join(f'<CR:prop-filter name="FN"><CR:text-match>{n}</CR:text-match>'
                     "</CR:prop-filter>" for n in range(filters))
    return ('<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
            f'<D:prop><D:getetag/></D:prop><CR:filter test="anyof">{tested}</CR:filter>'
            "</CR:addressbook-query>")


def test_a_propfind_or_query_wider_than_any_client_asks_is_refused_at_once(server: Server) -> None:
    """Issue 29: a PROPFIND of 30 000 properties or a calendar-query of 5 000 comp-filters
    held a thread for minutes. Over MAX_PROPERTIES properties in a DAV:prop is 400, over
    MAX_FILTERS filters in a query 403 with its supported-filter precondition (RFC 4791 §7.8,
    RFC 6352 §8.6), each saying the limit; at the limits, answered as ever."""
    http_session = server.http("bwilson")
    calendar_url, book_url = server.url + "bwilson/team/", server.url + "bwilson/book/"
    assert http_session.request("MKCALENDAR", calendar_url).status_code == 201
    assert http_session.request("MKCOL", book_url, data=(
        '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
        "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype></D:prop></D:set>"
        "</D:mkcol>")).status_code == 201
    for number in range(20):
        assert server.put("bwilson", f"bwilson/team/{number}.ics", EVENT.format(
            uid=f"team-{number}", summary="Visit", description="")).status_code == 201
    depth = {"Depth": "1"}
    for properties in (30_000, MAX_PROPERTIES + 1):
        wide = http_session.request("PROPFIND", calendar_url, data=_propfind(properties),
                                    headers=depth)
        assert wide.status_code == 400, wide.text
        assert f"at most {MAX_PROPERTIES}" in wide.text and wide.elapsed.total_seconds() < AT_ONCE
    for filters in (5000, MAX_FILTERS + 1):
        wide = http_session.request("REPORT", calendar_url, data=_query(filters), headers=depth)
        assert wide.status_code == 403, wide.text
        assert "supported-filter" in wide.text and "urn:ietf:params:xml:ns:caldav" in wide.text
        assert f"at most {MAX_FILTERS}" in wide.text and wide.elapsed.total_seconds() < AT_ONCE
        book = http_session.request("REPORT", book_url, data=_book_query(filters), headers=depth)
        assert book.status_code == 403 and "urn:ietf:params:xml:ns:carddav" in book.text
        assert "supported-filter" in book.text and f"at most {MAX_FILTERS}" in book.text
    answered = http_session.request("PROPFIND", calendar_url, data=_propfind(MAX_PROPERTIES),
                                    headers=depth)
    assert answered.status_code == 207 and answered.text.count(".ics</") == 20
    found = http_session.request("REPORT", calendar_url, data=_query(MAX_FILTERS), headers=depth)
    assert found.status_code == 207 and found.text.count(".ics</") == 20
    book = http_session.request("REPORT", book_url, data=_book_query(MAX_FILTERS), headers=depth)
    assert book.status_code == 207
