"""RFC 4791 §5.3.2.1: an item a client writes into the appointments calendar or task list
must lie in the representative's synchronization window, or the server would keep it in HQ
and never serve it back (a client would see its new item vanish, then a conflict on retry).
Such a write is refused with CALDAV:min-date-time / max-date-time, which the collection
advertises, and nothing is stored."""

from datetime import timedelta

from tests.clock import day, on, stamp
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import VISIT_DAY, VISIT_DAYS, Fetched, Server

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

WINDOW = day(-330), day(400)
"""bwilson's window in the tests that set one: from about a year ago to about a year ahead."""
SET_WINDOW = ("settings", "set", "bwilson", "--calendar-start", WINDOW[0].isoformat(),
              "--calendar-end", WINDOW[1].isoformat())

PROPS = ('<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop>'
         '<C:min-date-time/><C:max-date-time/></prop></propfind>')


def test_the_calendar_advertises_its_window(server: Server, hq: Bridge) -> None:
    assert hq(*SET_WINDOW).exit_code == 0
    answer = server.http("bwilson").request(
        "PROPFIND", server.url + "bwilson/appointments/", data=PROPS, headers={"Depth": "0"})
    assert answer.status_code == 207
    assert f"{stamp(on(WINDOW[0], '00:00', 'UTC'))}</C:min-date-time>" in answer.text
    last_second = on(WINDOW[1] + timedelta(days=1), '00:00', 'UTC') - timedelta(seconds=1)
    assert f"{stamp(last_second)}</C:max-date-time>" in answer.text


def test_an_item_beyond_the_window_is_refused_with_max_date_time(
        server: Server, hq: Bridge) -> None:
    assert hq(*SET_WINDOW).exit_code == 0
    http = server.http("bwilson")
    url = server.url + "bwilson/appointments/fair.ics"
    for _ in range(2):  # the retry of a client is answered the same, no 409
        response = http.put(url, data=FAR.format(uid="fair", day=stamp(day(835))),
                            headers={"If-None-Match": "*"})
        assert response.status_code == 403
        assert "max-date-time" in response.text
    assert http.get(url).status_code == 404
    assert activities_json(hq) == []
    inside = http.put(url, data=FAR.format(uid="fair", day=stamp(day(105))),
                      headers={"If-None-Match": "*"})
    assert inside.status_code == 201


def test_an_item_before_the_window_is_refused_with_min_date_time(
        server: Server, hq: Bridge) -> None:
    assert hq(*SET_WINDOW).exit_code == 0
    response = server.put("bwilson", "bwilson/appointments/old.ics",
                          FAR.format(uid="old", day=stamp(day(-625))))
    assert response.status_code == 403
    assert "min-date-time" in response.text
    assert activities_json(hq) == []


def test_moving_an_activity_out_of_the_window_is_refused_and_changes_nothing(
        hq: Bridge, hq_appointment: Fetched) -> None:
    http, url, fetched = hq_appointment.http, hq_appointment.url, hq_appointment.answer
    moved = fetched.text.replace(VISIT_DAY, stamp(day(VISIT_DAYS + 3287)))  # 9 years on
    response = http.put(url, data=moved, headers={"If-Match": fetched.headers["ETag"]})
    assert response.status_code == 403
    assert "max-date-time" in response.text
    assert activities_json(hq)[0]["start"].startswith(day(VISIT_DAYS).isoformat())
    assert http.get(url).headers["ETag"] == fetched.headers["ETag"]


def test_an_item_kept_in_the_calendar_only_is_not_bound_to_the_window(
        server: Server, hq: Bridge) -> None:
    text = FAR.format(uid="private", day=stamp(day(3392))).replace(
        "END:VEVENT", "X-BRIDGE-TRANSFER:FALSE\nEND:VEVENT")
    assert server.put("bwilson", "bwilson/appointments/p.ics", text).status_code == 201
