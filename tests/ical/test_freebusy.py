"""Busy time (``bridge.ical.freebusy``): RFC 4791 §7.10's table, occurrences inside the span,
all-day and floating events in the representative's zone, periods merged."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from bridge.ical.freebusy import BUSY, TENTATIVE, Period, busy_kind, busy_periods, merged
from tests.clock import at, day, local_stamp, stamp

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(("properties", "kind"), [
    ({}, BUSY),
    ({"STATUS": "CONFIRMED"}, BUSY),
    ({"STATUS": "TENTATIVE"}, TENTATIVE),
    ({"STATUS": "CANCELLED"}, None),
    ({"TRANSP": "TRANSPARENT"}, None),
    ({"TRANSP": "TRANSPARENT", "STATUS": "TENTATIVE"}, None),
    ({"TRANSP": "OPAQUE", "STATUS": "TENTATIVE"}, TENTATIVE),
])
def test_which_events_take_time(properties: dict[str, str], kind: str | None) -> None:
    event = Event()
    for name, value in properties.items():
        event.add(name, value)
    assert busy_kind(event) == kind


def calendar_of(*lines: str) -> Calendar:
    return Calendar.from_ical("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
                              "BEGIN:VEVENT\r\nUID:x\r\n" + "".join(f"{line}\r\n" for line in lines)
                              + "END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_an_all_day_event_takes_its_day_in_the_representatives_zone() -> None:
    calendar = calendar_of(f"DTSTART;VALUE=DATE:{stamp(day(3))}")
    [period] = busy_periods(calendar, at(0, "00:00"), at(7, "00:00"), WARSAW)
    assert (period.start, period.end) == (at(3, "00:00").astimezone(UTC),
                                          at(4, "00:00").astimezone(UTC))


def test_a_floating_time_is_read_in_the_representatives_zone() -> None:
    calendar = calendar_of(f"DTSTART:{local_stamp(3, '09:00')}",
                           f"DTEND:{local_stamp(3, '10:00')}")
    [period] = busy_periods(calendar, at(0, "00:00"), at(7, "00:00"), WARSAW)
    assert period.start == at(3, "09:00").astimezone(UTC)


def test_occurrences_are_clipped_to_the_span_and_walked_only_inside_it() -> None:
    calendar = calendar_of(f"DTSTART:{stamp(at(0, '09:00', 'UTC'))}",
                           f"DTEND:{stamp(at(0, '11:00', 'UTC'))}", "RRULE:FREQ=DAILY")
    found = list(busy_periods(calendar, at(5, "10:00", "UTC"), at(7, "10:00", "UTC"), WARSAW))
    assert [(each.start, each.end) for each in found] == [
        (at(5, "10:00", "UTC"), at(5, "11:00", "UTC")),
        (at(6, "09:00", "UTC"), at(6, "11:00", "UTC")),
        (at(7, "09:00", "UTC"), at(7, "10:00", "UTC"))]


def test_an_event_without_an_end_takes_no_time() -> None:
    calendar = calendar_of(f"DTSTART:{stamp(at(3, '09:00', 'UTC'))}")
    assert list(busy_periods(calendar, at(0, "00:00"), at(7, "00:00"), WARSAW)) == []


def test_overlapping_and_touching_periods_of_a_kind_merge() -> None:
    hour = timedelta(hours=1)
    nine = at(1, "09:00", "UTC")
    found = merged([Period(nine, nine + hour, BUSY), Period(nine + hour, nine + 2 * hour, BUSY),
                    Period(nine + hour / 2, nine + hour, TENTATIVE),
                    Period(nine + 5 * hour, nine + 6 * hour, BUSY)])
    assert found == [Period(nine, nine + 2 * hour, BUSY),
                     Period(nine + hour / 2, nine + hour, TENTATIVE),
                     Period(nine + 5 * hour, nine + 6 * hour, BUSY)]
