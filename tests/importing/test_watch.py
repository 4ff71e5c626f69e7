"""`bridge import watch FOLDER`: export files are imported as they arrive — never while still
being written, customers before appointments, each once (even across a restart, even with
two watchers), then moved to done/ or failed/ with the reason; the status sweep runs on its
own schedule."""

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clock import NOW, at, iso, zulu
from tests.conftest import Bridge, WriteExport, activities_json, appointment, customer
from tests.storage_plugin.conftest import BRIDGE

FUTURE = {"start": iso(30, "09:00"), "end": iso(30, "10:00")}
"""Appointments of these tests start after any import clock (the watcher's is the time)."""


def export(kind: str, records: list[dict]) -> bytes:
    formats = {"customers": "bus-customers/1", "appointments": "bus-appointments/1"}
    return json.dumps({"format": formats[kind], "exported_at": zulu(at(-1, "08:00", "UTC")),
                       kind: records}).encode()


def visits(*ids: str, **fields: Any) -> bytes:
    return export("appointments", [appointment(mobile_id, **{**FUTURE, **fields})
                                   for mobile_id in ids])


def drop(folder: Path, name: str, data: bytes) -> Path:
    """A file arriving whole (written aside, then renamed in, as a copy tool does)."""
    aside = folder / f".{name}.part"
    aside.write_bytes(data)
    os.rename(aside, folder / name)
    return folder / name


def wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def in_folder(folder: Path, where: str) -> list[str]:
    return sorted(path.name.split("-", 1)[1] for path in (folder / where).glob("*.json"))


