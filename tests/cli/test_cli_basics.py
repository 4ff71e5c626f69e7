"""The command line as a whole: help everywhere, clear errors, a safe `bridge init`."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from bridge.cli.main import cli
from bridge.infra.db import make_engine, transaction
from bridge.models import ActivityDefinition, Employee
from tests.conftest import NOW_ISO, STAFF, Bridge, WriteExport, appointment, customer

BRIDGE_SCRIPT = Path(sys.executable).parent / "bridge"


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))


ALL_COMMANDS = [(), *_command_paths(cli)]


def _run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "bridge")
def test_every_command_and_group_has_working_help(path: tuple[str, ...]) -> None:
    result = _run(*path, "--help")

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    if path:
        assert " ".join(path) in result.output.splitlines()[0]
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)
    assert (command.help or "").strip(), f"`bridge {' '.join(path)}` has no help text"


SPEC_COMMANDS = [
    ("init",), ("definition", "activate"), ("employees", "import"),
    ("employees", "set-password"), ("import", "customers"), ("import", "activities"),
    ("import", "data"), ("runs", "list"), ("runs", "show"), ("activities", "list"),
    ("activities", "show"), ("activities", "add"), ("activities", "edit"),
    ("activities", "complete"), ("activities", "delete"), ("settings", "show"),
    ("settings", "set"),
    ("demo",), ("serve",),
]


@pytest.mark.parametrize("path", SPEC_COMMANDS, ids=" ".join)
def test_every_command_of_the_fixed_interface_exists(path: tuple[str, ...]) -> None:
    assert path in ALL_COMMANDS


def test_the_commands_are_loaded_only_when_run() -> None:
    """`bridge serve` does not carry the import machinery (the exchange models) in memory."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bridge.cli.main; "
         "print(sorted(m for m in sys.modules if m.startswith(('bridge.importing', "
         "'bridge.exchange', 'bridge.cli.'))))"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "['bridge.cli.context', 'bridge.cli.main', 'bridge.cli.output']"


def test_command_on_uninitialised_database_tells_to_run_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"

    for args in (("activities", "list"), ("runs", "list"), ("settings", "show", "bwilson")):
        result = _run("--database", url, *args)

        assert result.exit_code != 0, args
        assert "bridge init" in result.output, args
        assert "Traceback" not in result.output, args


def test_init_twice_is_fine_and_installs_the_definition_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"

    first = _run("--database", url, "init")
    second = _run("--database", url, "init")

    assert first.exit_code == 0, first.output
    assert "ibus.AppointmentSynchronize" in first.output
    assert second.exit_code == 0, second.output
    assert "installed" not in second.output
    engine = make_engine(url)
    with transaction(engine, write=False) as session:
        definitions = session.scalars(select(ActivityDefinition)).all()
        assert [(d.code, d.active) for d in definitions] == [
            ("ibus.AppointmentSynchronize", False)]
    engine.dispose()
    assert _run("--database", url, "activities", "list").exit_code == 0


def test_init_on_a_database_in_use_keeps_its_data(hq: Bridge, engine: Engine) -> None:
    result = hq("init")

    assert result.exit_code == 0, result.output
    with transaction(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == len(STAFF)
        definition = session.scalars(select(ActivityDefinition)).one()
        assert definition.active


def test_activating_an_unknown_definition_fails_clearly(bridge: Bridge) -> None:
    result = bridge("definition", "activate", "ibus.NoSuchThing")

    assert result.exit_code != 0
    assert "ibus.NoSuchThing" in result.output
    assert "does not exist" in result.output


def test_definition_activate_and_deactivate_report_the_state(bridge: Bridge) -> None:
    activated = bridge("definition", "activate", "ibus.AppointmentSynchronize")
    deactivated = bridge("definition", "deactivate", "ibus.AppointmentSynchronize")

    assert activated.exit_code == 0 and "is active" in activated.output
    assert deactivated.exit_code == 0 and "is inactive" in deactivated.output


# --- the installed `bridge` program, as a shell script would run it -------------------------

def _program(database_url: str, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BRIDGE_SCRIPT), "--database", database_url, "--user", "tester", *map(str, args)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_console_script_reports_a_file_that_is_not_json_by_name(
    hq: Bridge, database_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-export.json"
    broken.write_text("this is not JSON {", encoding="utf-8")

    completed = _program(database_url, "import", "activities", broken, "--now", NOW_ISO)

    assert completed.returncode != 0
    assert "broken-export.json" in completed.stderr
    assert "JSON" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


def test_console_script_refuses_a_file_of_the_wrong_format_by_name(
    hq: Bridge, database_url: str, write_export: WriteExport
) -> None:
    customers = write_export("customers", [customer("C-3001")], name="customers-export.json")

    completed = _program(database_url, "import", "activities", customers, "--now", NOW_ISO)

    assert completed.returncode != 0
    assert "customers-export.json" in completed.stderr
    assert "bus-customers/1" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    listed = _program(database_url, "activities", "list", "--format", "json")
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"


def test_console_script_on_uninitialised_database_says_run_init(tmp_path: Path) -> None:
    completed = _program(f"sqlite:///{tmp_path / 'none.db'}", "activities", "list")

    assert completed.returncode != 0
    assert "bridge init" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_console_script_imports_a_good_file(hq: Bridge, database_url: str,
                                            write_export: WriteExport) -> None:
    export = write_export("appointments", [appointment("MA-1")])

    completed = _program(database_url, "import", "activities", export, "--now", NOW_ISO)

    assert completed.returncode == 0, completed.stderr
    assert "imported 1" in completed.stdout
