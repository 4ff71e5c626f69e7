"""HQ-side work on activities: add, edit, complete, delete, restore — and mobile ones are
read-only in HQ."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bridge.errors import InvalidInput
from bridge.hq.editing import local_time
from tests.clock import WARSAW, iso, next_date, next_transition
from tests.conftest import NOW_ISO, Bridge, WriteExport, activities_json, appointment

FUTURE_START = iso(60, "09:00")
FUTURE_END = iso(60, "10:30")


def by_number(bridge: Bridge, number: str, *args: str) -> dict:
    found = [a for a in activities_json(bridge, *args) if a["number"] == number]
    assert len(found) == 1, f"{number} listed {len(found)} times"
    return found[0]


def add(bridge: Bridge, *args: str, kind: str = "appointment") -> str:
    """`bridge activities add`; returns the new activity's number."""
    before = {a["number"] for a in activities_json(bridge)}
    result = bridge("activities", "add", "--kind", kind, *args)
    assert result.exit_code == 0, result.output
    (number,) = {a["number"] for a in activities_json(bridge)} - before
    return number


def add_visit(bridge: Bridge, **options: str) -> str:
    given = {"name": "Visit", "start": FUTURE_START, "end": FUTURE_END,
             "representative": "bwilson", **options}
    return add(bridge, *(part for key, value in given.items()
                         for part in (f"--{key}", value)))


def same_instant(iso: str | None, expected: str) -> bool:
    return iso is not None and datetime.fromisoformat(iso) == datetime.fromisoformat(expected)


# --- add ---------------------------------------------------------------------------------------

def test_hq_activities_are_numbered_hq_000001_onwards(hq: Bridge) -> None:
    numbers = [add_visit(hq), add(hq, "--name", "Call", "-r", "cdavis", kind="task"),
               add_visit(hq, name="Second visit")]

    assert numbers == ["HQ-000001", "HQ-000002", "HQ-000003"]


def test_added_appointment_keeps_every_field(hq: Bridge) -> None:
    number = add_visit(hq, name="Price talk", priority="2", description="Bring samples",
                       customer="C-1001")

    activity = by_number(hq, number)
    assert activity["name"] == "Price talk"
    assert activity["kind"] == "appointment"
    assert activity["origin"] == "hq"
    assert activity["status"] == "Planned"
    assert activity["start"] == FUTURE_START
    assert activity["end"] == FUTURE_END
    assert activity["priority"] == 2
    assert activity["description"] == "Bring samples"
    assert activity["customer"] == "C-1001"
    assert activity["representative"] == "bwilson"
    assert activity["mobile_id"] is None
    assert activity["completed_on"] is None and activity["completed_by"] is None


def test_added_appointment_without_end_lasts_an_hour_and_has_priority_5(hq: Bridge) -> None:
    number = add(hq, "--name", "Visit", "--start", FUTURE_START, "-r", "bwilson")

    activity = by_number(hq, number)
    assert activity["end"] == iso(60, "10:00")
    assert activity["priority"] == 5


def test_added_task_keeps_its_fields(hq: Bridge) -> None:
    number = add(hq, "--name", "Send offer", "--end", FUTURE_END, "-r", "cdavis",
                 "--customer", "C-2001", "--priority", "1", kind="task")

    activity = by_number(hq, number)
    assert activity["kind"] == "task"
    assert activity["start"] is None
    assert activity["end"] == FUTURE_END
    assert activity["customer"] == "C-2001"
    assert activity["representative"] == "cdavis"
    assert activity["priority"] == 1


def test_appointment_ending_in_the_past_when_added_is_delayed(hq: Bridge) -> None:
    number = add(hq, "--name", "Last year's visit", "--start", iso(-30, "09:00"),
                 "--end", iso(-30, "10:00"), "-r", "bwilson")

    assert by_number(hq, number)["status"] == "Delayed"


def test_tasks_stay_planned_until_completed_even_when_overdue(hq: Bridge) -> None:
    number = add(hq, "--name", "Old task", "--end", iso(-30, "10:00"),
                 "-r", "bwilson", kind="task")

    assert by_number(hq, number)["status"] == "Planned"
    hq("activities", "edit", number, "--name", "Old task, renamed")
    assert by_number(hq, number)["status"] == "Planned"


