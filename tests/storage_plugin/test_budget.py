"""A request that runs past its budget of work ends cleanly (``bridge.infra.budget``): it is
answered 503 with ``Retry-After``, changes nothing and frees its lock; a `bridge serve` process
whose request never checks its budget is replaced, while the others keep serving."""

import logging
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import (
    BRIDGE,
    CLIENT_STALL_SECONDS,
    EVENT,
    PASSWORD,
    Server,
    _wait_for,
    free_port,
    serving,
)
from tests.storage_plugin.test_workers import workers_of

UNCHECKED = {"recurrence_check_seconds": "600"}
"""(``[storage]``) The recurrence check before Radicale reads a PUT stops by its own clock a
parse that takes long (``bridge.calendars.recurrence``); these tests need the parse to go on."""


def costly_event(uid: str, lines: int) -> str:
    """An event of ``lines`` properties of its own: real work to read (none of it checks the
    budget: Radicale parses a PUT's body before its write takes the lock)."""
    notes = "".join(f"X-NOTE-{n};X-A=1;X-B=2:note number {n}\r\n" for n in range(lines))
    return EVENT.format(uid=uid, summary="Costly", description="").replace(
        "END:VEVENT", notes + "END:VEVENT")


def test_a_write_past_its_budget_is_answered_503_changes_nothing_and_frees_its_lock(
        staff_passwords: None, database_url: str, hq: Bridge,
        caplog: pytest.LogCaptureFixture) -> None:
    with serving(database_url, storage={"request_budget": "0.001", "hard_limit": "0"}) as tight, \
            serving(database_url, storage={"write_wait": "2"}) as ordinary:
        path = "bwilson/appointments/costly.ics"
        with caplog.at_level(logging.WARNING, logger="radicale"):
            refused = tight.put("bwilson", path, costly_event("costly", 300))
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        assert "more than 0.001 s of work" in refused.text
        assert "nothing was changed" in refused.text
        [line] = [record.getMessage() for record in caplog.records
                  if "stopped after" in record.getMessage()]
        assert line.startswith(f"PUT /{path} by bwilson stopped after ")
        assert "over its budget of 0.001 s" in line
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert activities_json(hq) == []
        assert ordinary.http("bwilson").get(ordinary.url + path).status_code == 404
        started = time.monotonic()  # another writer of the calendar, at once: not kept waiting
        other = ordinary.put("bwilson", "bwilson/appointments/next.ics",
                             EVENT.format(uid="next", summary="Next", description=""))
        assert other.status_code == 201 and time.monotonic() - started < 2
        assert [activity["name"] for activity in activities_json(hq)] == ["Next"]


