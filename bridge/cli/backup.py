"""`bridge backup FILE` and `bridge restore FILE`: a backup of the HQ database, and the
database put back as it was (``bridge.infra.backup``; docs/operators/backup.md)."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import make_url

from bridge.cli.context import AppContext, pass_app
from bridge.infra import backup as backups
from bridge.infra.readiness import SCHEMA_REVISION, recorded_revisions

FILE = click.Path(dir_okay=False, path_type=Path)


@contextmanager
def _progress(label: str) -> Iterator[backups.Progress | None]:
    """A progress bar on stderr (only on a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None
    try:
        def advance(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr,
                                        show_pos=False, show_percent=True)
                bar.__enter__()
            bar.update(done - bar.pos)

        yield advance
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command("backup")
@click.argument("file", type=FILE)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@pass_app
def backup_command(app: AppContext, file: Path, force: bool) -> None:
    """Write a backup of the HQ database to FILE, while the server and the import watcher
    keep working (and before `bridge init` upgrades the database to a new version).

    SQLite: FILE is an SQLite database (SQLite's backup API: a consistent copy).
    PostgreSQL: FILE is a `pg_dump --format=custom` dump (PostgreSQL's client tools must be
    installed, of the server's version or newer). `bridge restore FILE` puts it back.
    """
    # A database of ours at any schema revision: the backup before `bridge init` upgrades it.
    if not recorded_revisions(app.engine(ready=False)):
        raise click.ClickException(f"the {app.described()} has no schema (`bridge{app.option()} "
                                   "init` prepares one): nothing to back up")
    app.close()
    with _progress(f"Backing up to {file.name}") as progress:
        backups.backup(app.database, file, overwrite=force, progress=progress)
    click.echo(f"Backed up the {app.described()} to {file} ({_size(file)}).")


@click.command("restore")
@click.argument("file", type=FILE)
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@pass_app
def restore_command(app: AppContext, file: Path, yes: bool) -> None:
    """Replace everything in the HQ database with the backup FILE (of `bridge backup`).

    All of it or, when anything fails, nothing. It may run while the server runs: calendar
    clients then find their sync tokens refused and sync afresh once, and hold what the
    restored database holds (docs/operators/backup.md). Stop the import watcher first:
    imports after the backup are undone by the restore; import their files again.
    """
    revision = backups.check(app.database, file)
    shown = make_url(app.database).render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace everything in the {app.described()} ({shown}) with the backup "
                      f"{file} (schema revision {revision})?", abort=True, err=True)
    app.close()
    with _progress(f"Restoring {file.name}") as progress:
        restored = backups.restore(app.database, file, progress=progress)
    click.echo(f"Restored the {app.described()} from {file}.")
    if restored.needs_upgrade:
        click.echo(f"The backup's schema is at revision {restored.revision}, this version "
                   f"needs {SCHEMA_REVISION}: run `bridge{app.option()} init` to upgrade it.")


def _size(file: Path) -> str:
    size = float(file.stat().st_size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # (not reached)
