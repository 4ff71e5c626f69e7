"""Faults of the database under load: requests in flight fail cleanly — 503 with Retry-After,
never a 500 — and the server recovers by itself (PostgreSQL: connections killed by an
operator, the database server stopped and started again)."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from bridge.cli.main import cli
from bridge.infra import conflicts
from storage_plugin.server import configuration
from storage_plugin.storage import Storage
from tests.conftest import STAFF, WriteExport
from tests.storage_plugin.conftest import (
    PASSWORD,
    Server,
    free_port,
    start_bridge_serve,
    stop_serving,
)
from tests.storage_plugin.test_races import event

PROPFIND = ('<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/><displayname/>'
            '</prop></propfind>')


@dataclass
class Load:
    """Clients reading and writing without pause until stopped; what they got."""

    server: Server
    statuses: Counter[str] = field(default_factory=Counter)
    answered_at: list[tuple[float, int]] = field(default_factory=list)
    without_retry_after: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, index: int) -> None:
        http = self.server.http("bwilson")
        for number in range(100_000):
            if self.stop.is_set():
                return
            href = f"{self.server.url}bwilson/private/load-{index}-{number}.ics"
            try:
                answer = (http.put(href, data=event(href, f"load {number}"), timeout=60)
                          if number % 2 else
                          http.request("PROPFIND", self.server.url + "bwilson/private/",
                                       data=PROPFIND, headers={"Depth": "1"}, timeout=60))
            except requests.RequestException as error:
                self.saw(type(error).__name__, 0)
                continue
            if answer.status_code == 503 and "Retry-After" not in answer.headers:
                self.without_retry_after += 1
            self.saw(str(answer.status_code), answer.status_code)

    def saw(self, what: str, status: int) -> None:
        with self.lock:
            self.statuses[what] += 1
            self.answered_at.append((time.monotonic(), status))

    def successes(self) -> int:
        with self.lock:
            return sum(1 for _, status in self.answered_at if 200 <= status < 300)

    def first_success_after(self, moment: float) -> float | None:
        with self.lock:
            return next((at for at, status in self.answered_at
                         if at > moment and 200 <= status < 300), None)


@contextmanager
def under_load(server: Server, clients: int = 4) -> Iterator[Load]:
    load = Load(server)
    threads = [threading.Thread(target=load.client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield load
    finally:
        load.stop.set()
        for thread in threads:
            thread.join()


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def assert_failed_cleanly(load: Load) -> None:
    """Every answer a success or a 503 with Retry-After: never a 500, never a reset."""
    assert set(load.statuses) <= {"201", "207", "503"}, load.statuses
    assert load.without_retry_after == 0


def recovery(load: Load, since: float) -> float:
    """Seconds from ``since`` to the clients' first success after it (waits up to a minute)."""
    wait_for(lambda: load.first_success_after(since) is not None, 60, "an answer after the fault")
    return load.first_success_after(since) - since  # type: ignore[operator]