def test_appointment_moved_into_the_past_becomes_delayed_and_back_planned(hq: Bridge) -> None:
    number = add_visit(hq)

    hq("activities", "edit", number, "--start", iso(-30, "09:00", "UTC"),
       "--end", iso(-30, "10:00", "UTC"))
    assert by_number(hq, number)["status"] == "Delayed"
    hq("activities", "edit", number, "--start", FUTURE_START, "--end", FUTURE_END)
    assert by_number(hq, number)["status"] == "Planned"


@pytest.mark.parametrize("command", ["add", "edit"])
def test_end_before_start_is_refused(hq: Bridge, command: str) -> None:
    target = ["--name", "Visit", "-r", "bwilson"] if command == "add" else [add_visit(hq)]
    before = activities_json(hq)

    result = hq("activities", command, *target, "--start", iso(60, "10:00"),
                "--end", iso(60, "09:00"))

    assert result.exit_code != 0
    assert "before the start" in result.output
    assert activities_json(hq) == before


@pytest.mark.parametrize("priority", ["0", "10", "-1"])
def test_priority_outside_1_to_9_is_refused(hq: Bridge, priority: str) -> None:
    result = hq("activities", "add", "--name", "Visit", "--start", FUTURE_START,
                "-r", "bwilson", "--priority", priority)

    assert result.exit_code != 0
    assert f"priority {priority}" in result.output
    assert activities_json(hq) == []


def test_unknown_customer_is_refused(hq: Bridge) -> None:
    result = hq("activities", "add", "--name", "Visit", "--start", FUTURE_START,
                "-r", "bwilson", "--customer", "C-9999")

    assert result.exit_code != 0
    assert "C-9999" in result.output
    assert activities_json(hq) == []


@pytest.mark.parametrize("login", ["eclerk", "nobody"])
def test_activity_for_someone_who_is_not_a_representative_is_refused(
        hq: Bridge, login: str) -> None:
    result = hq("activities", "add", "--name", "Visit", "--start", FUTURE_START, "-r", login)

    assert result.exit_code != 0
    assert login in result.output
    assert activities_json(hq) == []


def test_edit_to_a_non_representative_is_refused_and_nothing_changes(hq: Bridge) -> None:
    number = add_visit(hq)
    before = by_number(hq, number)

    result = hq("activities", "edit", number, "-r", "eclerk", "--name", "Renamed")

    assert result.exit_code != 0
    assert "eclerk is not an active sales representative" in result.output
    assert by_number(hq, number) == before


def test_appointment_needs_name_representative_and_start(hq: Bridge) -> None:
    missing_name = hq("activities", "add", "--start", FUTURE_START, "-r", "bwilson")
    missing_rep = hq("activities", "add", "--name", "Visit", "--start", FUTURE_START)
    missing_start = hq("activities", "add", "--name", "Visit", "-r", "bwilson")

    assert missing_name.exit_code != 0 and "name" in missing_name.output
    assert missing_rep.exit_code != 0 and "representative" in missing_rep.output
    assert missing_start.exit_code != 0 and "start" in missing_start.output
    assert activities_json(hq) == []


# --- edit, revisions ---------------------------------------------------------------------------

def test_edit_changes_only_the_given_fields(hq: Bridge) -> None:
    number = add_visit(hq, description="Bring samples", customer="C-1001")

    result = hq("activities", "edit", number, "--name", "Renamed visit", "--priority", "7",
                "--customer", "C-2001", "-r", "cdavis")

    assert result.exit_code == 0, result.output
    activity = by_number(hq, number)
    assert activity["name"] == "Renamed visit"
    assert activity["priority"] == 7
    assert activity["customer"] == "C-2001"
    assert activity["representative"] == "cdavis"
    assert activity["description"] == "Bring samples"
    assert activity["start"] == FUTURE_START and activity["end"] == FUTURE_END


def test_edit_with_empty_customer_removes_the_customer(hq: Bridge) -> None:
    number = add_visit(hq, customer="C-1001")

    hq("activities", "edit", number, "--customer", "")

    assert by_number(hq, number)["customer"] is None


