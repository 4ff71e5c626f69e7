"""`bridge import …` (the BUS batch jobs) and `bridge runs …` (what they did)."""

import math
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from bridge.cli.context import INSTANT, AppContext, BridgeGroup, now, pass_app
from bridge.errors import database_said
from bridge.hq.errors import NotFound
from bridge.importing.activities import import_activities
from bridge.importing.collective import plan
from bridge.importing.customers import import_customers
from bridge.importing.job import ImportOptions, Progress
from bridge.importing.report import RunReport
from bridge.importing.runs import INTERRUPTED, get_run, list_runs
from bridge.importing.watch import Folder, Watcher
from bridge.models.runs import RunStatus

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

Job = Callable[[Engine, Path, ImportOptions], RunReport]


def import_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option(
        "--now", "clock", type=INSTANT, default=None,
        help="The import clock (ISO 8601 with offset); default: the current time. "
        "Appointments must start after it to be admitted.",
    )(command)
    return click.option(
        "--dry-run", is_flag=True,
        help="Do everything and report it, then roll back: nothing is changed.",
    )(command)


@contextmanager
def progress_bar(path: Path, label: str) -> Iterator[Progress | None]:
    """A progress bar on stderr while the file is read (only on a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=path.stat().st_size, label=label, file=sys.stderr,
                           show_pos=False, show_percent=True, show_eta=True) as bar:
        done = 0

        def advance(position: int) -> None:
            nonlocal done
            bar.update(position - done)
            done = position

        yield advance


def run_one(app: AppContext, job: Job, path: Path, clock: datetime | None,
            dry_run: bool) -> RunReport:
    engine = app.engine()
    if app.catalog.several:
        click.echo(f"Importing {path.name} into {app.described()}")
    with progress_bar(path, f"{path.name}") as progress:
        options = ImportOptions(now=clock or now(), started_by=app.user, dry_run=dry_run,
                                progress=progress)
        report = job(engine, path, options)
    print_summary(report)
    return report


def print_summary(report: RunReport) -> None:
    counts = report.counts
    head = "DRY RUN, nothing was changed: " if report.dry_run else f"run {report.run_id}: "
    click.echo(
        f"{head}{report.job} from {report.source}: read {counts['read']}, "
        f"imported {counts['imported']}, updated {counts['updated']}, "
        f"unchanged {counts['unchanged']}, skipped {counts['skipped']}"
        + (f", now delayed {counts['delayed']}" if counts["delayed"] else "")
    )
    for message in report.sample:
        click.echo(f"  {message}")
    hidden = report.message_count - len(report.sample)
    if hidden > 0:
        where = "" if report.dry_run else f": bridge runs show {report.run_id}"
        click.echo(f"  … and {hidden} more message(s){where}")


@click.group("import", cls=BridgeGroup)
def import_group() -> None:
    """BUS batch jobs: import what the mobile system exported.

    Each run is applied whole or not at all, and kept for `bridge runs list|show`.
    Re-running an import with the same data changes nothing.
    """


@import_group.command("customers")
@click.argument("file", type=EXISTING_FILE)
@import_options
@pass_app
def import_customers_command(app: AppContext, file: Path, clock: datetime | None,
                             dry_run: bool) -> None:
    """BUS: Import customers — create or update partners from a bus-customers/1 FILE."""
    run_one(app, import_customers, file, clock, dry_run)


@import_group.command("activities")
@click.argument("file", type=EXISTING_FILE)
@import_options
@pass_app
def import_activities_command(app: AppContext, file: Path, clock: datetime | None,
                              dry_run: bool) -> None:
    """BUS: Import activities — admit and update sales appointments from a bus-appointments/1 FILE.

    A new appointment is admitted only if it is confirmed, starts after the import clock,
    its customer exists in HQ and its representative is an HQ sales representative.
    The activity definition ibus.AppointmentSynchronize must be active.
    """
    run_one(app, import_activities, file, clock, dry_run)


@import_group.command("data")
@click.argument("files", nargs=-1, required=True, type=EXISTING_FILE)
@import_options
@pass_app
def import_data_command(app: AppContext, files: tuple[Path, ...], clock: datetime | None,
                        dry_run: bool) -> None:
    """BUS import data — the collective job: every customers FILE first, then appointments.

    FILES may be given in any order; each is recognised by its "format" field. The first
    failing step stops the job (its own changes are rolled back; earlier steps are kept).
    """
    clock = clock or now()
    for step in plan(files):
        run_one(app, step.job, step.path, clock, dry_run)


@import_group.command("watch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--settle", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Seconds a file must stay unchanged before it is taken: a file still being "
                   "written is left alone (writers that pause longer should write NAME.part "
                   "and rename it when done).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Seconds between looks at the folder.")
@click.option("--sweep-every", type=click.FloatRange(min=0), default=15.0, show_default=True,
              help="Minutes between status sweeps (appointments whose period passed become "
                   "Delayed); 0: only at the end of each import.")
@click.option("--once", is_flag=True, help="Import what is ready now, then stop (for cron).")
@pass_app
def import_watch_command(app: AppContext, folder: Path, settle: float, interval: float,
                         sweep_every: float, once: bool) -> None:
    """Import the export files the mobile system drops into FOLDER, as they arrive.

    Each file is imported as a run (customers before appointments, in arrival order) once it
    has stopped changing, then moved to FOLDER/done/, or to FOLDER/failed/ with the reason in
    NAME.error.txt. A file being imported waits in FOLDER/importing/; after a restart, what
    was left there is imported — or, if its run had finished, moved on: nothing is imported
    twice. Watchers of one folder take turns (a second one waits as a stand-in). Between
    imports, the status sweep runs every --sweep-every minutes. Ctrl+C (or SIGTERM) stops.
    """
    watched = Folder(folder)
    watcher = Watcher(app.engine(), watched, app.user, click.echo, print_summary,
                      settle=settle, sweep_every=sweep_every * 60 if sweep_every else math.inf)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stops as Ctrl+C does
    try:
        with watched.turn(lambda: click.echo(f"Another watcher imports from {folder}; this "
                                             "one waits for its turn.")):
            click.echo(f"Watching {folder} for export files"
                       + (f" to import into {app.described()}" if app.catalog.several else "")
                       + ("" if once else " — Ctrl+C stops."))
            while True:
                try:
                    watcher.resume()
                    watcher.once()
                except DBAPIError as error:
                    click.echo(f"The database cannot be used now ({database_said(error)}); "
                               f"files wait in {folder / 'importing'} and are imported once "
                               "it can.", err=True)
                if once:
                    return
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Stopped. A file whose import was under way is imported at the next start.")


@click.group("runs", cls=BridgeGroup)
def runs_group() -> None:
    """Past import runs: when, who, what file, the counts and every message."""


@runs_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Show at most this many runs, newest first.")
@pass_app
def runs_list(app: AppContext, limit: int) -> None:
    """List import runs, newest first."""
    runs = list_runs(app.engine(), limit)
    if app.catalog.several:
        click.echo(f"Import runs of {app.described()}")
    if not runs:
        click.echo("no import runs yet")
        return
    click.echo(f"{'run':>5}  {'started (UTC)':19}  {'job':10} {'status':9} {'by':10} "
               f"{'read':>7} {'new':>7} {'upd':>7} {'same':>7} {'skip':>7}  file")
    for run in runs:
        click.echo(
            f"{run.id:>5}  {run.started_at:%Y-%m-%d %H:%M:%S}  {run.job:10} {run.status:9} "
            f"{run.started_by[:10]:10} {run.read:>7} {run.imported:>7} {run.updated:>7} "
            f"{run.unchanged:>7} {run.skipped:>7}  {run.source}"
        )


@runs_group.command("show")
@click.argument("run_id", type=int)
@pass_app
def runs_show(app: AppContext, run_id: int) -> None:
    """Show one run: its counts and all its messages."""
    engine = app.engine()
    try:
        run, messages = get_run(engine, run_id)
    except NotFound as error:
        raise NotFound(f"{error} (see `bridge runs list`)") from None
    click.echo(f"Run {run.id}: {run.job} ({run.status})")
    click.echo(f"  file:         {run.source}")
    click.echo(f"  started by:   {run.started_by}")
    click.echo(f"  started:      {run.started_at.isoformat()}")
    click.echo(f"  finished:     {run.finished_at.isoformat() if run.finished_at else '-'}")
    click.echo(f"  import clock: {run.clock.isoformat()}")
    if run.exported_at:
        click.echo(f"  exported at:  {run.exported_at.isoformat()}")
    click.echo(
        f"  read {run.read}, imported {run.imported}, updated {run.updated}, "
        f"unchanged {run.unchanged}, skipped {run.skipped}, now delayed {run.delayed}"
    )
    if run.status == RunStatus.INTERRUPTED:
        click.echo(f"  {INTERRUPTED}")
    click.echo(f"Messages ({len(messages)}):" if messages else "No messages.")
    for message in messages:
        click.echo(f"  {message}")