@pytest.fixture
def postgresql(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("BRIDGE_TEST_DATABASE_URL is not set: no PostgreSQL to fault")
    return database_url


def test_connections_killed_under_load_fail_cleanly_and_the_server_recovers(
        staff_passwords: None, postgresql: str, tmp_path: Path) -> None:
    server, process = start_bridge_serve(postgresql, tmp_path, log_level="warning", workers=2)
    operator = create_engine(postgresql, connect_args={"application_name": "bridge tests"})
    try:
        assert server.http("bwilson").request("MKCALENDAR",
                                              server.url + "bwilson/private/").status_code == 201
        with under_load(server) as load:
            wait_for(lambda: load.successes() >= 20, 60, "the clients' first answers")
            killed = 0
            for _ in range(10):  # (again and again: some of them in the middle of a request)
                with operator.connect() as connection:
                    killed += sum(connection.scalars(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'bridge serve'")))
                time.sleep(0.1)
            recovered = recovery(load, time.monotonic())
        print(f"\n{killed} server connections killed under load: {dict(load.statuses)}; "
              f"served again {recovered:.2f} s after the last kill")
        assert killed > 0
        assert_failed_cleanly(load)
    finally:
        operator.dispose()
        stop_serving(process)


def test_a_request_whose_connection_is_killed_after_its_reading_keeps_its_answer(
        postgresql: str) -> None:
    """The kill lands between the reading and the end of the read transaction (the moment
    the load test above only hits by chance): the request ends without an error and the next
    one reads on a new connection."""
    storage = Storage(configuration(postgresql).configuration)
    operator = create_engine(postgresql)
    try:
        with storage.acquire_lock("r", "bwilson"):
            backend = storage.run(lambda store: store.session.scalar(
                text("SELECT pg_backend_pid()")))
        with operator.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        storage.end_request()
        with storage.acquire_lock("r", "bwilson"):
            again = storage.run(lambda store: store.session.scalar(
                text("SELECT pg_backend_pid()")))
        storage.end_request()
        assert again != backend
    finally:
        operator.dispose()


def test_a_write_after_its_read_connection_was_killed_is_no_conflict(postgresql: str) -> None:
    """Radicale reads (the principal) before a write: when that read's connection is killed
    in between, the write runs on a new connection and commits — so it must not be
    answered 503 "could not use its database" (the client would retry a stored change)."""
    storage = Storage(configuration(postgresql).configuration)
    operator = create_engine(postgresql)
    try:
        with conflicts.watch() as seen:
            with storage.acquire_lock("r", "bwilson"):
                backend = storage.run(lambda store: store.session.scalar(
                    text("SELECT pg_backend_pid()")))
            with operator.connect() as connection:
                connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            with storage.acquire_lock("w", "bwilson"):
                writer = storage.run(lambda store: store.session.scalar(
                    text("SELECT pg_backend_pid()")))
        assert writer != backend
        assert seen == []
    finally:
        operator.dispose()


@dataclass
class Cluster:
    """A PostgreSQL server of the test's own (never the machine's shared one)."""

    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off", "-l", str(self.data.parent / "server.log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def _ctl(self, *args: str) -> None:
        as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args])


def as_postgres(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@pytest.fixture
def own_cluster(postgresql: str) -> Iterator[Cluster]:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL's initdb is not installed")
    data = Path(tempfile.mkdtemp(prefix="bridge-test-pg-"))
    shutil.chown(data, "postgres")  # (initdb refuses to run as root)
    cluster = Cluster(found[-1].parent, data / "data", free_port())
    as_postgres([str(cluster.bin / "initdb"), "-D", str(cluster.data), "-A", "trust",
                 "-U", "postgres", "--no-sync"])
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(data, ignore_errors=True)


def test_the_database_server_restarted_under_load_fails_cleanly_and_is_served_again(
        own_cluster: Cluster, tmp_path: Path, write_export: WriteExport) -> None:
    url = own_cluster.url
    runner = CliRunner()
    for args, given in [(["init"], None),
                        (["employees", "import", str(write_export("employees", STAFF))], None),
                        (["employees", "set-password", "bwilson", "--password-stdin"],
                         PASSWORD + "\n")]:
        done = runner.invoke(cli, ["--database", url, *args], input=given)
        assert done.exit_code == 0, done.output
    server, process = start_bridge_serve(url, tmp_path, log_level="warning", workers=2)
    try:
        assert server.http("bwilson").request("MKCALENDAR",
                                              server.url + "bwilson/private/").status_code == 201
        with under_load(server) as load:
            wait_for(lambda: load.successes() >= 20, 60, "the clients' first answers")
            own_cluster.stop()
            stopped = time.monotonic()
            wait_for(lambda: sum(status == 503 for at, status in load.answered_at
                                 if at > stopped) >= 8, 60, "answers while it is down")
            own_cluster.start()
            recovered = recovery(load, time.monotonic())
        print(f"\nPostgreSQL stopped and started under load: {dict(load.statuses)}; served "
              f"again {recovered:.2f} s after it was back")
        assert_failed_cleanly(load)
    finally:
        stop_serving(process)
