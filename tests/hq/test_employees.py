"""HQ employees: the import of the master data, managers, sales channels, passwords."""

from typing import Any

from argon2 import PasswordHasher
from click.testing import Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from bridge.infra.db import transaction
from bridge.models import Employee
from tests.conftest import STAFF, Bridge, WriteExport, employee


def staff(engine: Engine) -> dict[str, Employee]:
    """Every employee by login, with manager and sales channels loaded."""
    with transaction(engine, write=False) as session:
        employees = session.scalars(select(Employee).options(
            selectinload(Employee.manager), selectinload(Employee.sales_channels)))
        return {e.login: e for e in employees}


def import_employees(bridge: Bridge, write_export: WriteExport,
                     records: list[dict[str, Any]]) -> Result:
    result = bridge("employees", "import", write_export("employees", records))
    assert result.exit_code == 0, result.output
    return result


def test_employees_import_creates_every_employee(bridge: Bridge, write_export: WriteExport,
                                                 engine: Engine) -> None:
    result = import_employees(bridge, write_export, STAFF)

    assert "imported 5" in result.output
    people = staff(engine)
    assert sorted(people) == ["awhite", "bwilson", "cdavis", "ddiaz", "eclerk"]
    assert people["awhite"].name == "Anna White"
    assert people["awhite"].email == "awhite@example.com"
    assert people["awhite"].sales_representative is True
    assert people["eclerk"].sales_representative is False


def test_employees_import_run_again_with_the_same_file_changes_nothing(
    bridge: Bridge, write_export: WriteExport, engine: Engine
) -> None:
    path = write_export("employees", STAFF)
    assert bridge("employees", "import", path).exit_code == 0
    before = {login: (e.name, e.modified_at) for login, e in staff(engine).items()}

    again = bridge("employees", "import", path)

    assert again.exit_code == 0, again.output
    assert "imported 0, updated 0, unchanged 5, skipped 0" in again.output
    after = {login: (e.name, e.modified_at) for login, e in staff(engine).items()}
    assert after == before


def test_employees_import_updates_changed_employees(
        bridge: Bridge, write_export: WriteExport, engine: Engine) -> None:
    import_employees(bridge, write_export, STAFF)
    changed = [employee("bwilson", name="Benjamin Wilson", manager=None,
                        sales_channels=["North", "West"]),
               employee("eclerk", name="Eve Clerk", sales_representative=True)]

    result = import_employees(bridge, write_export, changed)

    assert "imported 0, updated 2" in result.output
    people = staff(engine)
    assert people["bwilson"].name == "Benjamin Wilson"
    assert people["bwilson"].manager is None
    assert [c.name for c in people["bwilson"].sales_channels] == ["North", "West"]
    assert people["eclerk"].sales_representative is True
    assert people["cdavis"].manager.login == "awhite"  # not in the file: left as it was


def test_manager_relations_are_imported(bridge: Bridge, write_export: WriteExport,
                                        engine: Engine) -> None:
    import_employees(bridge, write_export, STAFF)

    people = staff(engine)
    assert people["awhite"].manager is None
    for login in ("bwilson", "cdavis", "ddiaz"):
        assert people[login].manager.login == "awhite"


def test_manager_listed_after_the_employee_is_still_found(
        bridge: Bridge, write_export: WriteExport, engine: Engine) -> None:
    import_employees(bridge, write_export, [employee("bwilson", manager="awhite"),
                                            employee("awhite")])

    assert staff(engine)["bwilson"].manager.login == "awhite"


def test_unknown_manager_gives_a_warning_and_no_manager(
        bridge: Bridge, write_export: WriteExport, engine: Engine) -> None:
    result = import_employees(bridge, write_export, [employee("awhite"),
                                                     employee("bwilson", manager="ghost")])

    assert "warning" in result.output.lower()
    assert "bwilson" in result.output and "'ghost'" in result.output
    people = staff(engine)
    assert people["bwilson"].manager is None
    assert people["awhite"].manager is None


