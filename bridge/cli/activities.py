"""`bridge activities …`: the cockpit (list, show) and HQ-side work on activities."""

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import click

from bridge.cli.context import INSTANT, AppContext, BridgeGroup, now, pass_app
from bridge.errors import InvalidInput
from bridge.hq.editing import (
    ActivityFields,
    add_activity,
    complete_activity,
    delete_activity,
    edit_activity,
    reopen_activity,
    restore_activity,
)
from bridge.hq.employees import get_employee
from bridge.hq.errors import NotFound
from bridge.hq.export import FORMATS, write_activities
from bridge.hq.filtering import (
    SORT_FIELDS,
    ActivityFilter,
    ActivityView,
    activity_view,
    list_activities,
)
from bridge.hq.settings import zone_named
from bridge.infra.db import transaction
from bridge.models import Activity, Kind, Origin, Status


def _status(value: str) -> Status:
    normal = value.strip().lower().replace("-", " ").replace("_", " ")
    for status in Status:
        if status.value.lower() == normal:
            return status
    raise click.BadParameter(
        f"{value!r}; choose from {', '.join(s.value for s in Status)}", param_hint="--status"
    )


def _statuses(_ctx: click.Context, _param: click.Parameter,
              values: tuple[str, ...]) -> list[Status]:
    return [_status(value) for value in values]


@click.group("activities", cls=BridgeGroup)
def activities_group() -> None:
    """Activities (appointments and tasks): preview, export and HQ-side work.

    Activities from the mobile system are read-only here.
    """


@activities_group.command("list")
@click.option("--representative", "-r", "representatives", multiple=True, metavar="LOGIN",
              help="Only this representative's activities (repeatable).")
@click.option("--team", metavar="LOGIN",
              help="A manager's team: LOGIN and everyone they manage, directly or not.")
@click.option("--status", "statuses", multiple=True, callback=_statuses,
              help="Planned, Delayed, Completed or 'Completed unprocessed' (repeatable).")
@click.option("--origin", "origins", multiple=True, type=click.Choice([o.value for o in Origin]),
              help="mobile, hq or client (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in Kind]),
              help="appointment or task (repeatable).")
@click.option("--customer", "customers", multiple=True, metavar="NUMBER",
              help="Only activities of this customer (repeatable).")
@click.option("--channel", "channels", multiple=True, metavar="NAME",
              help="Only activities of this sales channel (repeatable).")
@click.option("--from", "start_from", type=click.DateTime(["%Y-%m-%d"]),
              help="Starting on or after this day (in --time-zone).")
@click.option("--to", "start_to", type=click.DateTime(["%Y-%m-%d"]),
              help="Starting on or before this day (in --time-zone).")
@click.option("--time-zone", "time_zone", default="UTC", show_default=True, metavar="ZONE",
              help="The time zone (IANA name, e.g. Europe/Warsaw) of --from and --to and of "
                   "the table's times; csv and json carry each time with its UTC offset.")
@click.option("--search", "text", metavar="TEXT", help="TEXT in the number, name or description.")
@click.option("--deleted", is_flag=True, help="List deleted activities (to restore them).")
@click.option("--sort", "sort", default="start", show_default=True, metavar="FIELD[,FIELD…]",
              help=f"Sort by {', '.join(sorted(SORT_FIELDS))}; prefix - for descending.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many activities.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for reading, csv/json for other programs, ics for calendars.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of the terminal.")
@pass_app
def list_command(app: AppContext, representatives: tuple[str, ...], team: str | None,
                 statuses: list[Status], origins: tuple[str, ...], kinds: tuple[str, ...],
                 customers: tuple[str, ...], channels: tuple[str, ...],
                 start_from: datetime | None, start_to: datetime | None, time_zone: str,
                 text: str | None, deleted: bool, sort: str, limit: int | None, fmt: str,
                 output: Path | None) -> None:
    """Cockpit: Activities — filter, sort and export activities."""
    zone = zone_named(time_zone)
    wanted = ActivityFilter(
        representatives=representatives, team=team, statuses=statuses,
        origins=[Origin(o) for o in origins], kinds=[Kind(k) for k in kinds],
        customers=customers, channels=channels,
        start_from=_day(start_from), start_to=_day(start_to), text=text, deleted=deleted,
        sort=[key.strip() for key in sort.split(",") if key.strip()], limit=limit,
        time_zone=zone,
    )
    with transaction(app.engine(), write=False) as session:
        for login in (*representatives, *([team] if team else [])):
            get_employee(session, login)  # (an operator is told of a mistyped login)
        views = list_activities(session, wanted)
        if output is None:
            write_activities(views, fmt, sys.stdout, zone)
            return
        with replaced_on_success(output) as out:
            count = write_activities(views, fmt, out, zone)
        click.echo(f"{count} activities written to {output}", err=True)


