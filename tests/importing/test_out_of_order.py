"""Exports arrive late, twice or out of order: a mobile appointment is changed only by a record
modified after the version HQ holds; anything older (or as old, with other content) changes
nothing and is reported per record — so an older export never moves an appointment back."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.clock import NOW, iso, utc, zulu
from tests.conftest import (
    CHANGED_AT,
    MODIFIED_AT,
    NOW_ISO,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    later_version,
    race,
    run_command,
)

MUCH_LATER = zulu(utc(7, "09:00", "UTC"))  # after the appointments' period: the sweep runs
IDS = [f"MA-{n}" for n in range(1, 6)]


def newer_export() -> list[dict[str, Any]]:
    """What the mobile system exported after the first export: an outcome for each."""
    return [
        later_version("MA-1", status="completed", completed_on=zulu(NOW - timedelta(hours=1)),
                      completed_by="bwilson"),
        later_version("MA-2", status="rejected", description="Customer cancelled"),
        later_version("MA-3", name="Moved review", start=iso(8, "14:00"),
                      end=iso(8, "15:00")),
        later_version("MA-4", status="suspended"),
        later_version("MA-5", status="in_progress"),
    ]


def imported_twice(hq: Bridge, write_export: WriteExport) -> Path:
    older = write_export("appointments", [appointment(mobile_id) for mobile_id in IDS])
    assert hq("import", "activities", older, "--now", NOW_ISO).exit_code == 0
    assert hq("import", "activities", write_export("appointments", newer_export()),
              "--now", NOW_ISO).exit_code == 0
    return older


def last_run_messages(hq: Bridge) -> str:
    run_id = hq("runs", "list").output.splitlines()[1].split()[0]
    return hq("runs", "show", run_id).output


def test_an_older_export_after_a_newer_one_changes_nothing(
        hq: Bridge, write_export: WriteExport) -> None:
    older = imported_twice(hq, write_export)
    newest = activities_json(hq)
    assert {a["mobile_id"]: a["status"] for a in newest}["MA-1"] == "Completed"
    result = hq("import", "activities", older, "--now", NOW_ISO)
    assert result.exit_code == 0
    assert "imported 0, updated 0, unchanged 0, skipped 5" in result.output
    assert activities_json(hq) == newest


def test_each_older_record_is_reported_with_the_version_hq_holds(
        hq: Bridge, write_export: WriteExport) -> None:
    older = imported_twice(hq, write_export)
    hq("import", "activities", older, "--now", NOW_ISO)
    shown = last_run_messages(hq)
    for mobile_id in IDS:
        assert (f"{mobile_id} / APP/{mobile_id}: field 'modified_at': skipped: older than HQ's "
                f"version from {CHANGED_AT} (this record was modified "
                f"{MODIFIED_AT}): nothing changed") in shown
    assert "5 appointment(s) not applied: HQ already holds a version" in shown


def test_a_dry_run_reports_the_same(hq: Bridge, write_export: WriteExport) -> None:
    older = imported_twice(hq, write_export)
    result = hq("import", "activities", older, "--now", NOW_ISO, "--dry-run")
    assert "DRY RUN" in result.output
    assert "skipped 5" in result.output
    assert f"older than HQ's version from {CHANGED_AT}" in result.output


def test_completed_appointments_stay_completed_even_when_their_period_has_passed(
        hq: Bridge, write_export: WriteExport) -> None:
    older = imported_twice(hq, write_export)
    hq("import", "activities", older, "--now", MUCH_LATER)
    statuses = {a["mobile_id"]: (a["status"], a["frozen"]) for a in activities_json(hq)}
    assert statuses["MA-1"] == ("Completed", False)
    assert statuses["MA-2"] == ("Completed unprocessed", False)
    # the open ones became Delayed by the sweep, as they would have without the late export
    assert statuses["MA-4"] == statuses["MA-5"] == ("Delayed", True)
    hq("import", "activities", write_export("appointments", newer_export()), "--now", MUCH_LATER)
    assert {a["mobile_id"]: a["status"] for a in activities_json(hq)}["MA-1"] == "Completed"


def test_a_record_as_old_as_hqs_version_but_different_changes_nothing(
        hq: Bridge, write_export: WriteExport) -> None:
    imported_twice(hq, write_export)
    before = activities_json(hq)
    same_time = later_version("MA-3", name="Another name")
    result = hq("import", "activities", write_export("appointments", [same_time]),
                "--now", NOW_ISO)
    assert "skipped 1" in result.output
    assert f"as old as HQ's version from {CHANGED_AT} but with other content" in (
        last_run_messages(hq))
    assert activities_json(hq) == before


def test_resending_the_newest_export_is_unchanged_not_skipped(
        hq: Bridge, write_export: WriteExport) -> None:
    imported_twice(hq, write_export)
    result = hq("import", "activities", write_export("appointments", newer_export()),
                "--now", NOW_ISO)
    assert "imported 0, updated 0, unchanged 5, skipped 0" in result.output


def test_two_versions_in_one_export_the_newer_wins_in_any_order(
        hq: Bridge, write_export: WriteExport) -> None:
    records = [later_version("MA-1", name="Newer"), appointment("MA-1", name="Older")]
    result = hq("import", "activities", write_export("appointments", records),
                "--now", NOW_ISO)
    assert "older than HQ's version" in result.output
    [activity] = activities_json(hq)
    assert activity["name"] == "Newer"


def test_concurrent_imports_of_an_older_and_a_newer_export_end_with_the_newer(
        hq: Bridge, write_export: WriteExport, database_url: str) -> None:
    for round_ in range(10):
        def export(name: str, modified_at: str) -> Path:
            return write_export("appointments", [
                later_version(mobile_id, name=name, modified_at=modified_at)
                for mobile_id in IDS])

        newer = export(f"Newer {round_}", zulu(NOW + timedelta(hours=1 + round_)))
        older = export(f"Older {round_}", zulu(NOW + timedelta(hours=1 + round_, minutes=-1)))
        race([lambda path=path: run_command(database_url, "import", "activities", str(path),
                                            "--now", NOW_ISO) for path in (older, newer)])
        assert {a["name"] for a in activities_json(hq)} == {f"Newer {round_}"}


def test_the_demos_first_export_imported_after_the_second_changes_nothing(
        bridge: Bridge, tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert bridge("demo", "--data-dir", data).exit_code == 0
    before = activities_json(bridge)
    result = bridge("import", "activities", data / "appointments-1.json")
    assert result.exit_code == 0, result.output
    assert "updated 0" in result.output and "not applied: HQ already holds" in result.output
    assert activities_json(bridge) == before


def test_a_record_without_its_modification_time_is_applied(
        hq: Bridge, write_export: WriteExport) -> None:
    """A record may leave out ``modified_at``: with nothing to compare, it is applied (such a
    record once failed the whole run, comparing nothing with HQ's time)."""
    first = write_export("appointments", [appointment("MA-1")])
    assert hq("import", "activities", first, "--now", NOW_ISO).exit_code == 0
    undated = {**appointment("MA-1", name="Renamed"), "modified_at": None}
    result = hq("import", "activities", write_export("appointments", [undated]),
                "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    assert "updated 1" in result.output
    assert [a["name"] for a in activities_json(hq)] == ["Renamed"]
