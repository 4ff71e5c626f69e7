"""`bridge serve --workers N`: the server in N processes (gunicorn) on one database.

Many clients at once across workers lose no write and see every change; a worker killed in
the middle of writes loses no write it acknowledged, the others keep serving and it is
replaced; the number of workers comes from the command line or the configuration file.
"""

import base64
import http.client
import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import requests

from tests.clock import NOW_ISO
from tests.conftest import MODIFIED_AT, Bridge, WriteExport, appointment, run_command
from tests.storage_plugin.conftest import (
    BRIDGE,
    PASSWORD,
    Server,
    free_port,
    start_bridge_serve,
    stop_serving,
)
from tests.storage_plugin.test_races import event
from tests.storage_plugin.test_sync import sync_collection

CLIENTS = 32
SHARED_ITEMS = 8
OPERATIONS = 10
"""Writes of each client: the test is bounded by work, not by time."""
PRIVATE = "bwilson/private/"


@pytest.fixture
def four_workers(staff_passwords: None, database_url: str,
                 tmp_path: Path) -> Iterator[tuple[Server, subprocess.Popen[bytes]]]:
    served, process = start_bridge_serve(database_url, tmp_path, log_level="warning", workers=4)
    yield served, process
    stop_serving(process)


def workers_of(process: subprocess.Popen[bytes]) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True,
                           check=False)
    return {int(pid) for pid in found.stdout.split()}


def summary_of(text: str) -> str:
    return str(icalendar.Calendar.from_ical(text).walk("VEVENT")[0]["SUMMARY"])


@dataclass
class Outcomes:
    """What the clients saw, for the checks a user would make afterwards."""

    statuses: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    applied: defaultdict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list))
    """Per shared item: (the version a write was based on, the version it wrote), for every
    write answered 2xx."""
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str, status: int) -> None:
        with self.lock:
            self.statuses[f"{what} {status}"] += 1


def client_work(server: Server, index: int, outcomes: Outcomes) -> None:
    """Conditional writes to a shared item, and an item of its own created and (every other
    client) deleted again — as a calendar app does."""
    http = server.http("bwilson")
    shared = f"{server.url}{PRIVATE}shared-{index % SHARED_ITEMS}.ics"
    for operation in range(OPERATIONS):
        seen = http.get(shared, timeout=60)
        outcomes.saw("GET", seen.status_code)
        based_on, version = summary_of(seen.text), f"client {index} write {operation}"
        written = http.put(shared, data=event(shared, version), timeout=60,
                           headers={"If-Match": seen.headers["ETag"]})
        outcomes.saw("PUT", written.status_code)
        if written.ok:
            with outcomes.lock:
                outcomes.applied[shared].append((based_on, version))
    own = f"{server.url}{PRIVATE}own-{index}.ics"
    created = http.put(own, data=event(own, f"own {index}"), timeout=60,
                       headers={"If-None-Match": "*"})
    outcomes.saw("PUT", created.status_code)
    outcomes.created.add(own)
    if index % 2:
        etag = http.get(own, timeout=60).headers["ETag"]
        deleted = http.delete(own, headers={"If-Match": etag}, timeout=60)
        outcomes.saw("DELETE", deleted.status_code)
        outcomes.deleted.add(own)


