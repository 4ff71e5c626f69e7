"""A refused write says which rule refused it, and a signed-in user gets the answer at once:
only answers to what may be password guessing (401) keep Radicale's delay.

"At once" is told apart from "after the delay" by a delay of minutes, not by a stopwatch: a
machine that stalls for seconds (CI's has, for 20 s and more) cannot pass a delayed answer
off as one at once, nor fail one that was."""

import base64
import http.client
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.storage_plugin.conftest import EVENT, PASSWORD, Server, serving

DELAY = 2.0
"""The login delay of the test that a wrong password waits for it."""
LONG_DELAY = 600.0
"""The login delay of the tests that a refused write does not wait for it: an answer in
less than half of it was not delayed."""
VCARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new-card\r\nFN:New customer\r\nEND:VCARD\r\n"


@pytest.fixture
def slow_guessing(staff_passwords: None, database_url: str) -> Iterator[Server]:
    """The server with a login delay as an operator would set it."""
    with serving(database_url, auth={"delay": str(DELAY)}) as served:
        yield served


@pytest.fixture
def very_slow_guessing(staff_passwords: None, database_url: str) -> Iterator[Server]:
    """The server with a login delay of minutes."""
    with serving(database_url, auth={"delay": str(LONG_DELAY)}) as served:
        yield served


def timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def put(server: Server, login: str, path: str, text: str,
        password: str = PASSWORD) -> requests.Response:
    return server.http(login, password).put(server.url + path, data=text,
                                            headers={"Content-Type": "text/calendar"})


EVENT_TEXT = EVENT.format(uid="refused-1", summary="Mine now", description="")


@pytest.mark.parametrize(("login", "method", "path", "body", "reason"), [
    ("bwilson", "PUT", "bwilson/mobile/x.ics", EVENT_TEXT,
     "appointments from the mobile app are read-only"),
    ("bwilson", "PUT", "bwilson/customers/x.vcf", VCARD, "customers are read-only"),
    ("awhite", "PUT", "bwilson/appointments/x.ics", EVENT_TEXT,
     "you see the calendars of bwilson read-only, as their manager"),
    ("bwilson", "DELETE", "bwilson/", "", "your calendar home itself cannot be changed"),
    ("bwilson", "PUT", "cdavis/appointments/x.ics", EVENT_TEXT,
     "/cdavis/ is not your calendar home"),
    ("eclerk", "MKCALENDAR", "eclerk/mine/", "", "only sales representatives have calendars"),
])
def test_a_refused_write_names_its_rule_at_once(very_slow_guessing: Server, login: str,
                                                method: str, path: str, body: str,
                                                reason: str) -> None:
    answer, took = timed(lambda: very_slow_guessing.http(login).request(
        method, very_slow_guessing.url + path, data=body,
        headers={"Content-Type": "text/calendar"}))
    assert answer.status_code == 403
    assert reason in answer.text
    assert took < LONG_DELAY / 2


def test_a_wrong_password_is_still_answered_slowly(slow_guessing: Server) -> None:
    answer, took = timed(lambda: put(slow_guessing, "bwilson", "bwilson/appointments/x.ics",
                                     EVENT_TEXT, password="guess"))
    assert answer.status_code == 401
    assert took >= DELAY / 2


def test_the_status_line_carries_the_reason_for_sync_logs(server: Server) -> None:
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    credentials = base64.b64encode(f"bwilson:{PASSWORD}".encode()).decode()
    connection.request("PUT", "/bwilson/mobile/x.ics", body=EVENT_TEXT,
                       headers={"Authorization": f"Basic {credentials}"})
    response = connection.getresponse()
    assert response.status == 403
    assert response.reason.startswith("Forbidden: appointments from the mobile app are read-only")
    connection.close()