def test_the_server_in_a_thread_logs_a_request_past_its_hard_limit_loudly(
        staff_passwords: None, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Radicale's own server in a thread of the tests' process cannot stop the request's
    thread: it says so, with where the thread is."""
    with serving(database_url, server={"max_resource_size": "8000000"},
                 storage={"request_budget": "0.05", "hard_limit": "2", **UNCHECKED}) as tight, \
            caplog.at_level(logging.CRITICAL, logger="bridge.budget"):
        slow = tight.put("bwilson", "bwilson/appointments/slow.ics",
                         costly_event("slow", 40_000))  # (seconds to parse)
    assert slow.status_code == 503  # (at its first check: the write lock)
    [record] = [record for record in caplog.records if record.name == "bridge.budget"]
    message = record.getMessage()
    assert message.startswith("PUT /bwilson/appointments/slow.ics by bwilson has run ")
    assert "more than 2 times its budget of 0.05 s" in message
    assert "this single process cannot stop it" in message
    assert "`bridge serve` replaces" in message
    assert "Its thread is at:" in message and "do_PUT" in message


def test_a_read_past_its_budget_is_answered_503(staff_passwords: None, database_url: str) -> None:
    with serving(database_url, storage={"report_budget": "0.001"}) as tight:
        http = tight.http("bwilson")
        listing = http.request("PROPFIND", tight.url + "bwilson/appointments/",
                               headers={"Depth": "1"})
        assert listing.status_code == 503 and "Retry-After" in listing.headers
        created = tight.put("bwilson", "bwilson/appointments/w.ics",
                            EVENT.format(uid="w", summary="Written", description=""))
        assert created.status_code == 201  # (writes have their own budget)


def test_a_budget_that_is_not_a_number_is_refused_at_start(
        database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "radicale.ini"
    config.write_text("[storage]\nrequest_budget = soon\n", encoding="utf-8")
    result = subprocess.run([BRIDGE, "--database", database_url, "serve", "--port",
                             str(free_port()), "--config", config],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "[storage] request_budget must be a number (0 or more), not 'soon'" in result.stderr


STUCK_LINES = 120_000
"""Properties of the write that runs for seconds without checking its budget (about 6 MB:
more than 10 s here to parse; its hard limit is 2 s of work)."""


@contextmanager
def tight_serve(database_url: str, tmp_path: Path,
                workers: int) -> Iterator[tuple[Server, subprocess.Popen[bytes], Path]]:
    """`bridge serve --workers N` whose writes may take 1 s of work, 2 s before their
    worker counts as stuck (reads keep the default budget)."""
    port = free_port()
    config = tmp_path / "radicale.ini"
    config.write_text(f"[server]\ntimeout = {CLIENT_STALL_SECONDS}\n"
                      "max_resource_size = 20000000\n[auth]\ndelay = 0\n"
                      "[storage]\nrequest_budget = 1\nhard_limit = 2\n"
                      f"recurrence_check_seconds = {UNCHECKED['recurrence_check_seconds']}\n"
                      "[logging]\nlevel = warning\n", encoding="utf-8")
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([BRIDGE, "--database", database_url, "serve", "--port",
                                    str(port), "--config", config, "--workers", str(workers)],
                                   stdout=output, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/")
    try:
        _wait_for(server.url, lambda: process.poll() is None)
        yield server, process, log
    finally:
        process.terminate()
        process.wait(timeout=30)
        print(log.read_text(errors="replace"))


@pytest.fixture
def two_tight_workers(staff_passwords: None, database_url: str,
                      tmp_path: Path) -> Iterator[tuple[Server, subprocess.Popen[bytes], Path]]:
    with tight_serve(database_url, tmp_path, 2) as served:
        yield served


def test_a_worker_whose_request_never_checks_its_budget_is_replaced_the_other_serves(
        two_tight_workers: tuple[Server, subprocess.Popen[bytes], Path]) -> None:
    server, process, log = two_tight_workers
    deadline = time.monotonic() + 30
    while len(workers_of(process)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    before = workers_of(process)
    assert len(before) == 2
    path = "bwilson/appointments/stuck.ics"
    outcome: list[object] = []

    def stuck_write() -> None:
        try:
            outcome.append(requests.put(
                server.url + path, data=costly_event("stuck", STUCK_LINES), timeout=120,
                auth=("bwilson", PASSWORD), headers={"Content-Type": "text/calendar"}
            ).status_code)
        except requests.RequestException as error:  # (the worker may end first)
            outcome.append(type(error).__name__)

    writer = threading.Thread(target=stuck_write)
    writer.start()
    polls: list[int | str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # a phone polling meanwhile, each poll a connection
        try:
            polls.append(requests.request(
                "PROPFIND", server.url + "bwilson/appointments/", headers={"Depth": "0"},
                auth=("bwilson", PASSWORD), timeout=30).status_code)
        except requests.RequestException as error:
            polls.append(type(error).__name__)
        if not writer.is_alive() and len(workers_of(process) - before) >= 1:
            break
        time.sleep(0.05)
    writer.join(timeout=60)
    after = workers_of(process)
    assert len(before - after) == 1 and len(after) == 2, (before, after)  # one replaced
    assert outcome and outcome[0] in (503, "ConnectionError", "ChunkedEncodingError"), outcome
    assert len(polls) > 10 and set(polls) == {207}, polls
    written = requests.put(server.url + "bwilson/appointments/after.ics",
                           data=EVENT.format(uid="after", summary="After", description=""),
                           auth=("bwilson", PASSWORD), headers={"Content-Type": "text/calendar"},
                           timeout=30)
    assert written.status_code == 201  # (the stuck write's lock was freed with its worker)
    assert requests.get(server.url + path, auth=("bwilson", PASSWORD),
                        timeout=30).status_code == 404
    text = log.read_text(errors="replace")
    assert f"PUT /{path} by bwilson has run" in text
    assert "more than 2 times its budget of 1 s" in text
    assert "is replaced. Its thread is at:" in text


def test_one_process_whose_request_never_checks_its_budget_is_replaced_and_serves_again(
        staff_passwords: None, database_url: str, tmp_path: Path) -> None:
    """`bridge serve` without --workers: its one process is replaced as a worker is, and
    the stuck write's lock is freed with it."""
    with tight_serve(database_url, tmp_path, 1) as (server, process, log):
        deadline = time.monotonic() + 30
        while not workers_of(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        before = workers_of(process)
        assert len(before) == 1
        path = "bwilson/appointments/stuck.ics"
        try:
            outcome: int | str = requests.put(
                server.url + path, data=costly_event("stuck", STUCK_LINES), timeout=120,
                auth=("bwilson", PASSWORD), headers={"Content-Type": "text/calendar"}
            ).status_code
        except requests.RequestException as error:  # (the process may end first)
            outcome = type(error).__name__
        assert outcome in (503, "ConnectionError", "ChunkedEncodingError"), outcome
        deadline = time.monotonic() + 60
        while not workers_of(process) - before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers_of(process) - before) == 1  # a new process
        _wait_for(server.url, lambda: process.poll() is None)
        written = requests.put(server.url + "bwilson/appointments/after.ics",
                               data=EVENT.format(uid="after", summary="After", description=""),
                               auth=("bwilson", PASSWORD),
                               headers={"Content-Type": "text/calendar"}, timeout=30)
        assert written.status_code == 201
        assert requests.get(server.url + path, auth=("bwilson", PASSWORD),
                            timeout=30).status_code == 404
        assert "is replaced. Its thread is at:" in log.read_text(errors="replace")
