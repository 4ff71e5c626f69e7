"""RFC 4791 §5.3.4: a PUT whose item the server stores as something other than what the client
sent answers without an ETag, so the client fetches the server's version instead of keeping its
own; an item stored as it came answers with its ETag, as in stock Radicale."""

from tests.clock import utc
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import EVENT, Fetched, Server


def test_a_new_item_hq_takes_as_written_answers_with_the_etag_it_is_served_with(
        server: Server, hq: Bridge) -> None:
    url = server.url + "bwilson/appointments/visit.ics"
    text = EVENT.format(uid="visit", summary="Visit Acme", description="")
    response = server.put("bwilson", "bwilson/appointments/visit.ics", text)
    assert response.status_code == 201
    served = server.http("bwilson").get(url)
    assert served.text == text and served.headers["ETag"] == response.headers["ETag"]


def test_a_new_item_hq_changes_answers_without_etag(server: Server, hq: Bridge) -> None:
    """An unknown customer: HQ keeps none, and serves that."""
    url = server.url + "bwilson/appointments/visit.ics"
    text = EVENT.format(uid="visit", summary="Visit Acme", description="").replace(
        "END:VEVENT", "X-BRIDGE-CUSTOMER:C-9999\nEND:VEVENT")
    response = server.put("bwilson", "bwilson/appointments/visit.ics", text)
    assert response.status_code == 201
    assert "ETag" not in response.headers
    served = server.http("bwilson").get(url)
    assert "SUMMARY:Visit Acme" in served.text and "C-9999" not in served.text
    assert served.headers["ETag"]


def test_an_edit_whose_text_hq_keeps_answers_without_etag(
        hq: Bridge, hq_appointment: Fetched) -> None:
    http, url, before = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    edited = before.text.replace("HQ-000001 Visit", "Renamed in the client")
    response = http.put(url, data=edited, headers={"If-Match": before.headers["ETag"]})
    assert response.status_code == 204
    assert "ETag" not in response.headers
    after = http.get(url)
    assert "SUMMARY:HQ-000001 Visit" in after.text
    assert after.headers["ETag"] != before.headers["ETag"]  # the client sees it must re-read
    assert [a["name"] for a in activities_json(hq)] == ["Visit"]


def test_an_item_stored_as_sent_answers_with_its_etag(server: Server, hq: Bridge) -> None:
    http = server.http("bwilson")
    assert http.request("MKCALENDAR", server.url + "bwilson/private/").status_code == 201
    for path, extra in (("bwilson/private/lunch.ics", ""),
                        ("bwilson/appointments/lunch.ics", "X-BRIDGE-TRANSFER:FALSE\n")):
        text = EVENT.format(uid=path, summary="Lunch", description="").replace(
            "END:VEVENT", extra + "END:VEVENT")
        response = server.put("bwilson", path, text)
        assert response.status_code == 201
        assert response.headers["ETag"] == http.get(server.url + path).headers["ETag"]
    assert activities_json(hq) == []


def test_an_etag_names_one_version_even_across_rebuilt_or_restored_databases() -> None:
    """Ids and revisions repeat in a database rebuilt from the same data, or restored from a
    backup and changed again; the instant of the change does not."""
    from bridge.calendars.sources import version_etag

    first = utc(0, "09:00", "UTC").replace(microsecond=123456)
    again = utc(1, "09:00", "UTC").replace(microsecond=123456)
    assert version_etag("a", 7, 2, first) == version_etag("a", 7, 2, first)
    assert version_etag("a", 7, 2, first) != version_etag("a", 7, 2, again)
    assert version_etag("a", 7, 2, first) != version_etag("c", 7, 2, first)