def test_revision_grows_with_every_change(hq: Bridge) -> None:
    number = add_visit(hq)
    revisions = [by_number(hq, number)["revision"]]

    for command in (["edit", number, "--name", "Renamed"],
                    ["edit", number, "--description", "More"],
                    ["complete", number],
                    ["complete", number, "--reopen"],
                    ["delete", number],
                    ["restore", number]):
        result = hq("activities", *command)
        assert result.exit_code == 0, result.output
        listing = ["--deleted"] if command[0] == "delete" else []
        revisions.append(by_number(hq, number, *listing)["revision"])

    assert revisions == [1, 2, 3, 4, 5, 6, 7]


def test_edit_of_unknown_activity_is_refused(hq: Bridge) -> None:
    result = hq("activities", "edit", "HQ-999999", "--name", "x")

    assert result.exit_code != 0
    assert "there is no activity HQ-999999" in result.output


# --- a local time in a time zone (the cockpit's forms) ------------------------------------

def test_a_local_time_takes_the_daylight_saving_time_of_its_date() -> None:
    summer = local_time(datetime.combine(next_date(7, 1), time(10)), WARSAW)
    winter = local_time(datetime.combine(next_date(1, 15), time(10)), WARSAW)

    assert summer.instant.astimezone(UTC).time() == time(8)
    assert winter.instant.astimezone(UTC).time() == time(9)
    assert summer.note is None and winter.note is None


def _wall(instant: datetime) -> datetime:
    return instant.astimezone(ZoneInfo(WARSAW)).replace(tzinfo=None)


def test_a_local_time_the_clocks_skip_is_refused() -> None:
    skipped = _wall(next_transition(to_summer=True) - timedelta(minutes=30)) + timedelta(hours=1)

    with pytest.raises(InvalidInput) as refused:
        local_time(skipped, WARSAW)

    assert f"{skipped:%Y-%m-%d %H:%M} does not exist in Europe/Warsaw" in str(refused.value)
    assert "the clocks jump forward an hour that night" in str(refused.value)


def test_of_a_local_time_the_clocks_show_twice_the_first_is_taken_and_said() -> None:
    first = next_transition(to_summer=False) - timedelta(minutes=30)

    taken = local_time(_wall(first), WARSAW)

    assert taken.instant.astimezone(UTC) == first  # (== across zones is False for a doubled time)
    assert taken.note == (
        f"{_wall(first):%Y-%m-%d %H:%M} happens twice in Europe/Warsaw (the clocks go back "
        f"that night): taken as the first, UTC+02:00 ({first:%H:%M} UTC), not the second, "
        "UTC+01:00")


# --- complete ----------------------------------------------------------------------------------

def test_completing_sets_completed_on_by_and_status(hq: Bridge) -> None:
    number = add_visit(hq)

    result = hq("activities", "complete", number, "--on", iso(60, "11:00"),
                "--by", "awhite")

    assert result.exit_code == 0, result.output
    activity = by_number(hq, number)
    assert activity["status"] == "Completed"
    assert same_instant(activity["completed_on"], iso(60, "11:00"))
    assert activity["completed_by"] == "awhite"


def test_completing_without_on_and_by_uses_now_and_the_acting_user(hq: Bridge) -> None:
    number = add_visit(hq)
    before = datetime.now(UTC)

    hq("activities", "complete", number)

    activity = by_number(hq, number)
    assert activity["completed_by"] == "tester"
    assert before <= datetime.fromisoformat(activity["completed_on"]) <= datetime.now(UTC)


def test_completing_unprocessed_gives_completed_unprocessed(hq: Bridge) -> None:
    number = add(hq, "--name", "Call", "-r", "bwilson", kind="task")

    hq("activities", "complete", number, "--unprocessed")

    activity = by_number(hq, number)
    assert activity["status"] == "Completed unprocessed"
    assert activity["completed_by"] == "tester"
    assert activity["completed_on"] is not None


def test_completed_task_is_completed(hq: Bridge) -> None:
    number = add(hq, "--name", "Call", "-r", "bwilson", kind="task")

    hq("activities", "complete", number)

    assert by_number(hq, number)["status"] == "Completed"