def test_32_clients_on_4_workers_lose_no_write_while_imports_run(
        four_workers: tuple[Server, subprocess.Popen[bytes]], hq: Bridge, database_url: str,
        write_export: WriteExport) -> None:
    server, _ = four_workers
    http = server.http("bwilson")
    assert http.request("MKCALENDAR", server.url + PRIVATE).status_code == 201
    for item in range(SHARED_ITEMS):
        href = f"{server.url}{PRIVATE}shared-{item}.ics"
        assert http.put(href, data=event(href, f"version 0 of {item}")).status_code == 201
    first_tokens = [sync_collection(server, "bwilson", PRIVATE)[0] for _ in range(CLIENTS)]
    outcomes = Outcomes()
    imports: list[int] = []
    done = threading.Event()

    def import_meanwhile() -> None:  # an HQ import of the mobile system's appointments
        while not done.is_set() or not imports:
            modified = datetime.fromisoformat(MODIFIED_AT) + timedelta(minutes=len(imports) % 60)
            changed = [appointment(f"MA-{n}", name=f"Import {len(imports)}",
                                   modified_at=modified.isoformat())
                       for n in range(20)]
            run_command(database_url, "import", "activities",
                        str(write_export("appointments", changed)), "--now", NOW_ISO)
            imports.append(len(changed))

    importer = threading.Thread(target=import_meanwhile)
    importer.start()
    clients = [threading.Thread(target=client_work, args=(server, index, outcomes))
               for index in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    done.set()
    importer.join()

    print(f"\n{CLIENTS} clients on 4 workers, {len(imports)} imports meanwhile: "
          f"{dict(outcomes.statuses)}")
    assert set(outcomes.statuses) <= {"GET 200", "PUT 201", "PUT 204", "PUT 412",
                                      "DELETE 200"}, outcomes.statuses
    for href, applied in outcomes.applied.items():
        bases = [based_on for based_on, _ in applied]
        assert len(bases) == len(set(bases)), f"two writes of {href} based on one version"
        previous = {written: based_on for based_on, written in applied}
        version, steps = summary_of(http.get(href).text), 0
        while version in previous:  # from what the item holds now back to its first version
            version, steps = previous[version], steps + 1
        assert version.startswith("version 0") and steps == len(applied), (
            f"{href}: {len(applied)} writes applied, {steps} in its history")
    for own in outcomes.created:
        expected = 404 if own in outcomes.deleted else 200
        assert http.get(own).status_code == expected, own
    changed_hrefs = {href.rsplit("/", 1)[1] for href in {*outcomes.applied, *outcomes.created}}
    for token in first_tokens:
        _, changed, gone = sync_collection(server, "bwilson", PRIVATE, token)
        assert changed_hrefs <= changed | gone


def test_a_worker_killed_mid_writes_loses_no_acknowledged_write(
        staff_passwords: None, database_url: str, tmp_path: Path) -> None:
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning", workers=2)
    try:
        assert server.http("bwilson").request("MKCALENDAR", server.url + PRIVATE).ok
        acknowledged: dict[str, str] = {}
        unknown: dict[str, str] = {}  # the connection broke: stored whole, or not at all
        statuses: set[int] = set()
        lock = threading.Lock()
        killed = threading.Event()

        def writer(index: int) -> None:
            http = server.http("bwilson")
            for number in range(40):
                href = f"{server.url}{PRIVATE}kill-{index}-{number}.ics"
                text = event(href, f"writer {index} item {number} " + "x" * 2000)
                try:
                    status = http.put(href, data=text, timeout=60).status_code
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                    with lock:
                        unknown[href] = text
                    http = server.http("bwilson")  # (a new connection)
                    continue
                with lock:
                    statuses.add(status)
                    if status == 201:
                        acknowledged[href] = text
                if number >= 20 and not killed.is_set():
                    killed.wait(30)  # (the second half of the writes after the kill)

        threads = [threading.Thread(target=writer, args=(index,)) for index in range(6)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 30 and time.monotonic() < deadline:  # writes under way
            time.sleep(0.05)
        before = workers_of(process)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        killed.set()
        for thread in threads:
            thread.join()

        replaced = workers_of(process)
        while (len(replaced) < 2 or victim in replaced) and time.monotonic() < deadline:
            time.sleep(0.1)
            replaced = workers_of(process)
        print(f"\nkilled worker {victim} of {sorted(before)}: {len(acknowledged)} writes "
              f"acknowledged, {len(unknown)} broken off; workers now {sorted(replaced)}")
        assert statuses == {201}
        assert len(acknowledged) > 30  # the other worker kept serving
        assert len(replaced) == 2 and victim not in replaced
        http = server.http("bwilson")
        for href, text in acknowledged.items():
            stored = http.get(href)
            assert stored.status_code == 200 and summary_of(stored.text) == summary_of(text)
        for href, text in unknown.items():
            stored = http.get(href)
            assert stored.status_code == 404 or summary_of(stored.text) == summary_of(text)
    finally:
        stop_serving(process)


def test_the_number_of_workers_comes_from_the_configuration_file(
        staff_passwords: None, database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "radicale.ini"
    config.write_text("[server]\nworkers = 3\n[logging]\nlevel = warning\n", encoding="utf-8")
    port = str(free_port())
    process = subprocess.Popen([BRIDGE, "--database", database_url, "serve", "--port", port,
                                "--config", str(config)], stdout=subprocess.PIPE, text=True)
    try:
        assert "in 3 processes" in process.stdout.readline()
        deadline = time.monotonic() + 30
        while len(workers_of(process)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers_of(process)) == 3
    finally:
        stop_serving(process)


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_wrong_number_of_workers_is_named(bridge: Bridge, tmp_path: Path, value: str) -> None:
    config = tmp_path / "radicale.ini"
    config.write_text(f"[server]\nworkers = {value}\n", encoding="utf-8")
    result = bridge("serve", "--config", config)
    assert result.exit_code == 1
    assert f"{config}: [server] workers must be a whole number of at least 1, not '{value}'" \
        in result.output


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "2 workers"])
def test_clients_beyond_capacity_wait_their_turn_and_are_never_reset(
        staff_passwords: None, database_url: str, tmp_path: Path, workers: int) -> None:
    """Three times as many clients at once as the server has threads (max_connections 20
    each): every one is answered, none is reset."""
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         workers=workers)
    clients = 60 * workers
    barrier = threading.Barrier(clients)
    answers: list[int | str] = []

    def poll() -> None:
        http = server.http("bwilson")
        barrier.wait(timeout=60)
        try:
            answers.append(http.request("PROPFIND", server.url + "bwilson/appointments/",
                                        headers={"Depth": "1"}, timeout=120).status_code)
        except requests.RequestException as error:
            answers.append(type(error).__name__)

    try:
        threads = [threading.Thread(target=poll) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop_serving(process)
    assert answers == [207] * clients, sorted(map(str, answers))


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "2 workers"])
def test_a_client_pausing_between_requests_keeps_its_connection(
        staff_passwords: None, database_url: str, tmp_path: Path, workers: int) -> None:
    """A client that sends its next request a few seconds after the last one, on the same
    connection, is answered on it (HTTP/1.1: a phone's next poll pays no new connection; a
    server that had closed the idle connection meanwhile would leave a client sending at that
    moment with "connection closed without response")."""
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         workers=workers)
    connection = _connection(server)
    try:
        sockets = []
        for _ in range(3):
            assert _poll(connection) == 207
            sockets.append(connection.sock)
            time.sleep(3)
        assert sockets[0] is not None and sockets == [sockets[0]] * 3  # never reconnected
    finally:
        connection.close()
        stop_serving(process)


