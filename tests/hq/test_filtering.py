"""Cockpit: Activities — filter, sort, the detail view and the export to a file."""

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.clock import at, day, iso, utc
from tests.conftest import NOW_ISO, Bridge, WriteExport, activities_json, appointment, employee

# The data set of every test here (see the `cockpit` fixture), in start order (days from
# today; the mobile system's export has completed the third 1 day ago at 15:00 UTC):
# APP/2026/0300 mobile appointment  bwilson C-1001 North  day 6 09:00 Warsaw   Planned
# APP/2026/0100 mobile appointment  cdavis  C-2001 South  day 8 14:00 Warsaw   Completed unprocessed
# APP/2026/0200 mobile appointment  ddiaz   C-1001 East   day 10 08:00 UTC     Completed
# HQ-000001     hq appointment      awhite  C-2001        day 60 10:00 UTC     Planned
# HQ-000002     hq task             bwilson -             due day 70 12:00 UTC Planned
# HQ-000003     hq appointment      fgreen  C-1001        day 80 10:00 UTC     Planned
# fgreen is a representative outside awhite's team.
IN_START_ORDER = ["APP/2026/0300", "APP/2026/0100", "APP/2026/0200",
                  "HQ-000001", "HQ-000002", "HQ-000003"]

REQUIRED_KEYS = {"number", "name", "kind", "origin", "status", "start", "end", "priority",
                 "customer", "representative", "description", "completed_on", "completed_by",
                 "mobile_id"}


@pytest.fixture
def cockpit(hq: Bridge, write_export: WriteExport) -> Bridge:
    ok = hq("employees", "import", write_export("employees", [
        employee("fgreen", name="Fay Green", sales_channels=["West"])]))
    assert ok.exit_code == 0, ok.output
    mobile = [
        appointment("MA-1", number="APP/2026/0300"),
        appointment("MA-2", number="APP/2026/0100", name="Price talk", representative="cdavis",
                    customer="C-2001", sales_channel="South", status="rejected",
                    start=iso(8, "14:00"), end=iso(8, "15:00"),
                    description="Discount wanted"),
        appointment("MA-3", number="APP/2026/0200", name="Stock check", representative="ddiaz",
                    sales_channel="East", status="completed",
                    start=iso(10, "08:00", "UTC"), end=iso(10, "09:00", "UTC"),
                    completed_on=iso(-1, "15:00", "UTC"), completed_by="ddiaz",
                    description="Count the shelves"),
    ]
    result = hq("import", "activities", write_export("appointments", mobile), "--now", NOW_ISO)
    assert result.exit_code == 0 and "imported 3" in result.output, result.output
    for args in (
        ["--name", "Budget meeting", "--start", iso(60, "10:00", "UTC"), "-r", "awhite",
         "--customer", "C-2001", "--description", "The yearly budget", "--priority", "2"],
        ["--kind", "task", "--name", "Call back", "--end", iso(70, "12:00", "UTC"),
         "-r", "bwilson"],
        ["--name", "Outsider visit", "--start", iso(80, "10:00", "UTC"), "-r", "fgreen",
         "--customer", "C-1001"],
    ):
        added = hq("activities", "add", *args)
        assert added.exit_code == 0, added.output
    return hq


def numbers(bridge: Bridge, *args: str) -> list[str]:
    return [a["number"] for a in activities_json(bridge, *args)]


def test_list_shows_every_activity_in_start_order(cockpit: Bridge) -> None:
    assert numbers(cockpit) == IN_START_ORDER


# --- filters -----------------------------------------------------------------------------------

