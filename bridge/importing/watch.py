"""The watch folder: export files the mobile system drops into a folder are imported as they
arrive, each as a run, then moved to ``done/`` or ``failed/`` (with the reason beside it).

- **Still being written?** A file is taken only once it has stayed unchanged (size and
  modification time) for ``settle`` seconds; hidden files and ``*.part``/``*.tmp`` names
  (how writers mark unfinished files) are never taken.
- **Order.** Of the files ready at one look, customers come before appointments, each kind
  in arrival order (modification time, then name); later arrivals come at later looks. A late
  or repeated file is harmless: the import never applies an older version of an appointment
  over a newer one.
- **Claimed, then imported.** A file is claimed by renaming it into ``importing/`` (under a
  name that starts with its arrival time, so names never collide): a rename is atomic, so
  of two watchers only one gets it. Its run records that claimed path as its source.
- **Restarts.** A file left in ``importing/`` (the watcher stopped or was killed) is looked
  up by that source: imported already → moved on as its run ended; else imported again (a
  killed run left nothing behind). Nothing is imported twice.
- **One at a time.** Watchers of one folder take turns (a lock file: the second waits as a
  stand-in); imports of one database run one at a time anyway (the import lock).
- **The status sweep** (appointments whose period passed become Delayed) runs every
  ``sweep_every`` seconds, not only at the end of an import.

Decide first, apply second: :func:`ready` and :func:`in_order` are pure; :class:`Folder` moves
files; :class:`Watcher` runs the loop.
"""

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bridge.errors import BridgeError
from bridge.exchange.reader import read_header
from bridge.hq.writes import sweep_overdue
from bridge.importing.activities import import_activities
from bridge.importing.customers import import_customers
from bridge.importing.job import ImportOptions
from bridge.importing.report import RunReport
from bridge.importing.runs import last_run_of
from bridge.infra.db import transaction
from bridge.infra.locks import IMPORT_LOCK
from bridge.models.runs import RunStatus

JOBS = {"customers": import_customers, "appointments": import_activities}
"""What the folder takes, in the order of one look's files."""
UNFINISHED = (".part", ".tmp", ".crdownload")


@dataclass(frozen=True)
class Seen:
    """A file of the folder as one look found it."""

    path: Path
    size: int
    modified_ns: int


def ready(now: Seen, before: Seen | None, clock_ns: int, settle_ns: int) -> bool:
    """Whether a file may be taken: unchanged since the last look (if there was one) and
    for ``settle_ns`` by the clock."""
    unchanged = before is None or (before.size, before.modified_ns) == (now.size,
                                                                         now.modified_ns)
    return unchanged and clock_ns - now.modified_ns >= settle_ns


Kind = str | BridgeError
"""What a file's header says it holds, or why it cannot be read."""


def in_order(files: list[tuple[Seen, Kind]]) -> list[tuple[Seen, Kind]]:
    """Files with their kinds, customers first, then in arrival order (unreadable ones
    first of all: their import only says what is wrong)."""
    rank = {kind: position for position, kind in enumerate(JOBS)}
    return sorted(files, key=lambda each: (
        rank.get(each[1], -1) if isinstance(each[1], str) else -1,
        each[0].modified_ns, each[0].path.name))


LOCK_FILE = ".bridge-watch.lock"
"""Watchers take turns by it."""
CLOCK_FILE = ".bridge-watch.clock"
"""Written at each look, it tells the time by the folder's own clock."""


