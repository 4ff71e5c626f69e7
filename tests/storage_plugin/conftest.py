"""A real `bridge serve` on 127.0.0.1 over the test database, and clients for it."""

import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import caldav
import pytest
import requests

from bridge.infra.db import shared_engine
from storage_plugin.server import configuration, serve_in_thread
from tests.clock import at, day, iso, local_stamp, stamp
from tests.conftest import (
    BRIDGE,  # (the tests here import it from here)
    Bridge,
    close_opened,
    opened,
)

PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str

    def client(self, login: str, password: str = PASSWORD) -> caldav.DAVClient:
        """A ``caldav`` client signed in as ``login`` (closed when the test ends)."""
        return opened(caldav.DAVClient(url=self.url, username=login, password=password))

    def http(self, login: str, password: str = PASSWORD) -> requests.Session:
        """A plain HTTP session signed in as ``login`` (closed when the test ends), whose
        requests wait at most REQUEST_SECONDS for their answers."""
        session = opened(_Session())
        session.auth = (login, password)
        return session

    def put(self, login: str, path: str, text: str, **headers: str) -> requests.Response:
        """PUT an iCalendar object at ``path`` (relative to the server) as ``login``."""
        with self.http(login) as http:
            return http.put(self.url + path, data=text,
                            headers={"Content-Type": "text/calendar", **headers})

    def privileges(self, login: str, path: str) -> str:
        """The current-user-privilege-set ``login`` is shown on ``path`` (the XML answer)."""
        with self.http(login) as http:
            return http.request(
                "PROPFIND", self.url + path, headers={"Depth": "0"},
                data='<propfind xmlns="DAV:"><prop><current-user-privilege-set/></prop>'
                     '</propfind>',
            ).text


REQUEST_SECONDS = 240
"""How long a request of a test's HTTP session waits for its answer: a server that never
answers fails the test naming the request, well before the test's own time runs out (600 s,
pytest-timeout) and ends it with no word of what it was waiting for."""


class _Session(requests.Session):
    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_SECONDS)
        return super().request(method, url, *args, **kwargs)


TEST_CONFIG = {"auth": {"delay": "0"}, "server": {"delay_on_error": "0"}}
"""Radicale slows down refused requests (against guessing); tests need not wait."""