def test_filter_by_representative(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--representative", "bwilson") == ["APP/2026/0300", "HQ-000002"]
    assert numbers(cockpit, "-r", "bwilson", "-r", "cdavis") == [
        "APP/2026/0300", "APP/2026/0100", "HQ-000002"]


def test_filter_by_team_is_the_manager_and_everyone_they_manage(cockpit: Bridge) -> None:
    team = numbers(cockpit, "--team", "awhite")

    assert team == [n for n in IN_START_ORDER if n != "HQ-000003"]
    assert {a["representative"] for a in activities_json(cockpit, "--team", "awhite")} == {
        "awhite", "bwilson", "cdavis", "ddiaz"}


def test_team_of_someone_who_manages_nobody_is_themselves(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--team", "bwilson") == ["APP/2026/0300", "HQ-000002"]


def test_team_of_unknown_login_is_refused(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--team", "nobody")

    assert result.exit_code != 0
    assert "nobody" in result.output


@pytest.mark.parametrize("status, expected", [
    ("completed unprocessed", ["APP/2026/0100"]),
    ("Completed Unprocessed", ["APP/2026/0100"]),
    ("COMPLETED", ["APP/2026/0200"]),
    ("planned", ["APP/2026/0300", "HQ-000001", "HQ-000002", "HQ-000003"]),
    ("Delayed", []),
])
def test_filter_by_status_ignores_case(cockpit: Bridge, status: str, expected: list[str]) -> None:
    assert numbers(cockpit, "--status", status) == expected


def test_filter_by_several_statuses(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--status", "completed", "--status", "completed unprocessed") == [
        "APP/2026/0100", "APP/2026/0200"]


def test_unknown_status_is_refused_with_the_choices(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--status", "done")

    assert result.exit_code != 0
    assert "'done'" in result.output
    assert "Completed unprocessed" in result.output


def test_filter_by_origin(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--origin", "mobile") == IN_START_ORDER[:3]
    assert numbers(cockpit, "--origin", "hq") == IN_START_ORDER[3:]
    assert numbers(cockpit, "--origin", "client") == []


def test_filter_by_kind(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--kind", "task") == ["HQ-000002"]
    assert "HQ-000002" not in numbers(cockpit, "--kind", "appointment")
    assert len(numbers(cockpit, "--kind", "appointment")) == 5


def test_filter_by_customer(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--customer", "C-2001") == ["APP/2026/0100", "HQ-000001"]
    assert numbers(cockpit, "--customer", "C-1001") == [
        "APP/2026/0300", "APP/2026/0200", "HQ-000003"]


def test_filter_by_sales_channel(cockpit: Bridge) -> None:
    """HQ activities belong to their customer's channel, else to their representative's."""
    assert numbers(cockpit, "--channel", "South") == ["APP/2026/0100", "HQ-000001"]
    assert sorted(numbers(cockpit, "--channel", "East", "--channel", "North")) == [
        "APP/2026/0200", "APP/2026/0300", "HQ-000002", "HQ-000003"]


def test_filter_by_days_includes_both_ends(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--from", str(day(8)), "--to", str(day(10))) == [
        "APP/2026/0100", "APP/2026/0200"]
    assert numbers(cockpit, "--from", str(day(61))) == ["HQ-000002", "HQ-000003"]
    assert numbers(cockpit, "--to", str(day(6))) == ["APP/2026/0300"]
    assert numbers(cockpit, "--from", str(day(61)), "--to", "9999-12-31") == [
        "HQ-000002", "HQ-000003"]  # (the last day there is: no overflow)


def test_days_are_those_of_the_time_zone_given(cockpit: Bridge) -> None:
    """Half past midnight in Warsaw is the evening before in UTC."""
    added = cockpit("activities", "add", "-r", "bwilson", "--name", "Early start",
                    "--start", iso(20, "00:30"))
    assert added.exit_code == 0, added.output
    that_day = ["--from", str(day(20)), "--to", str(day(20))]
    assert numbers(cockpit, *that_day) == []
    assert numbers(cockpit, *that_day, "--time-zone", "Europe/Warsaw") == ["HQ-000004"]
    assert numbers(cockpit, "--from", str(day(19)), "--to", str(day(19))) == ["HQ-000004"]


def test_bad_day_is_refused(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--from", "tomorrow")

    assert result.exit_code != 0
    assert "--from" in result.output


def test_search_looks_in_number_name_and_description_ignoring_case(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--search", "price list") == ["APP/2026/0300"]  # description
    assert numbers(cockpit, "--search", "PRICE") == ["APP/2026/0300", "APP/2026/0100"]
    assert numbers(cockpit, "--search", "budget") == ["HQ-000001"]
    assert numbers(cockpit, "--search", "call back") == ["HQ-000002"]  # name
    assert numbers(cockpit, "--search", "2026/02") == ["APP/2026/0200"]  # number
    assert numbers(cockpit, "--search", "no such words") == []


@pytest.mark.parametrize("text", ["%", "_", "0_00"])
def test_search_text_is_taken_literally(cockpit: Bridge, text: str) -> None:
    assert numbers(cockpit, "--search", text) == []


def test_filters_combine(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--team", "awhite", "--origin", "hq", "--kind", "appointment") == [
        "HQ-000001"]


# --- sorting and limit ------------------------------------------------------------------------

def test_sort_by_start_descending(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--sort", "-start") == IN_START_ORDER[::-1]


def test_sort_by_number(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--sort", "number") == [
        "APP/2026/0100", "APP/2026/0200", "APP/2026/0300", "HQ-000001", "HQ-000002",
        "HQ-000003"]


def test_sort_by_customer_puts_activities_without_customer_last(cockpit: Bridge) -> None:
    listed = activities_json(cockpit, "--sort", "customer")

    assert [a["customer"] for a in listed] == ["C-1001"] * 3 + ["C-2001"] * 2 + [None]


def test_sort_by_several_fields(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--sort", "customer,-start") == [
        "HQ-000003", "APP/2026/0200", "APP/2026/0300", "HQ-000001", "APP/2026/0100",
        "HQ-000002"]


@pytest.mark.parametrize("limit", [[], ["--limit", "20"]], ids=["streamed", "a page"])
def test_a_private_activity_sorts_by_what_others_see_of_it(
        cockpit: Bridge, write_export: WriteExport, limit: list[str]) -> None:
    """Its place tells nothing of its name, customer or channel: it sorts as "Private
    appointment", without a customer and without a channel."""
    private = appointment("MA-9", number="APP/2026/0900", name="Aardvark merger", private=True,
                          customer="C-1001", sales_channel="North", start=iso(9, "09:00"),
                          end=iso(9, "10:00"))
    result = cockpit("import", "activities", write_export("appointments", [private]),
                     "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    by_name = activities_json(cockpit, "--sort", "name", *limit)
    assert [a["name"] for a in by_name] == sorted(a["name"] for a in by_name)
    assert "Private appointment" in [a["name"] for a in by_name]
    for key in ("customer", "customer_name", "channel"):  # (its own: C-1001, North)
        assert numbers(cockpit, "--sort", key, *limit)[-1] == "APP/2026/0900"  # (the newest
        assert numbers(cockpit, "--sort", f"-{key}", *limit)[0] == "APP/2026/0900"  # of those)
    assert numbers(cockpit, "--sort", "customer", *limit)[-2:] == ["HQ-000002", "APP/2026/0900"]


def test_unknown_sort_field_is_refused_clearly(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--sort", "colour")

    assert result.exit_code != 0
    assert "cannot sort by 'colour'" in result.output
    assert "start" in result.output and "number" in result.output


@pytest.mark.parametrize("bad", [["--sort", "colour"], ["--team", "nobody"]])
def test_refused_list_leaves_an_existing_output_file_alone(
        cockpit: Bridge, tmp_path: Path, bad: list[str]) -> None:
    report = tmp_path / "report.csv"
    report.write_text("yesterday's report\n", encoding="utf-8")

    result = cockpit("activities", "list", *bad, "--format", "csv", "--output", report)

    assert result.exit_code != 0
    assert report.read_text(encoding="utf-8") == "yesterday's report\n"


def test_limit(cockpit: Bridge) -> None:
    assert numbers(cockpit, "--limit", "2") == IN_START_ORDER[:2]
    assert numbers(cockpit, "--sort", "-start", "--limit", "1") == ["HQ-000003"]


def test_limit_below_one_is_refused(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--limit", "0")

    assert result.exit_code != 0
    assert "--limit" in result.output


# --- formats and files ------------------------------------------------------------------------

def test_json_has_the_fields_of_the_fixed_interface(cockpit: Bridge) -> None:
    listed = activities_json(cockpit)

    for activity in listed:
        assert REQUIRED_KEYS <= activity.keys()
    mobile = listed[0]
    assert mobile["number"] == "APP/2026/0300"
    assert mobile["name"] == "Quarterly review"
    assert mobile["kind"] == "appointment"
    assert mobile["origin"] == "mobile"
    assert mobile["status"] == "Planned"
    assert mobile["start"] == iso(6, "09:00")
    assert mobile["end"] == iso(6, "10:00")
    assert mobile["priority"] == 5
    assert mobile["customer"] == "C-1001"
    assert mobile["representative"] == "bwilson"
    assert "Bring the new price list" in mobile["description"]
    assert mobile["mobile_id"] == "MA-1"
    completed = listed[2]
    assert completed["completed_by"] == "ddiaz"
    assert datetime.fromisoformat(completed["completed_on"]) == utc(-1, "15:00", "UTC")


def test_empty_list_is_an_empty_json_array(hq: Bridge) -> None:
    result = hq("activities", "list", "--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_csv_export_reads_back_with_the_csv_module(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [row["number"] for row in rows] == IN_START_ORDER
    budget = rows[3]
    assert budget["name"] == "Budget meeting"
    assert budget["customer"] == "C-2001"
    assert budget["priority"] == "2"
    assert budget["representative"] == "awhite"
    assert budget["description"] == "The yearly budget"
    assert rows[1]["status"] == "Completed unprocessed"


def test_ics_export_has_events_for_appointments_and_todos_for_tasks(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--format", "ics")

    assert result.exit_code == 0, result.output
    calendar = Calendar.from_ical(result.output)
    events = {str(c["SUMMARY"]): c for c in calendar.walk("VEVENT")}
    todos = {str(c["SUMMARY"]): c for c in calendar.walk("VTODO")}
    assert sorted(events) == sorted([
        "APP/2026/0300 Quarterly review", "APP/2026/0100 Price talk",
        "APP/2026/0200 Stock check", "HQ-000001 Budget meeting", "HQ-000003 Outsider visit"])
    assert list(todos) == ["HQ-000002 Call back"]
    visit = events["APP/2026/0300 Quarterly review"]
    assert visit.decoded("DTSTART") == utc(6, "09:00")
    assert visit.decoded("DTEND") == utc(6, "10:00")
    assert todos["HQ-000002 Call back"].decoded("DUE") == utc(70, "12:00", "UTC")


def test_ics_export_follows_the_filters(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--format", "ics", "--kind", "task")

    calendar = Calendar.from_ical(result.output)
    assert list(calendar.walk("VEVENT")) == []
    assert [str(c["SUMMARY"]) for c in calendar.walk("VTODO")] == ["HQ-000002 Call back"]


def test_table_is_the_default_format(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--representative", "bwilson")

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["NUMBER", "NAME", "KIND"]
    assert lines[1].startswith("APP/2026/0300")
    assert lines[2].startswith("HQ-000002")
    assert lines[-1] == "(2 activities)"


def test_the_table_shows_every_start_in_the_time_zone_its_header_names(cockpit: Bridge) -> None:
    """The starts were given in Warsaw and in UTC; the table shows them on one clock."""
    for zone in ("UTC", "Europe/Warsaw", "America/New_York"):
        flag = ["--time-zone", zone] if zone != "UTC" else []
        lines = cockpit("activities", "list", *flag).output.splitlines()
        assert f"START ({zone})" in lines[0]
        starts = {line.split()[0]: line for line in lines[1:-1]}
        for number, start in (("APP/2026/0300", at(6, "09:00")),
                              ("APP/2026/0200", at(10, "08:00", "UTC"))):
            shown = start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
            assert shown in starts[number], (zone, starts[number])


def test_an_unknown_time_zone_is_refused(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--time-zone", "Mars/Olympus")
    assert result.exit_code != 0
    assert "unknown time zone 'Mars/Olympus'" in result.output


@pytest.mark.parametrize("fmt", ["json", "csv", "ics", "table"])
def test_output_writes_the_file_instead_of_the_terminal(
        cockpit: Bridge, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"export.{fmt}"

    result = cockpit("activities", "list", "--format", fmt, "--output", target)

    assert result.exit_code == 0, result.output
    written = target.read_text(encoding="utf-8")
    assert "HQ-000001" in written and "APP/2026/0300" in written
    assert "HQ-000001" not in result.stdout
    assert "6 activities written to" in result.output


def test_output_file_of_json_is_the_same_as_the_terminal(cockpit: Bridge, tmp_path: Path) -> None:
    target = tmp_path / "export.json"

    cockpit("activities", "list", "--format", "json", "--output", target)

    assert json.loads(target.read_text(encoding="utf-8")) == activities_json(cockpit)


# --- detail view ------------------------------------------------------------------------------

def sections(output: str) -> dict[str, str]:
    """The text under each heading of `activities show`."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for line in output.splitlines():
        if line in ("General", "Results", "References", "Tasks"):
            current = line
            found[current] = []
        else:
            found[current].append(line)
    return {name: "\n".join(lines) for name, lines in found.items()}


def test_show_prints_general_results_references_and_tasks(cockpit: Bridge) -> None:
    result = cockpit("activities", "show", "APP/2026/0300")

    assert result.exit_code == 0, result.output
    parts = sections(result.output)
    assert list(parts) == ["", "General", "Results", "References", "Tasks"]
    assert "APP/2026/0300 Quarterly review" in parts[""]
    assert "read-only" in parts[""]
    assert iso(6, "09:00") in parts["General"]
    assert "Planned" in parts["General"]
    assert "Bring the new price list" in parts["General"]
    assert "C-1001 (Acme Trading)" in parts["References"]
    assert "Main St 1" in parts["References"]
    assert "bwilson (Ben Wilson)" in parts["Tasks"]
    assert "North" in parts["Tasks"]


def test_show_of_completed_activity_has_the_results(cockpit: Bridge) -> None:
    parts = sections(cockpit("activities", "show", "APP/2026/0200").output)

    assert iso(-1, "15:00", "UTC") in parts["Results"]
    assert "ddiaz (Dan Diaz)" in parts["Results"]
    assert "Completed" in parts["General"]


def test_show_of_hq_task_without_customer(cockpit: Bridge) -> None:
    result = cockpit("activities", "show", "HQ-000002")

    assert result.exit_code == 0
    parts = sections(result.output)
    assert "HQ-000002 Call back" in parts[""]
    assert "read-only" not in parts[""]
    assert "Customer:     -" in parts["References"]
    assert "bwilson (Ben Wilson)" in parts["Tasks"]


def test_show_of_unknown_number_fails(cockpit: Bridge) -> None:
    result = cockpit("activities", "show", "HQ-999999")

    assert result.exit_code != 0
    assert "there is no activity HQ-999999" in result.output


def test_unknown_representative_is_refused_not_an_empty_list(cockpit: Bridge) -> None:
    result = cockpit("activities", "list", "--representative", "nobody")
    assert result.exit_code != 0
    assert "no HQ employee with login 'nobody'" in result.output


def test_output_into_a_missing_folder_is_a_clear_error(cockpit: Bridge, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.csv"
    result = cockpit("activities", "list", "--format", "csv", "--output", target)
    assert result.exit_code == 1
    assert f"cannot write {target}" in result.output
