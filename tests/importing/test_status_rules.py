"""Statuses on re-import: how mobile changes reach an imported appointment."""

from datetime import timedelta
from typing import Any

import pytest
from click.testing import Result

from tests.clock import NOW, iso, utc, zulu
from tests.conftest import (
    CHANGED_AT,
    NOW_ISO,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    later_version,
)

LATER = zulu(NOW + timedelta(days=1))
MUCH_LATER = zulu(utc(7, "09:00", "UTC"))  # after the appointment, in 6 days 09:00-10:00 Warsaw


def run(hq: Bridge, write_export: WriteExport, *records: dict[str, Any],
        now: str = NOW_ISO) -> Result:
    result = hq("import", "activities", write_export("appointments", list(records)), "--now", now)
    assert result.exit_code == 0, result.output
    return result


def the_one(hq: Bridge) -> dict[str, Any]:
    [activity] = activities_json(hq)
    return activity


@pytest.fixture
def imported(hq: Bridge, write_export: WriteExport) -> Bridge:
    """MA-1 imported as Planned at the test clock."""
    run(hq, write_export, appointment("MA-1"))
    assert the_one(hq)["status"] == "Planned"
    return hq


def test_rejected_future_appointment_becomes_completed_unprocessed_with_details(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, later_version("MA-1", status="rejected",
                                            description="Customer cancelled"), now=LATER)
    activity = the_one(imported)
    assert activity["status"] == "Completed unprocessed"
    assert f"Rejected in mobile on {CHANGED_AT}" in activity["description"]
    assert "Mobile description: Customer cancelled" in activity["description"]
    assert "Mobile status: Rejected" in activity["description"]


def test_suspended_keeps_the_hq_status_and_adds_a_note(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, later_version("MA-1", status="suspended"), now=LATER)
    activity = the_one(imported)
    assert activity["status"] == "Planned"
    assert "Suspended in mobile" in activity["description"]
    assert "HQ status is unchanged" in activity["description"]


def test_suspended_after_rejection_keeps_completed_unprocessed(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, later_version("MA-1", status="rejected"), now=LATER)
    run(imported, write_export, later_version("MA-1", status="suspended",
                                            modified_at=zulu(NOW + timedelta(days=1, hours=1))),
        now=LATER)
    assert the_one(imported)["status"] == "Completed unprocessed"


def test_completed_appointment_records_completed_on_and_by(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, later_version(
        "MA-1", status="completed", completed_on=iso(6, "10:05"),
        completed_by="bwilson"), now=LATER)
    activity = the_one(imported)
    assert activity["status"] == "Completed"
    assert activity["completed_on"] == utc(6, "10:05").isoformat()
    assert activity["completed_by"] == "bwilson"


def test_not_processed_becomes_delayed_and_later_changes_are_not_imported(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, later_version("MA-1", status="not_processed"), now=LATER)
    delayed = the_one(imported)
    assert delayed["status"] == "Delayed"
    assert delayed["frozen"] is True
    result = run(imported, write_export, later_version(
        "MA-1", modified_at=zulu(NOW), status="completed", name="Renamed",
        completed_on=zulu(NOW + timedelta(days=2, hours=1)),
        completed_by="bwilson"), now=LATER)
    assert "skipped 1" in result.output and "frozen" in result.output
    after = the_one(imported)
    assert after == delayed


def test_appointment_whose_period_elapsed_without_completion_becomes_delayed_and_frozen(
        imported: Bridge, write_export: WriteExport) -> None:
    result = run(imported, write_export, appointment("MA-1"), now=MUCH_LATER)
    assert "now delayed 1" in result.output
    activity = the_one(imported)
    assert activity["status"] == "Delayed"
    assert activity["frozen"] is True
    assert "Not processed in time" in activity["description"]
    run(imported, write_export, later_version("MA-1", status="completed"), now=MUCH_LATER)
    assert the_one(imported)["status"] == "Delayed"


def test_elapsed_appointment_absent_from_the_export_becomes_delayed_too(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, appointment("MA-99", start=zulu(utc(10, "09:00", "UTC")),
                                            end=zulu(utc(10, "10:00", "UTC"))), now=MUCH_LATER)
    statuses = {a["mobile_id"]: a["status"] for a in activities_json(imported)}
    assert statuses == {"MA-1": "Delayed", "MA-99": "Planned"}


def test_completion_reported_in_the_same_run_wins_over_the_elapsed_period(
        imported: Bridge, write_export: WriteExport) -> None:
    run(imported, write_export, later_version("MA-1", status="completed",
                                            completed_on=iso(6, "10:00"),
                                            completed_by="bwilson"), now=MUCH_LATER)
    assert the_one(imported)["status"] == "Completed"


@pytest.mark.parametrize("mobile_status, shown", [
    ("in_progress", "In progress"),
    ("waiting_for_customer", "waiting_for_customer"),
])
def test_other_mobile_statuses_are_shown_in_the_description(
        imported: Bridge, write_export: WriteExport, mobile_status: str, shown: str) -> None:
    run(imported, write_export, later_version("MA-1", status=mobile_status), now=LATER)
    activity = the_one(imported)
    assert activity["status"] == "Planned"
    assert f"Mobile status: {shown}" in activity["description"]


def test_changed_times_and_name_are_updated_and_the_revision_grows(
        imported: Bridge, write_export: WriteExport) -> None:
    before = the_one(imported)
    result = run(imported, write_export, later_version(
        "MA-1", name="Moved review", start=iso(8, "14:00"),
        end=iso(8, "15:00")), now=LATER)
    assert "updated 1" in result.output
    after = the_one(imported)
    assert after["name"] == "Moved review"
    assert after["start"] == iso(8, "14:00")
    assert after["revision"] == before["revision"] + 1


def test_an_appointment_no_longer_confirmed_is_kept_as_it_was(
        imported: Bridge, write_export: WriteExport) -> None:
    before = the_one(imported)
    result = run(imported, write_export, later_version("MA-1", confirmed=False, name="X"),
                 now=LATER)
    assert "no longer confirmed" in result.output
    assert the_one(imported) == before


def test_an_update_may_concern_an_appointment_that_has_started(
        imported: Bridge, write_export: WriteExport) -> None:
    """Only NEW appointments must start in the future."""
    during = zulu(utc(6, "09:30"))  # in the middle of the appointment (09:00-10:00 Warsaw)
    run(imported, write_export, later_version("MA-1", status="in_progress"), now=during)
    assert "Mobile status: In progress" in the_one(imported)["description"]


def test_customer_address_change_refreshes_the_description_on_reimport(
        imported: Bridge, write_export: WriteExport) -> None:
    from tests.conftest import customer

    moved = customer("C-1001", name="Acme Trading",
                     address={"street": "New Rd 5", "postal_code": "00-002", "city": "Warsaw",
                              "country": "PL"})
    assert imported("import", "customers", write_export("customers", [moved]),
                    "--now", LATER).exit_code == 0
    run(imported, write_export, appointment("MA-1"), now=LATER)
    assert "New Rd 5, 00-002 Warsaw, PL" in the_one(imported)["description"]
