"""Values longer than HQ keeps are refused whole with 400, on SQLite (which would store them)
and PostgreSQL (which would fail) alike: never a 5xx, never a value cut short."""

from tests.conftest import activities_json
from tests.storage_plugin.conftest import EVENT


def test_a_title_longer_than_hq_keeps_is_refused(server, hq):
    text = EVENT.format(uid="long", summary="x" * 1_000_000, description="")
    response = server.put("bwilson", "bwilson/appointments/long.ics", text)
    assert response.status_code == 400
    assert activities_json(hq) == []


def test_an_item_name_or_uid_longer_than_hq_keeps_is_refused(server, hq):
    long_name = "n" * 300 + ".ics"
    text = EVENT.format(uid="u", summary="Visit", description="")
    assert server.put("bwilson", f"bwilson/appointments/{long_name}", text).status_code == 400
    text = EVENT.format(uid="u" * 300, summary="Visit", description="")
    assert server.put("bwilson", "bwilson/appointments/ok.ics", text).status_code == 400
    assert activities_json(hq) == []


def test_a_collection_path_longer_than_hq_keeps_is_refused(server, hq):
    http = server.http("bwilson")
    response = http.request("MKCALENDAR", server.url + "bwilson/" + "c" * 600 + "/")
    assert 400 <= response.status_code < 500
    whole = http.put(server.url + "bwilson/" + "c" * 65_000 + "/",
                     data=EVENT.format(uid="w", summary="Whole", description=""),
                     headers={"Content-Type": "text/calendar"})
    assert 400 <= whole.status_code < 500
    assert http.request("PROPFIND", server.url + "bwilson/appointments/",
                        headers={"Depth": "0"}).status_code == 207


def test_an_over_long_display_name_is_refused_and_the_old_one_kept(server):
    http = server.http("bwilson")
    rename = ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>{}'
              "</D:displayname></D:prop></D:set></D:propertyupdate>")
    url = server.url + "bwilson/tasks/"
    assert http.request("PROPPATCH", url, data=rename.format("N" * 100_000)).status_code == 400
    assert http.request("PROPPATCH", url, data=rename.format("My tasks")).status_code == 207
    answer = http.get(url)
    assert answer.status_code == 200
    assert "My%20tasks.ics" in answer.headers["Content-Disposition"]


def test_an_item_larger_than_max_resource_size_is_refused_unread(server, hq):
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
