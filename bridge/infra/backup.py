"""Backups of an HQ database, and restores from them (`bridge backup`, `bridge restore`).

SQLite: the backup is an SQLite database file, made with SQLite's backup API (a consistent
copy while the server and the import watcher run) and restored with it too, into the live
file: the restore is one write transaction of the database (readers see the old content or
the new, never a mix; an interrupted restore is rolled back), and a running server's open
connections see the restored database at their next request — the file is never replaced
under them.

PostgreSQL: the backup is ``pg_dump --format=custom``; the restore is the dump's script run
by ``psql`` in a single transaction (every table of the bridge dropped first, so that
nothing of a newer schema is left beside an older backup); an error rolls all of it back.
Both tools come with PostgreSQL's client package, of a version not older than the server.

Either way a backup is written beside its final name and renamed when complete: a failed
backup leaves no file that looks like one.

What a restore means for calendar clients: see docs/operators/backup.md (their sync tokens
of changes after the backup name no point of the restored change log: refused, and the
client syncs afresh; bridge.calendars.changes).
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, make_url

from bridge.errors import InvalidInput
from bridge.infra.catalog import database_url
from bridge.infra.db import WRITE_WAIT_SECONDS
from bridge.infra.readiness import SCHEMA_REVISION
from bridge.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

Progress = Callable[[int, int], None]
"""Told how much of the work is done: ``(done, total)``."""

PAGES_PER_STEP = 1024
"""SQLite pages copied between two reports of progress (4 MiB at SQLite's default size)."""


class BackupError(InvalidInput):
    """A backup or restore that cannot be done (nothing was changed)."""


@dataclass(frozen=True)
class Restored:
    """What a restore put in place."""

    revision: str
    """The schema revision of the backup."""

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != SCHEMA_REVISION


def kind(url: str) -> str:
    """"sqlite" or "postgresql": the kind of backup the database at ``url`` makes."""
    backend = make_url(database_url(url)).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database (SQLite or PostgreSQL only)")
    return backend


def file_kind(path: Path) -> str | None:
    """"sqlite" or "postgresql": the kind of backup the file is, by its first bytes; None for
    anything else."""
    try:
        with path.open("rb") as file:
            start = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except OSError as error:
        raise BackupError(f"{path}: cannot read it: {error.strerror or error}") from None
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def backup(url: str, path: Path, *, overwrite: bool = False,
           progress: Progress | None = None) -> None:
    """Write a backup of the database at ``url`` to ``path``."""
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists already (--force to replace it)")
    if path.is_dir():
        raise BackupError(f"{path} is a directory")
    if not path.parent.is_dir():
        raise BackupError(f"{path}: no directory {path.parent}")
    with _partial(path) as partial:
        if kind(url) == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial, progress)
        else:
            _pg_backup(make_url(database_url(url)), partial, progress)


def check(url: str, path: Path) -> str:
    """The schema revision of the backup ``path`` if it can be restored into the database at
    ``url``; BackupError (naming the file) if not."""
    expected = kind(url)
    found = file_kind(path)
    if found is None:
        raise BackupError(f"{path} is not a backup of `bridge backup` (neither an SQLite "
                          "database nor a PostgreSQL dump)")
    if found != expected:
        raise BackupError(f"{path} is a backup of {_NAMES[found]} database; this database is "
                          f"{_NAMES[expected]} one (move data between them with an export)")
    revision = _sqlite_revision(path) if found == "sqlite" else _pg_revision(path)
    if int(revision) > int(SCHEMA_REVISION):
        raise BackupError(f"{path} was made by a newer version of the bridge (schema revision "
                          f"{revision}; this version knows up to {SCHEMA_REVISION})")
    return revision


def restore(url: str, path: Path, *, progress: Progress | None = None) -> Restored:
    """Replace everything in the database at ``url`` with the backup ``path`` — all of it
    or, when anything fails, nothing."""
    revision = check(url, path)
    if kind(url) == "sqlite":
        _sqlite_restore(path, _sqlite_path(url), progress)
    else:
        _pg_restore(make_url(database_url(url)), path, progress)
    return Restored(revision)


_NAMES = {"sqlite": "an SQLite", "postgresql": "a PostgreSQL"}


