"""Who manages whom, one rule (``bridge.hq.roles``): A manages whoever is below A in the chain
of managers, directly or not, also through an inactive employee. Every user of the rule gives
the same answer for the same organisation: the employee import (which breaks a loop of managers
in an export), the calendar rights and the team views of the calendar server, the cockpit's
reach and the CLI's ``--team``."""

import re

import pytest

from bridge.hq.roles import Person, Staff
from tests.clock import iso
from tests.conftest import Bridge, WriteExport, activities_json, employee
from tests.storage_plugin.conftest import PASSWORD, serving
from tests.web.conftest import sign_in

ORGANISATION = [
    # a chain: an office manager above a representative who leads another
    employee("omgr", sales_representative=False),
    employee("lead", manager="omgr"),
    employee("rep1", manager="lead"),
    # an inactive employee in the middle passes the team on
    employee("boss", sales_representative=False),
    employee("gone", manager="boss", active=False),
    employee("far", manager="gone"),
    # a loop of managers in the export: the import keeps the first link, drops the second
    employee("loopa", manager="loopb"),
    employee("loopb", manager="loopa"),
    # an office user who manages nobody
    employee("office", sales_representative=False),
]
SHAPES = {
    # manager: the active representatives they manage, directly or not
    "omgr": {"lead", "rep1"},
    "lead": {"rep1"},
    "rep1": set(),
    "boss": {"far"},
    "far": set(),
    "loopb": {"loopa"},
    "loopa": set(),
}
REPRESENTATIVES = {"lead", "rep1", "far", "loopa", "loopb"}
"""The organisation's active representatives (each gets an appointment)."""


def test_the_rule_walks_through_inactive_managers_and_stops_at_loops() -> None:
    staff = Staff([Person("a", False, None), Person("b", True, "a", active=False),
                   Person("c", True, "b"), Person("x", True, "y"), Person("y", True, "x")])
    assert staff.manages("a", "c") and staff.below("a") == ["b", "c"]
    assert staff.team("a") == ["c"]  # (b is inactive: no calendars)
    assert staff.reach("a").logins == {"b", "c"}
    assert staff.role("b") is None  # an inactive employee signs in nowhere
    assert staff.manages("x", "y") and staff.manages("y", "x") and staff.below("x") == ["y"]


@pytest.fixture
def organisation(bridge: Bridge, write_export: WriteExport) -> Bridge:
    imported = bridge("employees", "import", write_export("employees", ORGANISATION))
    assert imported.exit_code == 0, imported.output
    assert "manager 'loopa' would make a management cycle" in imported.output
    assert bridge("definition", "activate", "ibus.AppointmentSynchronize").exit_code == 0
    for login in SHAPES.keys() | {"office"}:
        assert bridge("employees", "set-password", login, "--password-stdin",
                      input=PASSWORD + "\n").exit_code == 0
    for login in REPRESENTATIVES:
        assert bridge("activities", "add", "-r", login, "--name", f"Visit by {login}",
                      "--start", iso(3, "10:00"), "--end", iso(3, "11:00")).exit_code == 0
    return bridge


@pytest.mark.parametrize("manager", sorted(SHAPES))
def test_every_user_of_the_rule_gives_the_same_answer(
        organisation: Bridge, database_url: str, manager: str) -> None:
    expected = SHAPES[manager]
    team = {row["representative"] for row in activities_json(organisation, "--team", manager)}
    assert team == expected | ({manager} & REPRESENTATIVES), "the CLI's --team"
    with serving(database_url) as server:
        http = server.http(manager)
        home = http.request("PROPFIND", server.url + f"{manager}/", headers={"Depth": "1"})
        views = set(re.findall(r"/team-([a-z0-9]+)-appointments/", home.text))
        assert views == expected, "the team views in the manager's calendar home"
        readable = {login for login in REPRESENTATIVES - {manager} if http.request(
            "PROPFIND", server.url + f"{login}/appointments/", headers={"Depth": "0"}
        ).status_code == 207}
        assert readable == expected, "the calendar rights"
        page = sign_in(server.url + "cockpit/", manager)
        assert page.status_code == 200, page.text[:300]
        activities = page.session.get(server.url + "cockpit/activities").text
        seen = set(re.findall(r"Visit by ([a-z0-9]+)", activities))
        assert seen == expected | ({manager} & REPRESENTATIVES), "the cockpit's reach"


def test_an_office_user_who_manages_nobody_reaches_everyone_and_no_calendar(
        organisation: Bridge, database_url: str) -> None:
    with serving(database_url) as server:
        page = sign_in(server.url + "cockpit/", "office")
        activities = page.session.get(server.url + "cockpit/activities").text
        assert set(re.findall(r"Visit by ([a-z0-9]+)", activities)) == REPRESENTATIVES
        http = server.http("office")
        assert all(http.request("PROPFIND", server.url + f"{login}/appointments/",
                                headers={"Depth": "0"}).status_code in (403, 404)
                   for login in REPRESENTATIVES)
