"""An item that recurs more than MAX_INSTANCES_PER_YEAR times a year is refused with
CALDAV:max-instances (searching or expanding it would walk millions of occurrences); ordinary
recurring items are stored and expanded as clients ask."""

from datetime import timedelta

import pytest
import requests

from bridge.calendars.recurrence import (
    MAX_COMPONENTS,
    MAX_DATES,
    MAX_INSTANCES_PER_YEAR,
    MAX_RULES,
)
from tests.clock import at, day, on, stamp
from tests.conftest import Bridge
from tests.storage_plugin.conftest import Server, calendar

FIRST = next(when for when in map(day, range(15, 22)) if when.weekday() < 5)
"""The first day of the stand-up: a weekday in about two weeks."""
EXPAND_FROM, EXPAND_TO = day(6), day(6 + 3653)
"""Ten years from a few days before FIRST (3653 days: ten years, whichever they are)."""

RECURRING = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VEVENT
UID:{{uid}}
DTSTAMP:{stamp(at(1, "12:00", "UTC"))}
DTSTART:{stamp(on(FIRST, "10:00", "UTC"))}
DURATION:PT30M
SUMMARY:Stand-up
RRULE:{{rule}}
END:VEVENT
END:VCALENDAR
"""
_FROM, _TO = stamp(on(EXPAND_FROM, "00:00", "UTC")), stamp(on(EXPAND_TO, "00:00", "UTC"))
EXPAND_TEN_YEARS = f"""<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><C:calendar-data><C:expand start="{_FROM}" end="{_TO}"/>
</C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR">
<C:comp-filter name="VEVENT"><C:time-range start="{_FROM}" end="{_TO}"/>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"""


@pytest.fixture
def own_calendar(server: Server) -> tuple[requests.Session, str]:
    http = server.http("bwilson")
    assert http.request("MKCALENDAR", server.url + "bwilson/team/").status_code == 201
    return http, server.url + "bwilson/team/"


@pytest.mark.parametrize("rule", ["FREQ=SECONDLY", "FREQ=MINUTELY;COUNT=5000",
                                  "FREQ=HOURLY", "FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15"])
def test_an_item_recurring_too_often_is_refused_with_max_instances(
        own_calendar: tuple[requests.Session, str], server: Server, rule: str) -> None:
    http, url = own_calendar
    answer = http.put(url + "dense.ics", data=RECURRING.format(uid="dense", rule=rule),
                      headers={"Content-Type": "text/calendar"})
    assert answer.status_code == 403
    assert "max-instances" in answer.text
    assert http.get(url + "dense.ics").status_code == 404
    for path in ("bwilson/appointments/dense.ics", "bwilson/tasks/dense.ics"):
        refused = http.put(server.url + path, data=RECURRING.format(uid="dense", rule=rule),
                           headers={"Content-Type": "text/calendar"})
        assert refused.status_code == 403 and http.get(server.url + path).status_code == 404


def test_a_daily_item_without_end_is_kept_and_expanded(
        own_calendar: tuple[requests.Session, str], server: Server) -> None:
    http, url = own_calendar
    daily = RECURRING.format(uid="daily", rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    assert http.put(url + "daily.ics", data=daily,
                    headers={"Content-Type": "text/calendar"}).status_code == 201
    assert MAX_INSTANCES_PER_YEAR >= 365
    week = calendar(server.client("bwilson"), "bwilson/team/").search(
        event=True, start=on(FIRST + timedelta(days=4), "00:00", "UTC"),
        end=on(FIRST + timedelta(days=11), "00:00", "UTC"), expand=True)  # any seven days
    assert len(week) == 5
    assert {str(event.icalendar_component["SUMMARY"]) for event in week} == {"Stand-up"}
    answer = http.request("REPORT", url, data=EXPAND_TEN_YEARS, headers={"Depth": "1"})
    assert answer.status_code == 207
    weekdays = [when for when in (FIRST + timedelta(days=n)
                                  for n in range((EXPAND_TO - FIRST).days))
                if when.weekday() < 5]
    assert answer.text.count("RECURRENCE-ID") == len(weekdays)  # each one of ten years


def test_an_item_of_too_many_parts_is_refused_and_its_calendar_stays_as_it_was(
        own_calendar: tuple[requests.Session, str], server: Server) -> None:
    http, url = own_calendar
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Soon\nTRIGGER:-PT15M\nEND:VALARM\n"
    many_alarms = RECURRING.format(uid="alarms", rule="FREQ=WEEKLY").replace(
        "END:VEVENT", alarm * (MAX_COMPONENTS + 1) + "END:VEVENT")
    many_rules = RECURRING.format(uid="rules", rule="FREQ=WEEKLY").replace(
        "RRULE:FREQ=WEEKLY", "\n".join(f"RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL={n}"
                                       for n in range(1, MAX_RULES + 2)))
    for name, text, reason in [("alarms", many_alarms, "components"),
                               ("rules", many_rules, "recurrence rules")]:
        for target in (url, server.url + "bwilson/appointments/"):
            answer = http.put(f"{target}{name}.ics", data=text,
                              headers={"Content-Type": "text/calendar"})
            assert answer.status_code == 403 and reason in answer.text, answer.text
            assert http.get(f"{target}{name}.ics").status_code == 404
    fine = RECURRING.format(uid="fine", rule="FREQ=WEEKLY").replace(
        "END:VEVENT", alarm * 3 + "END:VEVENT")
    assert http.put(url + "fine.ics", data=fine,
                    headers={"Content-Type": "text/calendar"}).status_code == 201


STALL = 10
"""Seconds that tell a stall (minutes, before) from an answer on a loaded machine (a
second or less: bench/hostile_bench.py measures it)."""
NO_WALK = ["FREQ=DAILY;INTERVAL=0", "FREQ=YEARLY;INTERVAL=0", "FREQ=WEEKLY;INTERVAL=-2",
           "FREQ=DAILY;COUNT=0", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31",
           "FREQ=HOURLY;BYYEARDAY=366;BYMONTH=2", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"]
"""Rules dateutil would walk for ever (INTERVAL=0) or to the year 9999 (no occurrence)."""


@pytest.mark.parametrize("rule", NO_WALK)
@pytest.mark.parametrize("exclusion", [False, True])
def test_a_rule_no_walk_should_follow_is_refused_at_once_naming_it(
        own_calendar: tuple[requests.Session, str], server: Server, rule: str,
        exclusion: bool) -> None:
    http, url = own_calendar
    text = RECURRING.format(uid="never", rule=rule)
    if exclusion:  # the same rule as an EXRULE of an ordinary daily series
        text = text.replace(f"RRULE:{rule}", f"RRULE:FREQ=DAILY\nEXRULE:{rule}")
    for target in (url + "never.ics", server.url + "bwilson/appointments/never.ics"):
        answer = http.put(target, data=text, headers={"Content-Type": "text/calendar"})
        assert answer.status_code == 403, answer.text
        assert answer.elapsed.total_seconds() < STALL  # (a second when the machine is idle)
        assert "valid-calendar-data" in answer.text
        assert ("EXRULE:" if exclusion else "RRULE:") in answer.text
        assert http.get(target).status_code == 404


def test_another_representatives_write_is_not_held_up_by_such_a_rule(
        own_calendar: tuple[requests.Session, str], server: Server) -> None:
    import concurrent.futures

    http, url = own_calendar
    ordinary = RECURRING.format(uid="weekly", rule="FREQ=WEEKLY").replace("Stand-up", "Review")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        never = pool.submit(http.put, url + "never.ics", headers={"Content-Type": "text/calendar"},
                            data=RECURRING.format(uid="never", rule="FREQ=DAILY;INTERVAL=0"))
        other = pool.submit(server.http("cdavis").put, server.url + "cdavis/appointments/r.ics",
                            data=ordinary, headers={"Content-Type": "text/calendar"})
        refused, stored = never.result(timeout=30), other.result(timeout=30)
    assert refused.status_code == 403 and refused.elapsed.total_seconds() < STALL
    assert stored.status_code == 201 and stored.elapsed.total_seconds() < STALL


def test_a_slow_check_holds_no_lock_another_writer_commits_meanwhile(
        staff_passwords: None, hq: Bridge, database_url: str) -> None:
    """The checks run before the write lock: a PUT whose check takes long (here a rule
    walked a whole second, under a generous limit) does not hold up a write to the same
    calendar by the same representative."""
    import concurrent.futures
    import time

    from tests.storage_plugin.conftest import serving

    slow_rule = "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30"  # (walked to the year 9999: no Feb 30)
    ordinary = RECURRING.format(uid="weekly", rule="FREQ=WEEKLY").replace("Stand-up", "Review")
    with serving(database_url, storage={"recurrence_check_seconds": "60"}) as server:
        http, other = server.http("bwilson"), server.http("bwilson")
        url = server.url + "bwilson/appointments/"
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            slow = pool.submit(lambda: (http.put(url + "slow.ics", data=RECURRING.format(
                uid="slow", rule=slow_rule), headers={"Content-Type": "text/calendar"}),
                time.monotonic()))
            time.sleep(0.1)
            fast = pool.submit(lambda: (other.put(url + "fast.ics", data=ordinary,
                                                  headers={"Content-Type": "text/calendar"}),
                                        time.monotonic()))
            (refused, slow_done), (stored, fast_done) = slow.result(60), fast.result(60)
    assert refused.status_code == 403 and "no occurrence" in refused.text
    assert refused.elapsed.total_seconds() > 0.5, "the check was slow"
    assert stored.status_code == 201 and fast_done < slow_done, "and held no lock meanwhile"


def _stored_before_the_checks(database_url: str, path: str, text: str) -> None:
    """An item as a server before these checks stored it (no request can store it now)."""
    from datetime import UTC, datetime

    from bridge.calendars import collections, items
    from bridge.calendars.items import ItemMeta
    from bridge.infra.db import shared_engine, transaction

    parent, _, href = path.rpartition("/")
    with transaction(shared_engine(database_url)) as session:
        [collection] = collections.get_collections(session, [parent]).values()
        items.store_item(session, collection.id, href, text, ItemMeta(
            "stored-never", '"stored-never"', "VEVENT", (0, 2 ** 62)), datetime.now(UTC))


@pytest.mark.parametrize("rule", ["FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"])
def test_an_item_stored_before_the_checks_is_left_out_of_searches_which_answer_at_once(
        own_calendar: tuple[requests.Session, str], server: Server, database_url: str, rule: str,
        caplog: pytest.LogCaptureFixture) -> None:
    http, url = own_calendar
    weekly = RECURRING.format(uid="weekly", rule="FREQ=WEEKLY")
    assert http.put(url + "weekly.ics", data=weekly,
                    headers={"Content-Type": "text/calendar"}).status_code == 201
    _stored_before_the_checks(database_url, "bwilson/team/never.ics",
                              RECURRING.format(uid="stored-never", rule=rule))
    found = calendar(server.client("bwilson"), "bwilson/team/").search(
        event=True, start=on(FIRST, "00:00", "UTC"), end=on(FIRST + timedelta(days=14),
                                                             "00:00", "UTC"), expand=False)
    assert [str(event.icalendar_component["UID"]) for event in found] == ["weekly"]
    busy = http.request("REPORT", url, headers={"Depth": "1"}, data=(
        '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="'
        f'{_FROM}" end="{stamp(on(FIRST + timedelta(days=14), "00:00", "UTC"))}"/>'
        "</C:free-busy-query>"))
    assert busy.status_code == 200 and "FREEBUSY" in busy.text
    assert busy.elapsed.total_seconds() < STALL
    assert http.get(url + "never.ics").status_code == 200  # (still there, as stored)
    assert "team/never.ics is left out of searches by time" in caplog.text


def _date_list(name: str, count: int, per_line: int) -> str:
    """``count`` weekly dates from FIRST's in ``name`` properties of ``per_line`` dates each,
    folded at 75 characters as clients fold them."""
    dates = [stamp(on(FIRST + timedelta(weeks=n), "10:00", "UTC")) for n in range(count)]
    lines = [f"{name}:" + ",".join(dates[start:start + per_line])
             for start in range(0, count, per_line)]
    return "".join("\n ".join(line[at:at + 74] for at in range(0, len(line), 74)) + "\n"
                   for line in lines)


@pytest.mark.parametrize(("name", "per_line"), [("RDATE", 1), ("RDATE", 700), ("EXDATE", 1),
                                                ("EXDATE", 5000)])
def test_a_component_listing_more_dates_than_kept_is_refused_at_once(
        own_calendar: tuple[requests.Session, str], server: Server, name: str,
        per_line: int) -> None:
    """Issue 29: 30 000-50 000 RDATE or EXDATE dates took a PUT 13-28 s of parsing beside
    other work. More than MAX_DATES in one component are refused with CALDAV:max-instances
    naming the property and the limit, before anything parses the item; MAX_DATES are kept."""
    http, url = own_calendar
    weekly = RECURRING.format(uid="listed", rule=f"FREQ=WEEKLY;COUNT={MAX_DATES}")
    for count, expected in ((30_000, 403), (MAX_DATES + 1, 403), (MAX_DATES, 201)):
        text = weekly.replace("SUMMARY:Stand-up\n",
                              "SUMMARY:Stand-up\n" + _date_list(name, count, per_line))
        answer = http.put(url + "listed.ics", data=text, headers={"Content-Type": "text/calendar"})
        print(f"{count} {name} dates, {per_line} a line: {answer.status_code} in "
              f"{answer.elapsed.total_seconds():.2f} s")
        assert answer.status_code == expected, answer.text
        assert answer.elapsed.total_seconds() < STALL
        if expected == 403:
            assert "max-instances" in answer.text and "urn:ietf:params:xml:ns:caldav" in answer.text
            assert name in answer.text and f"at most {MAX_DATES}" in answer.text
            assert http.get(url + "listed.ics").status_code == 404
    assert http.get(url + "listed.ics").status_code == 200
    assert http.request("PROPFIND", url, headers={"Depth": "1"}).status_code == 207
