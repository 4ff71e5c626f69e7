"""A real `bridge serve` on 127.0.0.1 over the test database, and clients for it."""

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import caldav
import pytest
import requests
from click.testing import Result

from tests.conftest import NOW_ISO

BRIDGE = str(Path(sys.executable).parent / "bridge")
PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def client(self, login: str, password: str = PASSWORD) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url, username=login, password=password)

    def http(self, login: str, password: str = PASSWORD) -> requests.Session:
        session = requests.Session()
        session.auth = (login, password)
        return session


@pytest.fixture
def server(hq: Callable[..., Result], database_url: str) -> Iterator[Server]:
    """`bridge serve` on the HQ of tests.conftest.hq; every employee has PASSWORD."""
    for login in ("awhite", "bwilson", "cdavis", "ddiaz", "eclerk"):
        result = hq("employees", "set-password", login, "--password-stdin", input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    port = free_port()
    process = subprocess.Popen(
        [BRIDGE, "--database", database_url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"bridge serve did not start:\n{output}") from None
            time.sleep(0.1)
    yield Server(url, process)
    process.terminate()
    process.wait(timeout=10)


def calendar(client: caldav.DAVClient, path: str) -> caldav.Calendar:
    return caldav.Calendar(client=client, url=client.url.join(path))


EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VEVENT
UID:{uid}
SUMMARY:{summary}
DTSTART;TZID=Europe/Warsaw:20261203T100000
DTEND;TZID=Europe/Warsaw:20261203T110000
DESCRIPTION:{description}
END:VEVENT
END:VCALENDAR
"""

TODO = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VTODO
UID:{uid}
SUMMARY:{summary}
DUE:20261204T150000Z
{extra}END:VTODO
END:VCALENDAR
"""

__all__ = ["NOW_ISO"]