@contextmanager
def replaced_on_success(path: Path) -> Iterator[IO[str]]:
    """Write beside ``path`` and put the file in place only when everything was written:
    an error never leaves a half-written (or emptied) file behind."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        out = partial.open("w", encoding="utf-8", newline="")
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror}") from error
    try:
        with out:
            yield out
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@activities_group.command("show")
@click.argument("number")
@pass_app
def show_command(app: AppContext, number: str) -> None:
    """Show activity NUMBER: the General, Results, References and Tasks views."""
    with transaction(app.engine(), write=False) as session:
        view = activity_view(session, number, None)
        if view is None:
            raise NotFound(f"there is no activity {number}")
        _print_view(view)


def _print_view(view: ActivityView) -> None:
    a: Activity = view.activity
    record = view.as_record()
    lines = [
        f"Subject: {a.subject}",
        f"Origin: {a.origin.value}{' (read-only)' if a.read_only_because else ''}"
        + (f", mobile id {a.mobile_id}" if a.mobile_id else "")
        + (", frozen for the import" if a.frozen else "")
        + (", private (shown as busy time only)" if a.private else "")
        + (f", DELETED {record['deleted_at']}" if a.deleted_at else ""),
        "",
        "General",
        f"  Start time:   {record['start'] or '-'}",
        f"  End time:     {record['end'] or '-'}",
        f"  Priority:     {a.priority}",
        f"  Kind:         {a.kind.value}",
        f"  Status:       {a.status.value}",
        "  Description:  " + (a.description or "-").replace("\n", "\n                "),
        "",
        "Results",
        f"  Completed on: {record['completed_on'] or '-'}",
        f"  Completed by: {_person(a.completed_by, view.completed_by_name)}",
        "",
        "References",
        f"  Customer:     {_person(view.customer_number, view.customer_name)}",
        f"  Address:      {a.customer_address or '-'}",
        "",
        "Tasks",
        f"  Employee:     {_person(view.representative_login, view.representative_name)}",
        f"  Sales channel: {view.sales_channel or '-'}",
        "",
        (f"Revision {a.revision}, created {a.created_at.isoformat()}, "
         f"modified {a.modified_at.isoformat()}"),
    ]
    click.echo("\n".join(lines))


def _person(key: str | None, name: str | None) -> str:
    if not key:
        return "-"
    return f"{key} ({name})" if name else key


def activity_options(command: Callable[..., None]) -> Callable[..., None]:
    options = [
        click.option("--name", help="What the activity is about."),
        click.option("--start", type=INSTANT, help="Start (ISO 8601 with offset)."),
        click.option("--end", type=INSTANT, help="End, or the due time of a task."),
        click.option("--priority", type=int, help="1 (highest) … 9 (lowest); default 5."),
        click.option("--description", help="Free text."),
        click.option("--customer", metavar="NUMBER", help="The customer ('' to remove)."),
        click.option("--representative", "-r", metavar="LOGIN",
                     help="The sales representative it belongs to."),
        click.option("--private/--not-private", default=None,
                     help="Only the representative sees what it is about (others: busy "
                          "time; listings here show it so too)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _fields(**given: Any) -> ActivityFields:
    return ActivityFields(**given)


@activities_group.command("add")
@click.option("--kind", type=click.Choice([k.value for k in Kind]), default="appointment",
              show_default=True)
@activity_options
@pass_app
def add_command(app: AppContext, /, kind: str, **given: object) -> None:
    """Create an HQ activity; it gets the next HQ number (HQ-000001, …)."""
    with transaction(app.engine()) as session:
        activity = add_activity(session, Kind(kind), _fields(**given), now())
        said = f"created {activity.kind.value} {activity.subject} ({activity.status.value})"
    click.echo(said)


@activities_group.command("edit")
@click.argument("number")
@activity_options
@pass_app
def edit_command(app: AppContext, /, number: str, **given: object) -> None:
    """Change activity NUMBER (refused for activities from the mobile system)."""
    with transaction(app.engine()) as session:
        activity = edit_activity(session, number, _fields(**given), now())
        said = f"updated {activity.subject} (revision {activity.revision})"
    click.echo(said)


@activities_group.command("complete")
@click.argument("number")
@click.option("--on", "on", type=INSTANT, help="When it was completed (default: now).")
@click.option("--by", "by", metavar="LOGIN", help="Who completed it (default: --user).")
@click.option("--unprocessed", is_flag=True, help="Completed but not processed.")
@click.option("--reopen", is_flag=True, help="Undo a completion instead.")
@pass_app
def complete_command(app: AppContext, number: str, on: datetime | None, by: str | None,
                     unprocessed: bool, reopen: bool) -> None:
    """Mark activity NUMBER as completed (Results: completed on, completed by)."""
    with transaction(app.engine()) as session:
        if reopen:
            activity = reopen_activity(session, number, now())
        else:
            activity = complete_activity(session, number, on or now(), by or app.user,
                                         unprocessed=unprocessed)
        said = f"{activity.subject} is {activity.status.value}"
    click.echo(said)


@activities_group.command("reopen")
@click.argument("number")
@pass_app
def reopen_command(app: AppContext, number: str) -> None:
    """Undo the completion of activity NUMBER (as `complete --reopen`)."""
    with transaction(app.engine()) as session:
        activity = reopen_activity(session, number, now())
        said = f"{activity.subject} is {activity.status.value}"
    click.echo(said)


@activities_group.command("delete")
@click.argument("number")
@pass_app
def delete_command(app: AppContext, number: str) -> None:
    """Delete activity NUMBER recoverably (see `list --deleted` and `restore`)."""
    with transaction(app.engine()) as session:
        activity = delete_activity(session, number, now())
        said = f"deleted {activity.subject}; undo with: bridge activities restore {number}"
    click.echo(said)


@activities_group.command("restore")
@click.argument("number")
@pass_app
def restore_command(app: AppContext, number: str) -> None:
    """Bring back the deleted activity NUMBER."""
    with transaction(app.engine()) as session:
        activity = restore_activity(session, number, now())
        said = f"restored {activity.subject}"
    click.echo(said)