@pytest.fixture
def staff_passwords(hq: Bridge) -> None:
    for login in ("awhite", "bwilson", "cdavis", "eclerk"):
        result = hq("employees", "set-password", login, "--password-stdin", input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output


@contextmanager
def serving(database_url: str, **sections: dict[str, str]) -> Iterator[Server]:
    """The server with our plugins over the database, in a thread of the test process (real
    HTTP on 127.0.0.1), with TEST_CONFIG and ``sections`` laid over the defaults."""
    port = free_port()
    loaded = configuration(database_url, port=port).configuration
    loaded.update(TEST_CONFIG, "tests")
    loaded.update(sections, "this test")
    shutdown, stop = socket.socketpair()
    thread = threading.Thread(target=serve_in_thread, args=(loaded, stop), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/"
    _wait_for(url, thread.is_alive)
    yield Server(url)
    shutdown.close()
    thread.join(timeout=10)
    stop.close()
    shared_engine(database_url).dispose()  # its pooled connections hold files open


@pytest.fixture
def server(staff_passwords: None, database_url: str) -> Iterator[Server]:
    """The server over the test database; every employee of tests.conftest.hq has PASSWORD."""
    with serving(database_url) as served:
        yield served


CLIENT_STALL_SECONDS = 600
"""How long the servers the tests start wait for a client's request (see start_bridge_serve)."""


def start_bridge_serve(database_url: str, config_dir: Path, log_level: str = "debug", *,
                       catalog: Path | None = None, workers: int = 1,
                       tls: str = "", cwd: Path | None = None, storage: str = "",
                       server_settings: str = "") -> tuple[Server, subprocess.Popen[bytes]]:
    """`bridge serve` exactly as an operator starts it, as a separate process (of the
    databases of ``catalog``, if given; in ``workers`` processes; serving HTTPS with the
    ``[server]`` settings ``tls``, if given; with the ``[storage]`` settings ``storage`` and
    the further ``[server]`` settings ``server_settings``; in the working folder ``cwd``, if
    given)."""
    port = free_port()
    config = config_dir / f"radicale-{port}.ini"
    # A client connection that sends nothing is closed after [server] timeout (30 s by
    # default): on CI the tests' own process, the clients, has stalled for 40-52 s between
    # connecting and sending, and its request then found the connection closed.
    server = (f"[server]\ntimeout = {CLIENT_STALL_SECONDS}\n{server_settings}\n"
              + (f"ssl = True\n{tls}\n" if tls else ""))
    config.write_text(f"{server}[auth]\ndelay = 0\n[logging]\nlevel = {log_level}\n"
                      + (f"[storage]\n{storage}\n" if storage else ""), encoding="utf-8")
    databases = ["--databases", str(catalog)] if catalog else ["--database", database_url]
    # (below debug, the log goes to a file that stop_serving shows: pytest prints it when
    # the test failed)
    log = None if log_level == "debug" else (config_dir / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [BRIDGE, *databases, "serve", "--port", str(port), "--config", config,
         "--workers", str(workers)], cwd=cwd,
        stdout=subprocess.PIPE if log is None else log, stderr=subprocess.STDOUT,
    )
    if log is not None:
        log.close()  # (the server has its own copy)
        _logs[process.pid] = Path(log.name)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/"
    _wait_for(url, lambda: process.poll() is None)
    return Server(url), process


_logs: dict[int, Path] = {}


def stop_serving(process: subprocess.Popen[bytes]) -> None:
    """Stop a server :func:`start_bridge_serve` started, the clients' kept connections
    closed first (a stopping server waits for a request on each for 2 s: gunicorn's
    STOP_KEEPALIVE_LINGER); print its log if it kept one."""
    close_opened()
    process.terminate()
    process.wait(timeout=10)
    log = _logs.pop(process.pid, None)
    if log is not None:
        print(f"--- log of the server {process.pid} ---\n{log.read_text(errors='replace')}")


@pytest.fixture
def served_by_command(staff_passwords: None, database_url: str,
                      tmp_path: Path) -> Iterator[tuple[Server, subprocess.Popen[bytes]]]:
    """`bridge serve` exactly as an operator starts it, as a separate process."""
    served, process = start_bridge_serve(database_url, tmp_path)
    yield served, process
    stop_serving(process)


START_SECONDS = 90
"""How long a test server may take to answer its first request: it starts in 2–5 s, but CI's
machine has paused processes for 20 s and more (a server counted as not started failed a test)."""


def _wait_for(url: str, running: Callable[[], bool]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:  # (not following the redirect to the cockpit: its first page takes longer)
            if url.startswith("https:"):  # (it may want a client certificate: it listens)
                socket.create_connection(("127.0.0.1", int(url.split(":")[2].strip("/"))),
                                         timeout=1).close()
            else:
                requests.get(url, timeout=1, allow_redirects=False)
            return
        except (OSError, requests.ConnectionError, requests.Timeout):
            if not running() or time.monotonic() > deadline:
                raise RuntimeError(f"the server at {url} did not start") from None
            time.sleep(0.05)


def calendar(client: caldav.DAVClient, path: str) -> caldav.Calendar:
    return caldav.Calendar(client=client, url=client.url.join(path))


@dataclass
class Fetched:
    """An item as a client fetched it: its session, URL and the GET answer."""

    http: requests.Session
    url: str
    answer: requests.Response


@pytest.fixture
def hq_appointment(server: Server, hq: Bridge) -> Fetched:
    """HQ-000001 "Visit", an HQ appointment of bwilson in VISIT_DAYS days at 10:00 Warsaw
    (when EVENT is), as bwilson's client fetched it."""
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", VISIT_START).exit_code == 0
    [event] = calendar(server.client("bwilson"), "bwilson/appointments/").events()
    http = server.http("bwilson")
    return Fetched(http, str(event.url), http.get(str(event.url)))


VISIT_DAYS = 8
"""Days from today of EVENT (10:00-11:00 in Warsaw) and of ``hq_appointment``."""
VISIT_START = iso(VISIT_DAYS, "10:00")
"""When EVENT and ``hq_appointment`` start, as HQ shows it."""
VISIT_DAY = stamp(day(VISIT_DAYS))
"""The iCalendar DATE of EVENT and ``hq_appointment`` (``20270105``)."""


def moved_a_day(text: str) -> str:
    """``text`` (EVENT or ``hq_appointment``'s item) with its times the day after."""
    return text.replace(f"{VISIT_DAY}T1", f"{stamp(day(VISIT_DAYS + 1))}T1")


EVENT = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VEVENT
UID:{{uid}}
SUMMARY:{{summary}}
DTSTART;TZID=Europe/Warsaw:{local_stamp(VISIT_DAYS, "10:00")}
DTEND;TZID=Europe/Warsaw:{local_stamp(VISIT_DAYS, "11:00")}
DESCRIPTION:{{description}}
END:VEVENT
END:VCALENDAR
"""

DUE = stamp(at(VISIT_DAYS + 1, "15:00", "UTC"))
"""When TODO is due: the day after EVENT, 15:00 UTC."""

TODO = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VTODO
UID:{{uid}}
SUMMARY:{{summary}}
DUE:{DUE}
{{extra}}END:VTODO
END:VCALENDAR
"""