class Watching:
    """`bridge import watch` running as an operator starts it."""

    def __init__(self, database_url: str, folder: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [BRIDGE, "--database", database_url, "--user", "tester", "import", "watch",
             str(folder), "--settle", "0.5", "--interval", "0.1", *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, how: int = signal.SIGTERM) -> str:
        if self.process.poll() is None:
            self.process.send_signal(how)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return "".join(self.lines)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    watched = tmp_path / "exports"
    watched.mkdir()
    return watched


@pytest.fixture
def watching(hq: Bridge, database_url: str, folder: Path) -> Iterator[Callable[..., Watching]]:
    started: list[Watching] = []

    def start(*options: str) -> Watching:
        started.append(Watching(database_url, folder, *options))
        return started[-1]

    yield start
    for each in started:
        each.stop(signal.SIGKILL)


def runs(hq: Bridge) -> list[str]:
    """`bridge runs list`: job, status and counts of each run, oldest first."""
    lines = hq("runs", "list").output.splitlines()[1:]
    return [" ".join(line.split()[3:10]) for line in reversed(lines)]


def test_a_file_still_being_written_is_taken_only_once_it_is_whole(
        hq: Bridge, watching: Callable[..., Watching], folder: Path) -> None:
    watcher = watching()
    data = visits(*(f"MA-{n}" for n in range(1, 301)))
    with (folder / "visits.json").open("wb") as growing:  # written in pieces, with pauses
        for start in range(0, len(data), len(data) // 6):
            growing.write(data[start:start + len(data) // 6])
            growing.flush()
            time.sleep(0.3)
            assert in_folder(folder, "done") == [] and in_folder(folder, "failed") == []
    wait_for(lambda: in_folder(folder, "done") == ["visits.json"], "the import")
    watcher.stop()
    assert len(activities_json(hq)) == 300
    assert runs(hq)[-1].startswith("activities succeeded tester 300 300")


def test_customers_are_imported_before_the_appointments_that_arrived_with_them(
        hq: Bridge, watching: Callable[..., Watching], folder: Path) -> None:
    drop(folder, "a-visits.json", visits("MA-1", customer="C-3001"))
    drop(folder, "b-customers.json", export("customers", [customer("C-3001")]))
    watcher = watching()
    wait_for(lambda: len(in_folder(folder, "done")) == 2, "both imports")
    watcher.stop()
    assert [run.split()[0] for run in runs(hq)][-2:] == ["customers", "activities"]
    assert [a["customer"] for a in activities_json(hq)] == ["C-3001"]


def test_a_file_that_arrives_twice_or_late_changes_nothing(
        hq: Bridge, watching: Callable[..., Watching], folder: Path) -> None:
    watcher = watching()
    newer = visits("MA-1", name="Newer", modified_at=zulu(at(-1, "10:00", "UTC")))
    drop(folder, "visits.json", newer)
    wait_for(lambda: len(in_folder(folder, "done")) == 1, "the first import")
    drop(folder, "visits.json", newer)  # the same file again
    wait_for(lambda: len(in_folder(folder, "done")) == 2, "the second import")
    drop(folder, "older.json", visits("MA-1", name="Older",
                                      modified_at=zulu(at(-1, "09:00", "UTC"))))
    wait_for(lambda: len(in_folder(folder, "done")) == 3, "the late import")
    watcher.stop()
    assert [a["name"] for a in activities_json(hq)] == ["Newer"]
    assert [" ".join(run.split()[3:7]) for run in runs(hq)[-3:]] == [
        "1 1 0 0", "1 0 0 1", "1 0 0 0"]  # read, new, updated, unchanged


def test_a_file_that_cannot_be_imported_goes_to_failed_with_the_reason(
        hq: Bridge, watching: Callable[..., Watching], folder: Path) -> None:
    drop(folder, "broken.json", visits("MA-1")[:-20])
    watcher = watching()
    wait_for(lambda: in_folder(folder, "failed") == ["broken.json"], "the failed import")
    watcher.stop()
    [reason] = (folder / "failed").glob("*.error.txt")
    assert "broken JSON" in reason.read_text(encoding="utf-8")
    assert activities_json(hq) == []


def test_a_watcher_killed_mid_import_imports_the_file_once_at_its_restart(
        hq: Bridge, watching: Callable[..., Watching], folder: Path, database_url: str) -> None:
    drop(folder, "visits.json", visits(*(f"MA-{n}" for n in range(1, 20001))))
    first = watching()
    wait_for(lambda: list(folder.glob("importing/*.json")), "the file claimed")
    wait_for(lambda: "activities running" in " ".join(runs(hq)), "the run under way")
    first.stop(signal.SIGKILL)
    assert activities_json(hq, "--limit", "1") == []  # nothing of the killed run
    second = watching()
    wait_for(lambda: in_folder(folder, "done") == ["visits.json"], "the import after restart",
             seconds=300)
    second.stop()
    assert [run.split()[:2] for run in runs(hq)][-2:] == [
        ["activities", "interrupted"], ["activities", "succeeded"]]


def test_a_file_imported_just_before_the_watcher_stopped_is_not_imported_again(
        hq: Bridge, watching: Callable[..., Watching], folder: Path) -> None:
    claimed = folder / "importing" / f"{NOW:%Y%m%dT%H%M%S.%fZ}-visits.json"
    claimed.parent.mkdir()
    claimed.write_bytes(visits("MA-1"))
    # The watcher's run committed; it was killed before it moved the file on.
    assert hq("import", "activities", claimed.resolve()).exit_code == 0
    watcher = watching("--once")
    assert watcher.process.wait(timeout=60) == 0
    assert "imported before as run" in watcher.stop()
    assert in_folder(folder, "done") == ["visits.json"]
    assert len(runs(hq)) == 3  # employees, customers, that one run: no second


def test_two_watchers_of_one_folder_take_turns(hq: Bridge, watching: Callable[..., Watching],
                                               folder: Path) -> None:
    first = watching()
    wait_for(lambda: first.said("Watching"), "the first watcher")
    second = watching()
    wait_for(lambda: second.said("this one waits for its turn"), "the second to wait")
    for n in range(1, 6):
        drop(folder, f"visits-{n}.json", visits(f"MA-{n}"))
    wait_for(lambda: len(in_folder(folder, "done")) == 5, "five imports")
    first.stop()
    drop(folder, "visits-6.json", visits("MA-6"))  # the stand-in takes over
    wait_for(lambda: len(in_folder(folder, "done")) == 6, "the stand-in's import")
    second.stop()
    assert len(activities_json(hq)) == 6
    assert len([run for run in runs(hq) if run.startswith("activities")]) == 6


def test_the_status_sweep_runs_without_an_import(hq: Bridge, watching: Callable[..., Watching],
                                                 folder: Path, write_export: WriteExport) -> None:
    # imported with a clock three days ago, it was in the future; by the watcher's (the
    # time) its period has passed
    past = appointment("MA-1", start=iso(-2, "09:00"), end=iso(-2, "10:00"))
    assert hq("import", "activities", write_export("appointments", [past]),
              "--now", at(-3, "09:00", "UTC").isoformat()).exit_code == 0
    assert activities_json(hq)[0]["status"] == "Planned"
    watcher = watching("--once")
    assert watcher.process.wait(timeout=60) == 0
    assert "1 appointment(s) not processed in time are now Delayed" in watcher.stop()
    assert activities_json(hq)[0]["status"] == "Delayed"
