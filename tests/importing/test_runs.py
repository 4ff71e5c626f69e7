"""Runs are idempotent, recorded, and applied whole or not at all."""

import threading
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Engine

from bridge.importing.runs import INTERRUPTED, find_run, list_runs
from bridge.infra import alive
from bridge.infra.db import transaction
from bridge.infra.locks import IMPORT_LOCK
from bridge.models import ImportRun
from bridge.models.runs import RunStatus
from tests.conftest import (
    NOW_ISO,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    customer,
    recorded_as_running,
)


def test_reimporting_the_same_export_changes_nothing(hq: Bridge, write_export: WriteExport) -> None:
    export = write_export("appointments", [appointment(f"MA-{i}") for i in range(20)]
                          + [appointment("MA-X", confirmed=False)])
    first = hq("import", "activities", export, "--now", NOW_ISO)
    assert "imported 20" in first.output
    snapshot = activities_json(hq)
    for _ in range(2):
        again = hq("import", "activities", export, "--now", NOW_ISO)
        assert "imported 0, updated 0, unchanged 20, skipped 1" in again.output
    assert activities_json(hq) == snapshot


def test_reimporting_customers_changes_nothing(hq: Bridge, write_export: WriteExport) -> None:
    export = write_export("customers", [customer("C-1001", name="Acme Trading"),
                                        customer("C-2001", name="Southwind",
                                                 sales_channel="South")])
    result = hq("import", "customers", export, "--now", NOW_ISO)
    assert "imported 0, updated 0, unchanged 2" in result.output


def test_customer_import_creates_and_updates_partners(
        hq: Bridge, write_export: WriteExport) -> None:
    export = write_export("customers", [customer("C-1001", name="Acme Trading Ltd"),
                                        customer("C-3001", sales_channel="West")])
    result = hq("import", "customers", export, "--now", NOW_ISO)
    assert "imported 1, updated 1, unchanged 0" in result.output
    hq("import", "activities", write_export("appointments", [
        appointment("MA-1", customer="C-3001", sales_channel="West")]), "--now", NOW_ISO)
    [activity] = activities_json(hq)
    assert activity["customer_name"] == "Customer C-3001"
    assert activity["sales_channel"] == "West"


def test_each_run_is_recorded_with_who_when_counts_and_messages(
        hq: Bridge, write_export: WriteExport) -> None:
    hq("import", "activities", write_export("appointments", [
        appointment("MA-1"), appointment("MA-2", customer="C-404")]), "--now", NOW_ISO)
    listing = hq("runs", "list").output
    assert "activities" in listing and "succeeded" in listing and "tester" in listing
    shown = hq("runs", "show", "3").output
    assert "started by:   tester" in shown
    assert f"import clock: {NOW_ISO}" in shown
    assert "read 2, imported 1, updated 0, unchanged 0, skipped 1" in shown
    assert "Sales Channel North – 1 element(s)" in shown


def test_unknown_run_is_a_clear_error(hq: Bridge) -> None:
    result = hq("runs", "show", "999")
    assert result.exit_code != 0
    assert "no import run 999" in result.output


def test_dry_run_reports_but_changes_nothing(hq: Bridge, write_export: WriteExport) -> None:
    export = write_export("appointments", [appointment("MA-1"),
                                           appointment("MA-2", customer="C-404")])
    runs_before = hq("runs", "list").output
    result = hq("import", "activities", export, "--now", NOW_ISO, "--dry-run")
    assert result.exit_code == 0
    assert "DRY RUN" in result.output and "imported 1" in result.output
    assert "Sales Channel North – 1 element(s)" in result.output
    assert activities_json(hq) == []
    assert hq("runs", "list").output == runs_before


def test_dry_run_of_customers_changes_nothing(hq: Bridge, write_export: WriteExport) -> None:
    export = write_export("customers", [customer("C-5001")])
    hq("import", "customers", export, "--now", NOW_ISO, "--dry-run")
    hq("import", "activities", write_export("appointments", [
        appointment("MA-1", customer="C-5001")]), "--now", NOW_ISO)
    assert activities_json(hq) == []


def test_a_failed_run_leaves_the_database_as_before_and_is_recorded(
        hq: Bridge, write_export: WriteExport, tmp_path: Path) -> None:
    hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
       "--now", NOW_ISO)
    before = activities_json(hq)
    good = [appointment("MA-1", name="Changed")] + [appointment(f"MA-{i}") for i in range(2, 2500)]
    path = write_export("appointments", good)
    text = path.read_text()
    path.write_text(text[:-200])  # cut: the first chunks are applied before the error is seen
    result = hq("import", "activities", path, "--now", NOW_ISO)
    assert result.exit_code != 0
    assert activities_json(hq) == before
    listing = hq("runs", "list").output.splitlines()
    assert "failed" in listing[1]


def test_a_run_is_listed_as_interrupted_only_once_its_process_is_gone(
        hq: Bridge, write_export: WriteExport, engine: Engine) -> None:
    """A run on record as running whose process lives (here: waiting for the import lock)
    is left running by the runs and looks after it; once its process is gone (its lock
    free), the next look lists it as interrupted."""
    waiting_id = recorded_as_running(engine)
    with alive.holding(engine, waiting_id):
        result = hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
                    "--now", NOW_ISO)
        assert result.exit_code == 0, result.output
        assert " running " in hq("runs", "list").output.splitlines()[2]
    assert " interrupted " in hq("runs", "list").output.splitlines()[2]
    with transaction(engine, write=False) as session:
        assert session.get(ImportRun, waiting_id).status == RunStatus.INTERRUPTED


def test_a_dead_run_is_listed_as_interrupted_also_while_an_import_writes(
        hq: Bridge, engine: Engine) -> None:
    """A look at the runs never waits for an import at work (with SQLite it then cannot mark
    a run): a run whose process is gone is listed and shown as interrupted all the same."""
    dead = recorded_as_running(engine)
    with transaction(engine, take=[IMPORT_LOCK]):  # (an import, writing)
        newest = list_runs(engine, 5)[0]
        assert (newest.id, newest.status) == (dead, RunStatus.INTERRUPTED)
        assert find_run(engine, dead).status == RunStatus.INTERRUPTED
        listing = hq("runs", "list").output.splitlines()
        assert " interrupted " in listing[1], listing
        assert INTERRUPTED in hq("runs", "show", str(dead)).output


def test_a_run_at_work_is_never_listed_as_interrupted(
        hq: Bridge, write_export: WriteExport, engine: Engine) -> None:
    """Runs are looked at (as `bridge runs list` does) without pause while runs start, in
    rounds: none of the runs, which all go on to succeed, was ever listed as interrupted."""
    export = write_export("appointments", [appointment("MA-1")])
    listed: dict[int, set[RunStatus]] = defaultdict(set)
    stop = threading.Event()

    def look() -> None:
        while not stop.is_set():
            for run in list_runs(engine, 3):
                listed[run.id].add(run.status)

    looker = threading.Thread(target=look)
    looker.start()
    try:
        for _ in range(40):
            assert hq("import", "activities", export, "--now", NOW_ISO).exit_code == 0
    finally:
        stop.set()
        looker.join()
    assert len(listed) > 40
    assert [run for run, statuses in listed.items() if RunStatus.INTERRUPTED in statuses] == []