@dataclass
class Folder:
    """The watched folder and its ``importing/``, ``done/`` and ``failed/``."""

    root: Path

    def __post_init__(self) -> None:
        for name in ("importing", "done", "failed"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def look(self) -> list[Seen]:
        found = []
        for entry in os.scandir(self.root):
            if entry.name.startswith(".") or entry.name.endswith(UNFINISHED) \
                    or not entry.is_file():
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:  # (taken meanwhile)
                continue
            found.append(Seen(Path(entry.path), stat.st_size, stat.st_mtime_ns))
        return found

    def clock_ns(self) -> int:
        """Now by the clock of the folder's file system, which its files' times are in (a
        share's clock, or this process's under a moved clock, may differ from the machine's:
        comparing a file's time with another clock could take a file still being written)."""
        marker = self.root / CLOCK_FILE
        with open(marker, "wb") as written:  # (a write is timed as the files' writes are;
            written.write(b"\n")             # a touch takes the time the process is told)
        return marker.stat().st_mtime_ns

    def claim(self, seen: Seen) -> Path | None:
        """Move the file into ``importing/``; None if another watcher took it first."""
        arrived = datetime.fromtimestamp(seen.modified_ns / 1e9, UTC)
        claimed = self.root / "importing" / f"{arrived:%Y%m%dT%H%M%S.%fZ}-{seen.path.name}"
        try:
            os.rename(seen.path, claimed)
        except FileNotFoundError:
            return None
        return claimed.resolve()

    def claimed(self) -> list[Path]:
        """Files a watcher claimed and did not move on (it stopped, or was killed)."""
        return sorted(path.resolve() for path in (self.root / "importing").iterdir()
                      if path.is_file())

    def done(self, claimed: Path) -> Path:
        return self._move(claimed, "done")

    def failed(self, claimed: Path, reason: str) -> Path:
        moved = self._move(claimed, "failed")
        moved.with_name(moved.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
        return moved

    def _move(self, claimed: Path, where: str) -> Path:
        target = self.root / where / claimed.name
        os.replace(claimed, target)
        return target

    @contextmanager
    def turn(self, waiting: Callable[[], None]) -> Iterator[None]:
        """This watcher's turn at the folder (``waiting`` is called if another has it)."""
        with open(self.root / LOCK_FILE, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waiting()
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield


@dataclass
class Watcher:
    """Imports what arrives in ``folder`` into the database of ``engine``."""

    engine: Engine
    folder: Folder
    started_by: str
    say: Callable[[str], None]
    """Tells the operator what happened (a line per file or sweep)."""
    reported: Callable[[RunReport], None]
    settle: float = 5.0
    sweep_every: float = 900.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _seen: dict[Path, Seen] = field(default_factory=dict)
    _last_sweep: float = float("-inf")

    def resume(self) -> None:
        """Move on the files a watcher before left claimed (imported again if need be)."""
        for claimed in self.folder.claimed():
            run = last_run_of(self.engine, str(claimed))
            if run is not None and run.status == RunStatus.SUCCEEDED:
                self.say(f"{claimed.name}: imported before as run {run.id}; moved to "
                         f"{self.folder.done(claimed)}")
            elif run is not None and run.status == RunStatus.FAILED:
                self._failed(claimed, f"run {run.id} failed (bridge runs show {run.id})")
            else:
                self._import(claimed, _kind(claimed))

    def once(self) -> int:
        """One look at the folder: import what is ready, sweep if it is time; how many files
        were taken."""
        clock_ns = self.folder.clock_ns()
        looked = self.folder.look()
        taken = [seen for seen in looked if ready(seen, self._seen.get(seen.path), clock_ns,
                                                  int(self.settle * 1e9))]
        self._seen = {seen.path: seen for seen in looked}
        count = 0
        for seen, kind in in_order([(seen, _kind(seen.path)) for seen in taken]):
            claimed = self.folder.claim(seen)
            if claimed is not None:
                self._seen.pop(seen.path, None)
                self._import(claimed, kind)
                count += 1
        if time.monotonic() - self._last_sweep >= self.sweep_every:
            self.sweep()
        return count

    def sweep(self) -> None:
        """The status sweep (between imports: it takes the import lock too)."""
        self._last_sweep = time.monotonic()
        with transaction(self.engine, take=[IMPORT_LOCK]) as session:
            changed = sweep_overdue(session, self.clock())
        if changed:
            self.say(f"status sweep: {changed} appointment(s) not processed in time are now "
                     "Delayed")

    def _import(self, claimed: Path, kind: Kind) -> None:
        """Import the claimed file, whose header was read before it was claimed (a rename
        keeps the file as it was)."""
        try:
            if isinstance(kind, BridgeError):
                raise kind
            job = JOBS.get(kind)
            if job is None:
                raise BridgeError(f"{claimed.name}: is a {kind} file; the watch folder takes "
                                  "the mobile exports of customers and appointments")
            report = job(self.engine, claimed, ImportOptions(now=self.clock(),
                                                             started_by=self.started_by))
        except BridgeError as error:
            self._failed(claimed, str(error))
            return
        self.reported(report)
        self.say(f"  moved to {self.folder.done(claimed)}")

    def _failed(self, claimed: Path, reason: str) -> None:
        moved = self.folder.failed(claimed, reason)
        self.say(f"{claimed.name}: not imported: {reason}; moved to {moved}")


def _kind(path: Path) -> Kind:
    try:
        return read_header(path).records_key
    except BridgeError as error:
        return error