def test_idle_connections_hold_no_thread(staff_passwords: None, database_url: str,
                                         tmp_path: Path) -> None:
    """Clients keeping their connections open between polls do not take the threads that
    answer (``max_connections``): with 2 threads and 8 idle connections, a ninth client is
    answered at once, and so is each of the eight again."""
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         server_settings="max_connections = 2")
    idle = [_connection(server) for _ in range(8)]
    try:
        assert [_poll(connection) for connection in idle] == [207] * 8
        newcomer = _connection(server, timeout=5)  # (it would wait for an idle one to close)
        assert _poll(newcomer) == 207
        newcomer.close()
        assert [_poll(connection) for connection in idle] == [207] * 8
    finally:
        for connection in idle:
            connection.close()
        stop_serving(process)


def _connection(server: Server, timeout: float = 30) -> http.client.HTTPConnection:
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def _poll(connection: http.client.HTTPConnection) -> int:
    """bwilson's appointments' PROPFIND Depth 0 on ``connection``: its status."""
    login = base64.b64encode(f"bwilson:{PASSWORD}".encode()).decode()
    connection.request("PROPFIND", "/bwilson/appointments/",
                       headers={"Authorization": f"Basic {login}", "Depth": "0"})
    answer = connection.getresponse()
    answer.read()
    return answer.status