@contextmanager
def _partial(path: Path) -> Iterator[Path]:
    """A file beside ``path`` to write, renamed to ``path`` when the block ends without an
    error (removed when it fails)."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        yield partial
        with partial.open("rb+") as file:
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# SQLite


def _sqlite_path(url: str) -> Path:
    database = make_url(database_url(url)).database
    if database in (None, "", ":memory:"):
        raise BackupError("an in-memory database has nothing to back up or restore")
    assert database is not None
    return Path(database)


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro" if read_only else str(path),
                                 uri=read_only, timeout=WRITE_WAIT_SECONDS)
    connection.execute(f"PRAGMA busy_timeout={WRITE_WAIT_SECONDS * 1000}")
    return connection


def _copy(source: sqlite3.Connection, target: sqlite3.Connection,
          progress: Progress | None) -> None:
    def report(status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=report)


def _sqlite_backup(live: Path, partial: Path, progress: Progress | None) -> None:
    if not live.is_file():
        raise BackupError(f"{live}: no such database file")
    try:
        source = _connect(live)
    except sqlite3.Error as error:
        raise BackupError(f"{live}: cannot open the database: {error}") from None
    try:
        # One read transaction for all the steps: the copy is the database at its start,
        # whatever is written meanwhile (else SQLite starts the copy over after each write of
        # another connection, and under a steady stream of writes might never finish).
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        target = sqlite3.connect(partial)
        try:
            _copy(source, target, progress)
            target.execute("PRAGMA journal_mode=DELETE")  # (one self-contained file)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"{live}: the backup failed: {error}") from None
    finally:
        source.close()


def _sqlite_revision(path: Path) -> str:
    try:
        connection = _connect(path, read_only=True)
        try:
            checked = connection.execute("PRAGMA quick_check").fetchone()
            if checked is None or checked[0] != "ok":
                raise BackupError(f"{path} is damaged (SQLite's check: {checked and checked[0]})")
            revisions = [row[0] for row in connection.execute(
                "SELECT version_num FROM alembic_version")]
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a backup of an HQ database ({error})") from None
    return _one_revision(path, revisions)


def _one_revision(path: Path, revisions: list[str]) -> str:
    if len(revisions) != 1 or not revisions[0].isdigit():
        raise BackupError(f"{path} is not a backup of an HQ database (schema revision "
                          f"{', '.join(revisions) or 'none'})")
    return revisions[0]


def _sqlite_restore(path: Path, live: Path, progress: Progress | None) -> None:
    source = _connect(path, read_only=True)
    try:
        target = _connect(live)
        try:
            _copy(source, target, progress)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"{live}: the restore from {path} failed, nothing was changed: "
                          f"{error}") from None
    finally:
        source.close()


# PostgreSQL


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"`{name}` is not installed: a PostgreSQL database is backed up and "
                          "restored with PostgreSQL's client tools (Debian: apt-get install "
                          "postgresql-client), of the server's version or newer")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The database's address as PostgreSQL's tools take it, and their environment (the
    password goes there, never on a command line)."""
    environment = dict(os.environ)
    environment["PGOPTIONS"] = "-c client_min_messages=warning"  # (no notice per DROP)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None)
    return address.render_as_string(hide_password=False), environment


def _said(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return "; ".join((errors or lines)[-3:]) or "no message"


_TABLES = len(Base.metadata.tables) + 1  # (and Alembic's alembic_version: progress's total)


def _counting(stream: Iterator[str], pattern: str, progress: Progress | None,
              kept: list[str]) -> None:
    """Report a step of progress for each line of ``stream`` that matches ``pattern``; keep
    the lines that are not progress (the tools' messages)."""
    done = 0
    for line in stream:
        if re.search(pattern, line):
            done += 1
            if progress is not None:
                progress(min(done, _TABLES), _TABLES)
        elif "pg_dump: " not in line or "error" in line.lower():
            kept.append(line)
    if progress is not None:
        progress(_TABLES, _TABLES)


def _pg_backup(url: URL, partial: Path, progress: Progress | None) -> None:
    address, environment = _libpq(url)
    process = subprocess.Popen(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--verbose",
         f"--file={partial}", f"--dbname={address}"],
        env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    kept: list[str] = []
    _counting(iter(process.stderr.readline, ""), r"dumping contents of table", progress, kept)
    if process.wait() != 0:
        raise BackupError(f"{_shown(url)}: pg_dump failed: {_said(''.join(kept))}")


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _pg_listing(path: Path) -> str:
    listed = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0:
        raise BackupError(f"{path} is not a PostgreSQL dump that can be read "
                          f"({_said(listed.stderr)})")
    return listed.stdout


def _pg_revision(path: Path) -> str:
    if not re.search(r"TABLE DATA \S+ alembic_version ", _pg_listing(path)):
        raise BackupError(f"{path} is not a backup of an HQ database (no schema revision)")
    data = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True, text=True, check=False)
    copied = re.search(r"^COPY \S*alembic_version .*FROM stdin;\n(.*?)^\\\.$", data.stdout,
                       re.MULTILINE | re.DOTALL)
    revisions = copied.group(1).split() if copied else []
    return _one_revision(path, revisions)


