"""`bridge employees list`, `bridge customers list|show` (filters; table, csv, json) and
`bridge activities reopen`."""

import csv
import io
import json

import pytest

from tests.conftest import Bridge
from tests.hq.test_editing import add_visit, by_number


def _json(result_output: str) -> list[dict]:
    found: list[dict] = json.loads(result_output)
    return found


def test_employees_are_listed_with_their_role_manager_and_channels(hq: Bridge) -> None:
    table = hq("employees", "list")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split()[:4] == ["LOGIN", "NAME", "REPRESENTATIVE", "ACTIVE"]
    assert [line.split()[0] for line in lines[1:-1]] == [
        "awhite", "bwilson", "cdavis", "ddiaz", "eclerk"]
    assert lines[-1] == "(5 employees)"
    listed = {row["login"]: row for row in _json(hq("employees", "list", "--format",
                                                    "json").output)}
    assert listed["cdavis"] == {
        "login": "cdavis", "name": "Carol Davis", "representative": True, "active": True,
        "manager": "awhite", "channels": "South", "email": "cdavis@example.com",
        "time_zone": None}
    assert listed["eclerk"]["representative"] is False


@pytest.mark.parametrize(("options", "logins"), [
    (["--representatives-only"], ["awhite", "bwilson", "cdavis", "ddiaz"]),
    (["--team", "awhite", "--channel", "South"], ["cdavis"]),
    (["--search", "CLERK"], ["eclerk"]),
    (["--inactive"], []),
    (["--active", "--channel", "North", "--channel", "East"],
     ["awhite", "bwilson", "ddiaz"]),
])
def test_employees_are_filtered(hq: Bridge, options: list[str], logins: list[str]) -> None:
    result = hq("employees", "list", *options, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [row["login"] for row in rows] == logins


@pytest.mark.parametrize(("options", "named"), [
    (["--team", "nobody"], "nobody"),
    (["--channel", "West"], "West"),
    (["--format", "ics"], "--format"),
])
def test_a_mistyped_employee_filter_is_named(hq: Bridge, options: list[str],
                                            named: str) -> None:
    result = hq("employees", "list", *options)
    assert result.exit_code != 0 and named in result.output, result.output


def test_customers_are_listed_filtered_and_shown(hq: Bridge) -> None:
    table = hq("customers", "list")
    assert table.exit_code == 0, table.output
    assert [line.split()[0] for line in table.output.splitlines()[1:-1]] == [
        "C-1001", "C-2001"]
    assert table.output.splitlines()[-1] == "(2 customers)"
    south = _json(hq("customers", "list", "--channel", "South", "--format", "json").output)
    assert [(row["number"], row["name"], row["channel"]) for row in south] == [
        ("C-2001", "Southwind", "South")]
    found = list(csv.DictReader(io.StringIO(
        hq("customers", "list", "--search", "acme", "--format", "csv").output)))
    assert [row["number"] for row in found] == ["C-1001"]
    assert hq("customers", "list", "--search", "100%").output.splitlines()[-1] \
        == "(0 customers)"  # (LIKE's wildcards are taken literally)

    shown = hq("customers", "show", "C-1001")
    assert shown.exit_code == 0, shown.output
    assert "Name:" in shown.output and "Acme Trading" in shown.output
    assert "Activities:" in shown.output
    record = json.loads(hq("customers", "show", "C-2001", "--format", "json").output)
    assert (record["number"], record["channel"], record["activities"]) == ("C-2001", "South", 0)


def test_an_unknown_customer_or_channel_is_named(hq: Bridge) -> None:
    missing = hq("customers", "show", "C-9999")
    assert missing.exit_code == 1 and "C-9999" in missing.output
    channel = hq("customers", "list", "--channel", "West")
    assert channel.exit_code == 1 and "channel" in channel.output and "West" in channel.output


def test_a_completed_activity_is_reopened(hq: Bridge) -> None:
    number = add_visit(hq)
    assert hq("activities", "complete", number, "--by", "awhite").exit_code == 0
    result = hq("activities", "reopen", number)
    assert result.exit_code == 0 and "Planned" in result.output, result.output
    activity = by_number(hq, number)
    assert (activity["status"], activity["completed_by"]) == ("Planned", None)
    assert hq("activities", "reopen", "HQ-999999").exit_code == 1
