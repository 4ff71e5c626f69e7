"""BUS: Import activities admits a new appointment only if it is confirmed, starts in the
future, its customer exists in HQ and its representative is an HQ sales representative."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.clock import NOW, TODAY, WARSAW, zulu
from tests.conftest import (
    NOW_ISO,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    employee,
    import_appointments,
    later_version,
)


def numbers(hq: Bridge) -> list[str]:
    return sorted(a["number"] for a in activities_json(hq))


def test_confirmed_future_appointment_of_known_customer_and_representative_is_admitted(
        hq: Bridge, write_export: WriteExport) -> None:
    number = f"APP/{TODAY.year}/0001"
    result = import_appointments(hq, write_export, appointment("MA-1", number=number))
    assert "imported 1" in result.output
    [imported] = activities_json(hq)
    assert imported["number"] == number
    assert imported["origin"] == "mobile"
    assert imported["status"] == "Planned"
    assert imported["customer"] == "C-1001"
    assert imported["representative"] == "bwilson"
    assert imported["mobile_id"] == "MA-1"


def test_unconfirmed_appointment_is_skipped_with_its_reason(
        hq: Bridge, write_export: WriteExport) -> None:
    result = import_appointments(hq, write_export, appointment("MA-1", confirmed=False))
    assert numbers(hq) == []
    assert "skipped 1" in result.output
    assert "MA-1" in result.output and "not confirmed" in result.output


def test_appointment_starting_before_the_import_clock_is_skipped(
        hq: Bridge, write_export: WriteExport) -> None:
    # given in Warsaw time (not UTC): half an hour before and after the clock (09:00 UTC)
    def warsaw(minutes: int) -> str:
        return (NOW + timedelta(minutes=minutes)).astimezone(ZoneInfo(WARSAW)).isoformat()

    past = appointment("MA-1", start=warsaw(-30), end=warsaw(60))
    future = appointment("MA-2", start=warsaw(30), end=warsaw(60))
    result = import_appointments(hq, write_export, past, future)
    assert numbers(hq) == ["APP/MA-2"]
    assert "MA-1" in result.output and "not in the future" in result.output


def test_appointment_starting_exactly_at_the_import_clock_is_not_in_the_future(
        hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment(
        "MA-1", start=zulu(NOW), end=zulu(NOW + timedelta(hours=1))))
    assert numbers(hq) == []


def test_missing_customers_are_reported_per_sales_channel_with_the_seed_message(
        hq: Bridge, write_export: WriteExport) -> None:
    records = [
        appointment("MA-1", customer="C-404", sales_channel="North"),
        appointment("MA-2", customer="C-405", sales_channel="North"),
        appointment("MA-3", customer="C-406", sales_channel="South"),
        appointment("MA-4"),
    ]
    result = import_appointments(hq, write_export, *records)
    assert numbers(hq) == ["APP/MA-4"]
    assert ("Sales Channel North – 2 element(s) of Activities was skipped because connected "
            "partner does not exist in CEE system.") in result.output
    assert ("Sales Channel South – 1 element(s) of Activities was skipped because connected "
            "partner does not exist in CEE system.") in result.output


def test_channel_message_is_kept_with_the_run(hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1", customer="C-404"))
    shown = hq("runs", "show", "3").output  # runs: 1 employees, 2 customers, 3 activities
    assert ("Sales Channel North – 1 element(s) of Activities was skipped because connected "
            "partner does not exist in CEE system.") in shown


def test_appointment_of_an_employee_who_is_not_a_sales_representative_is_skipped(
        hq: Bridge, write_export: WriteExport) -> None:
    result = import_appointments(hq, write_export, appointment("MA-1", representative="eclerk"))
    assert numbers(hq) == []
    assert "MA-1" in result.output and "not an active HQ sales representative" in result.output


def test_appointment_of_an_unknown_login_is_skipped(hq: Bridge, write_export: WriteExport) -> None:
    result = import_appointments(hq, write_export, appointment("MA-1", representative="nobody"))
    assert numbers(hq) == []
    assert "'nobody' is not an active HQ sales representative" in result.output


def test_appointment_of_an_inactive_representative_is_skipped(
        hq: Bridge, write_export: WriteExport) -> None:
    staff = [employee("bwilson", active=False)]
    assert hq("employees", "import", write_export("employees", staff)).exit_code == 0
    import_appointments(hq, write_export, appointment("MA-1"))
    assert numbers(hq) == []


def test_every_skip_counts_and_the_rest_is_imported(hq: Bridge, write_export: WriteExport) -> None:
    records = [appointment("MA-1"), appointment("MA-2", confirmed=False),
               appointment("MA-3", customer="C-404"), appointment("MA-4", representative="eclerk"),
               appointment("MA-5", customer="C-2001", sales_channel="South")]
    result = import_appointments(hq, write_export, *records)
    assert "read 5, imported 2, updated 0, unchanged 0, skipped 3" in result.output
    assert numbers(hq) == ["APP/MA-1", "APP/MA-5"]


def test_a_number_already_used_by_another_appointment_is_refused(
        hq: Bridge, write_export: WriteExport) -> None:
    result = import_appointments(hq, write_export, appointment("MA-1", number="APP/1"),
                                 appointment("MA-2", number="APP/1"))
    assert numbers(hq) == ["APP/1"]
    assert "MA-2" in result.output and "already used" in result.output


def test_imported_appointment_takes_priority_and_kind_from_the_definition(
        hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    [imported] = activities_json(hq)
    assert imported["kind"] == "appointment"
    assert imported["priority"] == 5


def test_description_composes_customer_address_mobile_status_and_description(
        hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1", description="Bring samples"))
    [imported] = activities_json(hq)
    assert imported["description"].splitlines() == [
        "Customer: C-1001 Acme Trading",
        "Customer address: Main St 1, 00-001 Warsaw, PL",
        "Mobile status: Planned",
        "Mobile description: Bring samples",
    ]


def test_subject_shows_number_and_name(hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1", number="APP/7", name="Demo"))
    assert activities_json(hq)[0]["subject"] == "APP/7 Demo"


def test_inactive_definition_refuses_the_import_and_imports_nothing(
        hq: Bridge, write_export: WriteExport) -> None:
    assert hq("definition", "deactivate", "ibus.AppointmentSynchronize").exit_code == 0
    result = hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
                "--now", NOW_ISO)
    assert result.exit_code != 0
    assert "ibus.AppointmentSynchronize is inactive" in result.output
    assert "bridge definition activate ibus.AppointmentSynchronize" in result.output
    assert numbers(hq) == []
    assert "failed" in hq("runs", "list").output


def test_definition_is_installed_inactive_by_init(bridge: Bridge,
                                                  write_export: WriteExport) -> None:
    assert bridge("employees", "import", write_export("employees", [employee("bwilson")])
                  ).exit_code == 0
    result = bridge("import", "activities", write_export("appointments", [appointment("MA-1")]),
                    "--now", NOW_ISO)
    assert result.exit_code != 0
    assert "inactive" in result.output


def test_an_appointment_the_export_marks_private_is_private_in_hq(
        hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    again = import_appointments(hq, write_export, appointment("MA-1"))
    assert "unchanged 1" in again.output  # (its fingerprint is the one written before)
    marked = import_appointments(hq, write_export, later_version("MA-1", private=True))
    assert "updated 1" in marked.output
    [listed] = activities_json(hq)
    assert listed["private"] and listed["name"] == "Private appointment"