def test_rerun_with_an_unknown_manager_reports_the_employee_unchanged(
    bridge: Bridge, write_export: WriteExport
) -> None:
    path = write_export("employees", [employee("awhite"), employee("bwilson", manager="ghost")])
    assert bridge("employees", "import", path).exit_code == 0

    again = bridge("employees", "import", path)

    assert "imported 0, updated 0, unchanged 2" in again.output


def test_management_cycle_is_refused_with_a_warning(
        bridge: Bridge, write_export: WriteExport, engine: Engine) -> None:
    result = import_employees(bridge, write_export, [employee("awhite", manager="bwilson"),
                                                     employee("bwilson", manager="awhite")])

    assert "cycle" in result.output
    people = staff(engine)
    assert (people["awhite"].manager is None) != (people["bwilson"].manager is None)


def test_sales_channels_of_representatives_are_imported(
        bridge: Bridge, write_export: WriteExport, engine: Engine) -> None:
    import_employees(bridge, write_export, [
        *STAFF, employee("fgreen", sales_channels=["West", "North", "West"])])

    people = staff(engine)
    assert [c.name for c in people["bwilson"].sales_channels] == ["North"]
    assert [c.name for c in people["cdavis"].sales_channels] == ["South"]
    assert [c.name for c in people["ddiaz"].sales_channels] == ["East"]
    assert [c.name for c in people["eclerk"].sales_channels] == []
    assert [c.name for c in people["fgreen"].sales_channels] == ["North", "West"]


def test_employee_record_without_login_is_reported_and_the_others_imported(
    bridge: Bridge, write_export: WriteExport, engine: Engine
) -> None:
    broken = {key: value for key, value in employee("nobody").items() if key != "login"}

    result = import_employees(bridge, write_export, [employee("awhite"), broken])

    assert "skipped 1" in result.output
    assert "login" in result.output
    assert sorted(staff(engine)) == ["awhite"]


def test_a_login_that_is_a_path_of_the_server_is_refused_with_the_reason(
    bridge: Bridge, write_export: WriteExport, engine: Engine
) -> None:
    result = import_employees(bridge, write_export, [employee("awhite"), employee("Feeds"),
                                                     employee("cockpit")])

    assert "skipped 2" in result.output
    assert "'Feeds' is a path of the server itself" in result.output
    assert sorted(staff(engine)) == ["awhite"]


# --- passwords ---------------------------------------------------------------------------------

def password_hash(engine: Engine, login: str) -> str | None:
    with transaction(engine, write=False) as session:
        return session.scalars(select(Employee.password_hash)
                               .where(Employee.login == login)).one()


def test_set_password_stores_an_argon2_hash_not_the_password(hq: Bridge, engine: Engine) -> None:
    result = hq("employees", "set-password", "bwilson", "--password-stdin",
                input="correct horse battery\n")

    assert result.exit_code == 0, result.output
    stored = password_hash(engine, "bwilson")
    assert stored.startswith("$argon2")
    assert "correct horse battery" not in stored
    assert PasswordHasher().verify(stored, "correct horse battery")
    assert password_hash(engine, "cdavis") is None


def test_set_password_again_replaces_the_hash(hq: Bridge, engine: Engine) -> None:
    hq("employees", "set-password", "bwilson", "--password-stdin", input="first-password\n")
    first = password_hash(engine, "bwilson")

    hq("employees", "set-password", "bwilson", "--password-stdin", input="second-password\n")

    second = password_hash(engine, "bwilson")
    assert second != first
    assert PasswordHasher().verify(second, "second-password")


def test_too_short_password_is_refused(hq: Bridge, engine: Engine) -> None:
    result = hq("employees", "set-password", "bwilson", "--password-stdin", input="short\n")

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert password_hash(engine, "bwilson") is None


def test_empty_password_is_refused(hq: Bridge, engine: Engine) -> None:
    result = hq("employees", "set-password", "bwilson", "--password-stdin", input="\n")

    assert result.exit_code != 0
    assert "password" in result.output
    assert password_hash(engine, "bwilson") is None


def test_password_of_unknown_login_is_refused(hq: Bridge) -> None:
    result = hq("employees", "set-password", "nobody", "--password-stdin",
                input="long enough password\n")

    assert result.exit_code != 0
    assert "'nobody'" in result.output
    assert "no HQ employee" in result.output
