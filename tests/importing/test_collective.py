"""BUS import data runs customers, then activities; activities alone first is allowed but warns."""

from pathlib import Path

from tests.conftest import (
    NOW_ISO,
    STAFF,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    customer,
)


def test_import_data_runs_customers_before_activities_whatever_the_argument_order(
        bridge: Bridge, write_export: WriteExport) -> None:
    assert bridge("employees", "import", write_export("employees", STAFF)).exit_code == 0
    bridge("definition", "activate", "ibus.AppointmentSynchronize")
    appointments = write_export("appointments", [appointment("MA-1", customer="C-7001")])
    customers = write_export("customers", [customer("C-7001")])
    result = bridge("import", "data", appointments, customers, "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    assert result.output.index("customers from") < result.output.index("activities from")
    assert [a["customer"] for a in activities_json(bridge)] == ["C-7001"]
    assert "no customer import has been run yet" not in result.output


def test_activities_before_any_customer_import_is_allowed_but_warns(
        bridge: Bridge, write_export: WriteExport) -> None:
    assert bridge("employees", "import", write_export("employees", STAFF)).exit_code == 0
    bridge("definition", "activate", "ibus.AppointmentSynchronize")
    result = bridge("import", "activities", write_export("appointments", [appointment("MA-1")]),
                    "--now", NOW_ISO)
    assert result.exit_code == 0
    assert "warning: no customer import has been run yet" in result.output
    assert "bridge import data" in result.output


def test_no_warning_once_customers_were_imported(hq: Bridge, write_export: WriteExport) -> None:
    result = hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
                "--now", NOW_ISO)
    assert "no customer import has been run yet" not in result.output


def test_import_data_refuses_an_employees_file(hq: Bridge, write_export: WriteExport) -> None:
    result = hq("import", "data", write_export("employees", STAFF), "--now", NOW_ISO)
    assert result.exit_code != 0
    refusal = "employees-2.json: holds employees; only the mobile exports of customers"
    assert refusal in result.output, result.output


def test_import_data_stops_at_a_failing_step(hq: Bridge, write_export: WriteExport,
                                             tmp_path: Path) -> None:
    broken = tmp_path / "broken-customers.json"
    broken.write_text('{"format": "bus-customers/1", "customers": [{"number": "C-1"', "utf-8")
    appointments = write_export("appointments", [appointment("MA-1")])
    result = hq("import", "data", broken, appointments, "--now", NOW_ISO)
    assert result.exit_code != 0
    assert "broken-customers.json" in result.output
    assert activities_json(hq) == []
