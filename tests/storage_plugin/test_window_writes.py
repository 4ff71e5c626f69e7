"""RFC 4791 §5.3.2.1: an item a client writes into the appointments calendar or task list
must lie in the representative's synchronization window, or the server would keep it in HQ
and never serve it back (a client would see its new item vanish, then a conflict on retry).
Such a write is refused with CALDAV:min-date-time / max-date-time, which the collection
advertises, and nothing is stored."""

from tests.conftest import activities_json

FAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VEVENT
UID:{uid}
SUMMARY:Trade fair
DTSTART:{day}T090000Z
DTEND:{day}T100000Z
END:VEVENT
END:VCALENDAR
"""

PROPS = ('<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop>'
         '<C:min-date-time/><C:max-date-time/></prop></propfind>')


def test_the_calendar_advertises_its_window(server, hq):
    assert hq("settings", "set", "bwilson", "--calendar-start", "2026-01-01",
              "--calendar-end", "2027-12-31").exit_code == 0
    answer = server.http("bwilson").request(
        "PROPFIND", server.url + "bwilson/appointments/", data=PROPS, headers={"Depth": "0"})
    assert answer.status_code == 207
    assert "20260101T000000Z</C:min-date-time>" in answer.text
    assert "20280101T000000Z</C:max-date-time>" in answer.text


def test_an_item_beyond_the_window_is_refused_with_max_date_time(server, hq):
    assert hq("settings", "set", "bwilson", "--calendar-start", "2026-01-01",
              "--calendar-end", "2027-12-31").exit_code == 0
    http = server.http("bwilson")
    url = server.url + "bwilson/appointments/fair.ics"
    for _ in range(2):  # the retry of a client is answered the same, no 409
        response = http.put(url, data=FAR.format(uid="fair", day="20290310"),
                            headers={"If-None-Match": "*"})
        assert response.status_code == 403
        assert "max-date-time" in response.text
    assert http.get(url).status_code == 404
    assert activities_json(hq) == []
    inside = http.put(url, data=FAR.format(uid="fair", day="20270310"),
                      headers={"If-None-Match": "*"})
    assert inside.status_code == 201


def test_an_item_before_the_window_is_refused_with_min_date_time(server, hq):
    assert hq("settings", "set", "bwilson", "--calendar-start", "2026-01-01",
              "--calendar-end", "2027-12-31").exit_code == 0
    response = server.put("bwilson", "bwilson/appointments/old.ics",
                          FAR.format(uid="old", day="20250310"))
    assert response.status_code == 403
    assert "min-date-time" in response.text
    assert activities_json(hq) == []


def test_moving_an_activity_out_of_the_window_is_refused_and_changes_nothing(hq, hq_appointment):
    http, url, fetched = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    moved = fetched.text.replace("20261203", "20351203")
    response = http.put(url, data=moved, headers={"If-Match": fetched.headers["ETag"]})
    assert response.status_code == 403
    assert "max-date-time" in response.text
    assert activities_json(hq)[0]["start"].startswith("2026-12-03")
    assert http.get(url).headers["ETag"] == fetched.headers["ETag"]


def test_an_item_kept_in_the_calendar_only_is_not_bound_to_the_window(server, hq):
    text = FAR.format(uid="private", day="20350310").replace(
        "END:VEVENT", "X-BRIDGE-TRANSFER:FALSE\nEND:VEVENT")
    assert server.put("bwilson", "bwilson/appointments/p.ics", text).status_code == 201