OWN_TABLES = sorted({*Base.metadata.tables, "alembic_version"})
"""The bridge's tables (of this version): what a restore drops before the backup's are made."""


def _pg_tables(address: str, environment: dict[str, str], url: URL) -> list[str]:
    """Those of the bridge's tables the database has (another application's stay)."""
    own = ", ".join(f"'{name}'" for name in OWN_TABLES)
    listed = subprocess.run(
        [_tool("psql"), "-X", "-q", "-At", f"--dbname={address}", "-c",
         "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() "
         f"AND tablename IN ({own})"],
        env=environment, capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        raise BackupError(f"{_shown(url)}: cannot read the database: {_said(listed.stderr)}")
    return listed.stdout.split()


EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (?:EXTENSION - (\S+)|COMMENT - EXTENSION \S+)")
"""An extension, or its comment, in ``pg_restore --list``."""


def _pg_restore(url: URL, path: Path, progress: Progress | None) -> None:
    address, environment = _libpq(url)
    tables = _pg_tables(address, environment, url)
    # Extensions (pg_trgm) are left in place, made only where missing: dropping one, or
    # commenting it, needs its owner — maybe the superuser who made it for the bridge.
    listing, extensions = [], []
    for line in _pg_listing(path).splitlines():
        entry = EXTENSION_ENTRY.match(line)
        if entry is None:
            listing.append(line)
        elif entry.group(1):
            extensions.append(entry.group(1))
    chosen = path.with_name(f".{path.name}.list-{os.getpid()}")
    try:
        chosen.write_text("\n".join(listing) + "\n", encoding="utf-8")
    except OSError:
        chosen = Path(tempfile.mkstemp(suffix=".list")[1])
        chosen.write_text("\n".join(listing) + "\n", encoding="utf-8")
    try:
        _pg_run_restore(url, path, chosen, tables, extensions, progress)
    finally:
        chosen.unlink(missing_ok=True)


def _pg_run_restore(url: URL, path: Path, chosen: Path, tables: list[str],
                    extensions: list[str], progress: Progress | None) -> None:
    address, environment = _libpq(url)
    script = subprocess.Popen(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--verbose", f"--use-list={chosen}", "--file=-", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert script.stdout is not None and script.stderr is not None
    psql = subprocess.Popen(
        [_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
         f"--dbname={address}"],
        env=environment, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    assert psql.stdin is not None and psql.stderr is not None
    # One transaction, committed only once pg_restore has written all of its script (psql's
    # --single-transaction would commit what it got when its input ends early). Every table
    # of the bridge goes first: a backup of an older schema leaves none of a newer one behind
    # (the dump's own "DROP … IF EXISTS" then find nothing).
    prologue = "BEGIN;\n" + "".join(
        [f"DROP TABLE IF EXISTS {table} CASCADE;\n" for table in tables]
        + [f'CREATE EXTENSION IF NOT EXISTS "{name}";\n' for name in extensions])
    feeder = threading.Thread(target=_feed, args=(script, psql, prologue), daemon=True)
    feeder.start()
    kept: list[str] = []
    _counting(iter(script.stderr.readline, ""), r"processing data for table", progress, kept)
    feeder.join()
    failed_script = script.wait() != 0
    failed_psql = psql.wait() != 0
    errors = psql.stderr.read()
    if failed_script or failed_psql:
        said = _said(errors) if failed_psql else _said("".join(kept))
        raise BackupError(f"{_shown(url)}: the restore from {path} failed, nothing was "
                          f"changed: {said}")


def _feed(script: "subprocess.Popen[str]", psql: "subprocess.Popen[str]",
          prologue: str) -> None:
    """Feed ``prologue``, pg_restore's script and, if pg_restore succeeded, the COMMIT to
    psql (in a thread of its own: the caller reads pg_restore's progress meanwhile)."""
    assert script.stdout is not None and psql.stdin is not None
    try:
        psql.stdin.write(prologue)
        shutil.copyfileobj(script.stdout, psql.stdin)
        if script.wait() == 0:
            psql.stdin.write("COMMIT;\n")
        # (else psql's input ends in the transaction: its connection closes, rolled back)
    except BrokenPipeError:
        pass  # (psql stopped at an error: its message says which)
    finally:
        with suppress(BrokenPipeError):
            psql.stdin.close()