def test_reopening_clears_the_results(hq: Bridge) -> None:
    number = add_visit(hq)
    hq("activities", "complete", number, "--by", "awhite")

    result = hq("activities", "complete", number, "--reopen")

    assert result.exit_code == 0, result.output
    activity = by_number(hq, number)
    assert activity["status"] == "Planned"
    assert activity["completed_on"] is None and activity["completed_by"] is None


# --- delete, restore ---------------------------------------------------------------------------

def test_deleted_activity_is_hidden_listed_with_deleted_and_restorable(hq: Bridge) -> None:
    kept, deleted = add_visit(hq, name="Kept"), add_visit(hq, name="Deleted")

    result = hq("activities", "delete", deleted)

    assert result.exit_code == 0, result.output
    assert [a["number"] for a in activities_json(hq)] == [kept]
    assert [a["number"] for a in activities_json(hq, "--deleted")] == [deleted]
    assert by_number(hq, deleted, "--deleted")["deleted_at"] is not None

    restored = hq("activities", "restore", deleted)

    assert restored.exit_code == 0, restored.output
    assert sorted(a["number"] for a in activities_json(hq)) == [kept, deleted]
    assert activities_json(hq, "--deleted") == []
    assert by_number(hq, deleted)["name"] == "Deleted"


def test_deleted_activity_cannot_be_edited_until_restored(hq: Bridge) -> None:
    number = add_visit(hq)
    hq("activities", "delete", number)

    result = hq("activities", "edit", number, "--name", "Ghost")

    assert result.exit_code != 0
    assert number in result.output
    assert by_number(hq, number, "--deleted")["name"] == "Visit"


def test_restoring_an_activity_that_is_not_deleted_is_refused(hq: Bridge) -> None:
    number = add_visit(hq)

    result = hq("activities", "restore", number)

    assert result.exit_code != 0
    assert "is not deleted" in result.output


# --- mobile appointments are read-only in HQ ------------------------------------------------

@pytest.fixture
def mobile_number(hq: Bridge, write_export: WriteExport) -> str:
    result = hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
                "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    (activity,) = activities_json(hq)
    assert activity["origin"] == "mobile"
    return activity["number"]


@pytest.mark.parametrize("change", [
    ["edit", "{n}", "--name", "Changed in HQ"],
    ["edit", "{n}", "--priority", "1"],
    ["edit", "{n}", "--start", FUTURE_START, "--end", FUTURE_END],
    ["edit", "{n}", "-r", "cdavis"],
    ["complete", "{n}"],
    ["complete", "{n}", "--unprocessed"],
    ["complete", "{n}", "--reopen"],
    ["delete", "{n}"],
    ["restore", "{n}"],
], ids=lambda c: " ".join(c[:1] + c[2:]))
def test_mobile_appointment_cannot_be_changed_in_hq(
        hq: Bridge, mobile_number: str, change: list[str]) -> None:
    before = activities_json(hq)

    result = hq("activities", *(part.format(n=mobile_number) for part in change))

    assert result.exit_code != 0
    assert "read-only" in result.output
    assert mobile_number in result.output
    assert activities_json(hq) == before
    assert activities_json(hq, "--deleted") == []


def test_mobile_appointment_cannot_be_edited_in_hq(hq: Bridge, mobile_number: str) -> None:
    before = by_number(hq, mobile_number)

    result = hq("activities", "edit", mobile_number, "--name", "Changed in HQ")

    assert result.exit_code != 0
    assert "read-only" in result.output
    after = by_number(hq, mobile_number)
    assert after == before
    assert after["name"] == "Quarterly review"
    assert after["revision"] == before["revision"]


def test_hq_activity_takes_the_sales_channel_of_its_customer(hq: Bridge) -> None:
    hq("activities", "add", "-r", "bwilson", "--name", "Visit",
       "--start", iso(5, "10:00"), "--customer", "C-2001")
    hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Call")
    channels = {a["name"]: a["sales_channel"] for a in activities_json(hq)}
    assert channels == {"Visit": "South", "Call": "North"}


def test_a_name_longer_than_hq_keeps_is_refused_whole(hq: Bridge) -> None:
    result = hq("activities", "add", "-r", "bwilson", "--name", "x" * 300,
                "--start", iso(6, "10:00"))
    assert result.exit_code == 1
    assert "the name is 300 characters long; at most 255 fit" in result.output
    assert activities_json(hq) == []
