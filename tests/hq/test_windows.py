"""A window bound is a whole day in the representative's zone, inclusive: the window runs
from the start of its first day to the end of its last day there, and is shown as given."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bridge.hq.windows import LATEST, window
from tests.clock import TODAY, next_date, on

WARSAW, NEW_YORK = ZoneInfo("Europe/Warsaw"), ZoneInfo("America/New_York")


def test_the_bounds_are_the_representatives_midnights() -> None:
    first = next_date(1, 10)  # in winter time; the last day, the July after, in summer time
    last = next_date(7, 20, after=(first - TODAY).days)
    given = window(first.isoformat(), last.isoformat(), TODAY, WARSAW)
    assert given.start == on(first, "00:00", "Europe/Warsaw").astimezone(UTC)
    assert given.end == on(last + timedelta(days=1), "00:00", "Europe/Warsaw").astimezone(UTC)
    assert given.days() == f"{first} … {last}"


def test_the_last_day_is_inside_until_its_last_second() -> None:
    last = next_date(3, 1)
    given = window("0d", last.isoformat(), TODAY, NEW_YORK)
    late = on(last, "23:59", "America/New_York")
    assert given.contains(late, late)
    assert not given.contains(late + timedelta(minutes=1), late + timedelta(minutes=2))
    assert given.latest() == datetime.combine(last + timedelta(days=1), datetime.min.time(),
                                              NEW_YORK).astimezone(UTC) - timedelta(seconds=1)


def test_relative_bounds_count_from_the_representatives_today() -> None:
    given = window("-1d", "+1d", TODAY, WARSAW)
    assert given.days() == f"{TODAY - timedelta(days=1)} … {TODAY + timedelta(days=1)}"


def test_the_last_day_the_calendar_knows_is_a_whole_day_everywhere() -> None:
    for zone in (UTC, WARSAW, NEW_YORK):
        given = window("0001-01-01", "9999-12-31", TODAY, zone)
        assert given.days() == "0001-01-01 … 9999-12-31"
        assert given.end == LATEST and given.latest() == LATEST
        noon = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)
        assert given.contains(noon, noon) and given.contains(datetime(1, 1, 1, tzinfo=UTC), None)
    assert f"{window('0d', '9999-12-31', TODAY).latest():%Y%m%dT%H%M%SZ}" == "99991231T235959Z"
    assert date.max == date(9999, 12, 31)
