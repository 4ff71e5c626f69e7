"""Activity synchronization settings of a representative, and the windows they give."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, select

from bridge.errors import InvalidInput
from bridge.hq.windows import Window, parse_bound, resolve_bound, window
from bridge.infra.db import transaction
from bridge.models import Employee, SyncSettings, TextPriority
from tests.clock import TODAY, day
from tests.conftest import Bridge

SINCE = str(day(-330))
"""An absolute start bound (a date some months ago)."""
FAR = str(date(TODAY.year + 70, 12, 31))
"""An absolute end bound decades ahead."""


def stored(engine: Engine, login: str) -> SyncSettings:
    with transaction(engine, write=False) as session:
        return session.scalars(select(SyncSettings).join(Employee)
                               .where(Employee.login == login)).one()


def days(first: date, last: date) -> str:
    return f"(today: {first} … {last})"


# --- bridge settings show|set --------------------------------------------------------------

def test_defaults_of_a_representative(hq: Bridge) -> None:
    today = TODAY

    result = hq("settings", "show", "bwilson")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "bwilson" in lines[0]
    assert "Calendar entries: -90d … +365d" in result.output
    assert days(today - timedelta(days=90), today + timedelta(days=365)) in result.output
    assert "Tasks:            -365d … +365d" in result.output
    assert days(today - timedelta(days=365), today + timedelta(days=365)) in result.output
    assert "Transfer to HQ:   tasks yes, appointments yes" in result.output
    assert "Text priority:    hq" in result.output


def test_every_imported_representative_has_settings_stored(hq: Bridge, engine: Engine) -> None:
    for login in ("awhite", "bwilson", "cdavis", "ddiaz"):
        settings = stored(engine, login)
        assert (settings.calendar_start, settings.calendar_end) == ("-90d", "+365d")
        assert (settings.task_start, settings.task_end) == ("-365d", "+365d")
        assert settings.transfer_tasks and settings.transfer_appointments
        assert settings.text_priority is TextPriority.HQ


def test_set_absolute_and_relative_bounds(hq: Bridge, engine: Engine) -> None:
    today = TODAY

    result = hq("settings", "set", "bwilson", "--calendar-start", SINCE,
                "--calendar-end", "+30d", "--task-start", "today", "--task-end", FAR)

    assert result.exit_code == 0, result.output
    assert f"Calendar entries: {SINCE} … +30d" in result.output
    assert days(day(-330), today + timedelta(days=30)) in result.output
    assert f"Tasks:            0d … {FAR}" in result.output
    assert days(today, date.fromisoformat(FAR)) in result.output
    settings = stored(engine, "bwilson")
    assert (settings.calendar_start, settings.calendar_end) == (SINCE, "+30d")
    assert (settings.task_start, settings.task_end) == ("0d", FAR)
    assert stored(engine, "cdavis").calendar_start == "-90d"


def test_settings_not_given_stay_as_they_are(hq: Bridge) -> None:
    hq("settings", "set", "bwilson", "--calendar-end", "+60d")

    result = hq("settings", "set", "bwilson", "--no-transfer-tasks",
                "--text-priority", "client")

    assert result.exit_code == 0, result.output
    shown = hq("settings", "show", "bwilson").output
    assert "Calendar entries: -90d … +60d" in shown
    assert "Transfer to HQ:   tasks no, appointments yes" in shown
    assert "Text priority:    client" in shown


def test_transfer_of_appointments_can_be_switched_off_and_on(hq: Bridge, engine: Engine) -> None:
    hq("settings", "set", "cdavis", "--no-transfer-appointments")
    assert stored(engine, "cdavis").transfer_appointments is False

    hq("settings", "set", "cdavis", "--transfer-appointments")
    assert stored(engine, "cdavis").transfer_appointments is True


@pytest.mark.parametrize("bounds", [
    ["--calendar-start", "+40d", "--calendar-end", "+30d"],
    ["--calendar-start", str(day(31)), "--calendar-end", str(day(30))],
    ["--task-end", "-366d"],
    ["--calendar-start", str(day(366))],  # after the default end, +365d
])
def test_window_ending_before_it_starts_is_refused_and_nothing_changes(
        hq: Bridge, bounds: list[str]) -> None:
    before = hq("settings", "show", "bwilson").output

    result = hq("settings", "set", "bwilson", *bounds, "--text-priority", "client")

    assert result.exit_code != 0
    assert "ends" in result.output and "before it starts" in result.output
    assert hq("settings", "show", "bwilson").output == before


@pytest.mark.parametrize("bound", ["next week", "+5w", f"{TODAY.year}-02-30", "1.5d", "",
                                   "+123456d"])
def test_bad_bound_text_is_refused(hq: Bridge, engine: Engine, bound: str) -> None:
    result = hq("settings", "set", "bwilson", "--calendar-end", bound)

    assert result.exit_code != 0
    assert f"window bound {bound!r}" in result.output
    assert stored(engine, "bwilson").calendar_end == "+365d"


@pytest.mark.parametrize("command", [["show"], ["set", "--calendar-end", "+30d"]])
def test_settings_of_a_non_representative_are_refused(hq: Bridge, command: list[str]) -> None:
    result = hq("settings", command[0], "eclerk", *command[1:])

    assert result.exit_code != 0
    assert "eclerk is not a sales representative" in result.output


def test_settings_of_an_unknown_login_are_refused(hq: Bridge) -> None:
    result = hq("settings", "show", "nobody")

    assert result.exit_code != 0
    assert "'nobody'" in result.output


def test_bad_text_priority_is_refused(hq: Bridge) -> None:
    result = hq("settings", "set", "bwilson", "--text-priority", "mobile")

    assert result.exit_code != 0
    assert "'mobile'" in result.output


# --- bridge.hq.windows ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    ("today", "0d"), ("TODAY", "0d"), ("0d", "0d"), ("+0d", "0d"), ("-0d", "0d"),
    ("30d", "+30d"), ("+30d", "+30d"), ("-30d", "-30d"), (" -090D ", "-90d"),
    ("+365d", "+365d"), (SINCE, SINCE), (f" {day(25)} ", str(day(25))),
])
def test_parse_bound_gives_the_canonical_form(text: str, canonical: str) -> None:
    assert parse_bound(text) == canonical


@pytest.mark.parametrize("text", ["", "yesterday", "+5w", "30", "d", "1.5d",
                                  f"{TODAY.year}-02-30", f"{TODAY.year}-13-01", "+-3d",
                                  "123456d"])
def test_parse_bound_refuses_what_is_neither_a_date_nor_days(text: str) -> None:
    with pytest.raises(InvalidInput, match="window bound"):
        parse_bound(text)


@pytest.mark.parametrize("bound, expected", [
    ("0d", TODAY), ("+30d", TODAY + timedelta(days=30)), ("-90d", TODAY - timedelta(days=90)),
    ("+365d", TODAY + timedelta(days=365)), (SINCE, day(-330)),
])
def test_resolve_bound_counts_days_from_today(bound: str, expected: date) -> None:
    assert resolve_bound(bound, TODAY) == expected


def test_window_covers_whole_days_from_start_to_end_inclusive() -> None:
    w = window("-1d", "+1d", TODAY)

    assert w.start == datetime.combine(day(-1), time(0), UTC)
    assert w.end == datetime.combine(day(2), time(0), UTC)


def test_window_of_one_day() -> None:
    w = window("0d", "0d", TODAY)

    assert w.contains(datetime.combine(TODAY, time(23, 30), UTC), None)
    assert not w.contains(datetime.combine(day(1), time(0), UTC), None)


def test_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput, match="before it starts"):
        window("+1d", "0d", TODAY)


def at(days: int, hour: int = 12) -> datetime:
    return datetime.combine(day(days), time(hour), UTC)


WINDOW = Window(at(10, 0), at(20, 0))  # [in 10 days 00:00, in 20 days 00:00)


@pytest.mark.parametrize("start, end, inside", [
    (at(12), at(13), True),                # inside
    (at(9), at(11), True),                 # overlaps the start
    (at(19), at(21), True),                # overlaps the end
    (at(1), at(28), True),                 # spans the whole window
    (at(1), at(9), False),                 # entirely before
    (at(21), at(22), False),               # entirely after
    (at(20, 0), at(20, 1), False),         # starts when the window ends (half-open)
    (at(19, 23), at(20, 0), True),         # ends when the window ends
    (at(15), None, True),                  # no end: the start counts
    (at(25), None, False),
    (None, at(15), True),                  # a task with only a due time
    (None, at(5), False),
    (None, None, True),                    # no times at all: always served
])
def test_window_contains_activities_that_overlap_it(start: datetime | None, end: datetime | None,
                                                    inside: bool) -> None:
    assert WINDOW.contains(start, end) is inside


def test_a_day_ending_the_calendar_ends_without_overflow() -> None:
    assert window(SINCE, "9999-12-31", TODAY).end.year == 9999
