"""`bridge init`, `bridge definition …`, `bridge employees …`: HQ set-up."""

import sys
from pathlib import Path

import click

from bridge.calendars import rendered
from bridge.calendars.provision import provision
from bridge.cli.context import AppContext, BridgeGroup, now, pass_app
from bridge.cli.imports import EXISTING_FILE, print_summary
from bridge.errors import InvalidInput
from bridge.hq.definitions import APPOINTMENT_SYNCHRONIZE, install_defaults, set_active
from bridge.hq.listings import (
    EMPLOYEE_COLUMNS,
    FORMATS,
    EmployeeFilter,
    list_employees,
    write_records,
)
from bridge.hq.sessions import change_password, end_sessions
from bridge.importing.employees import import_employees
from bridge.importing.job import ImportOptions
from bridge.infra.db import transaction
from bridge.infra.schema import upgrade


@click.command("init")
@pass_app
def init_command(app: AppContext) -> None:
    """Create or upgrade the database schema and install the activity definition — of every
    database of the catalog, or of the one chosen with --db / --database.

    Safe to run again: it only applies what is missing.
    """
    for each in app.each():
        _init(each)


def _init(app: AppContext) -> None:
    engine = app.engine(ready=False)
    upgrade(engine)
    with transaction(engine) as session:
        added = install_defaults(session)
        provision(session)
        stale = rendered.mark_stale(session)  # rendered as the transaction commits
    app.close()
    click.echo(f"{app.described()} ready: {app.selected.shown_url}")
    if stale:
        click.echo(f"rendered what the calendars serve of {stale} activities and customers")
    if added:
        click.echo(
            f"installed activity definition {APPOINTMENT_SYNCHRONIZE} (inactive); activate it "
            f"with: bridge{app.option()} definition activate {APPOINTMENT_SYNCHRONIZE}"
        )


@click.group("definition", cls=BridgeGroup)
def definition_group() -> None:
    """Activity definitions (ibus.AppointmentSynchronize must be active to import)."""


def _set_definition(app: AppContext, code: str, active: bool) -> None:
    with transaction(app.engine()) as session:
        definition = set_active(session, code, active)
        state = "active" if definition.active else "inactive"
        said = (f"{definition.code} is {state} (kind {definition.kind.value}, "
                f"priority {definition.priority})")
    click.echo(said)


@definition_group.command("activate")
@click.argument("code")
@pass_app
def activate(app: AppContext, code: str) -> None:
    """Activate the activity definition CODE."""
    _set_definition(app, code, True)


@definition_group.command("deactivate")
@click.argument("code")
@pass_app
def deactivate(app: AppContext, code: str) -> None:
    """Deactivate the activity definition CODE (imports of appointments then refuse to run)."""
    _set_definition(app, code, False)


@click.group("employees", cls=BridgeGroup)
def employees_group() -> None:
    """HQ employees: sales representatives, managers, their passwords."""


@employees_group.command("import")
@click.argument("file", type=EXISTING_FILE)
@click.option("--dry-run", is_flag=True, help="Report what would change, change nothing.")
@pass_app
def employees_import(app: AppContext, file: Path, dry_run: bool) -> None:
    """Create or update employees from an hq-employees/1 FILE (managers, sales channels)."""
    options = ImportOptions(now=now(), started_by=app.user, dry_run=dry_run)
    print_summary(import_employees(app.engine(), file, options))


@employees_group.command("list")
@click.option("--representatives-only", is_flag=True,
              help="Only sales representatives (who have calendars).")
@click.option("--active/--inactive", "active", default=None,
              help="Only active (or only inactive) employees; default: both.")
@click.option("--team", metavar="LOGIN",
              help="A manager's team: LOGIN and everyone they manage, directly or not.")
@click.option("--channel", "channels", multiple=True, metavar="NAME",
              help="Only employees of this sales channel (repeatable).")
@click.option("--search", "text", metavar="TEXT",
              help="TEXT in the login, name or e-mail address (any case).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="table for reading, csv/json for other programs.")
@pass_app
def employees_list(app: AppContext, representatives_only: bool, active: bool | None,
                   team: str | None, channels: tuple[str, ...], text: str | None,
                   fmt: str) -> None:
    """List HQ employees, by login: their role, manager and sales channels."""
    wanted = EmployeeFilter(representatives_only=representatives_only, active=active,
                            team=team, channels=channels, text=text)
    with transaction(app.engine(), write=False) as session:
        records = list_employees(session, wanted)
    write_records(records, EMPLOYEE_COLUMNS, fmt, sys.stdout, ("employee", "employees"))


@employees_group.command("set-password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from the first line of standard input.")
@pass_app
def employees_set_password(app: AppContext, login: str, password_stdin: bool) -> None:
    """Set LOGIN's password (stored as an Argon2id hash, never plain); their cockpit sessions
    end."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInput("no password on standard input")
    with transaction(app.engine()) as session:
        change_password(session, login, password, now(), actor=app.user)
    click.echo(f"password of {login} set; their cockpit sessions have ended")


@employees_group.command("end-sessions")
@click.argument("login")
@pass_app
def employees_end_sessions(app: AppContext, login: str) -> None:
    """End every cockpit session of LOGIN at once, on every server process (they sign in
    again; their calendar clients are not affected)."""
    with transaction(app.engine()) as session:
        end_sessions(session, login, now(), actor=app.user)
    click.echo(f"the cockpit sessions of {login} have ended")
