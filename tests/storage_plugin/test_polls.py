"""A poll asked again (``storage_plugin.polls``) is answered as the full path answers it,
byte for byte, and only while everything it was answered for holds: the password (or device
password) still signs in, the collection is still there, and its ctag and sync token are
the ones of now."""

import base64
import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, update

from bridge.infra.db import transaction
from bridge.models import Employee
from storage_plugin.polls import Polls
from tests.clock import iso
from tests.conftest import Bridge
from tests.storage_plugin.conftest import EVENT, PASSWORD, Server, serving
from tests.storage_plugin.test_device_passwords import made, revoked

POLL = ('<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:" '
        'xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/><D:sync-token/>'
        '</D:prop></D:propfind>')
COLLECTIONS = ["bwilson/appointments/", "bwilson/mobile/", "bwilson/tasks/",
               "bwilson/customers/", "bwilson/private/"]

Answer = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture
def again(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the polls answered again (the servers run in this process)."""
    answered: list[str] = []
    original = Polls.answer

    def counted(self: Polls, key: bytes, environ: Any, start_response: Any) -> Any:
        answer = original(self, key, environ, start_response)
        if answer is not None:
            answered.append(environ["PATH_INFO"])
        return answer
    monkeypatch.setattr(Polls, "answer", counted)
    return answered


@pytest.fixture
def servers(staff_passwords: None, database_url: str) -> Iterator[tuple[Server, Server]]:
    """One server that answers polls again, one that leaves every request to Radicale
    (``fast_reads = False``), on the same database; bwilson has a calendar of his own."""
    with serving(database_url) as fast, serving(
            database_url, storage={"fast_reads": "False"}) as radicale:
        assert fast.http("bwilson").request(
            "MKCALENDAR", fast.url + "bwilson/private/").status_code == 201
        yield fast, radicale


def poll(server: Server, path: str, login: str = "bwilson", password: str = PASSWORD,
         encoding: str = "gzip") -> Answer:
    """A client's poll of ``path``: its status, headers (but the date) and body as sent."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    credentials = base64.b64encode(f"{login}:{password}".encode()).decode()
    try:
        connection.request("PROPFIND", f"/{path}", body=POLL.encode(), headers={
            "Authorization": f"Basic {credentials}", "Depth": "0",
            "Content-Type": "application/xml; charset=utf-8", "Accept-Encoding": encoding})
        response = connection.getresponse()
        return (response.status, [(name, value) for name, value in response.getheaders()
                                  if name.lower() != "date"], response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
@pytest.mark.parametrize("path", COLLECTIONS)
def test_a_poll_asked_again_is_answered_as_radicale_answers_it(
        servers: tuple[Server, Server], again: list[str], path: str, encoding: str) -> None:
    fast, radicale = servers
    first = poll(fast, path, encoding=encoding)
    assert first[0] == 207
    assert poll(fast, path, encoding=encoding) == first == poll(radicale, path,
                                                                 encoding=encoding)
    assert again == [f"/{path}"]


def test_each_answer_again_says_where_the_collection_stands_now(
        servers: tuple[Server, Server], again: list[str], hq: Bridge) -> None:
    fast, radicale = servers
    before = {path: poll(fast, path) for path in COLLECTIONS}
    assert fast.put("bwilson", "bwilson/private/later.ics", EVENT.format(
        uid="later", summary="Later", description="x")).status_code == 201
    assert hq("activities", "add", "-r", "bwilson", "--name", "HQ visit",
              "--start", iso(3, "10:00")).exit_code == 0
    now = {path: poll(fast, path) for path in COLLECTIONS}
    assert now == {path: poll(radicale, path) for path in COLLECTIONS}
    changed = {path for path in COLLECTIONS if now[path] != before[path]}
    assert changed == {"bwilson/private/", "bwilson/appointments/"}
    assert len(again) == len(COLLECTIONS)


def test_a_changed_password_is_checked_again(servers: tuple[Server, Server], again: list[str],
                                             hq: Bridge) -> None:
    fast, _ = servers
    path = "bwilson/mobile/"
    assert poll(fast, path)[0] == poll(fast, path)[0] == 207
    assert hq("employees", "set-password", "bwilson", "--password-stdin",
              input="a new password\n").exit_code == 0
    assert poll(fast, path)[0] == 401
    assert poll(fast, path, password="a new password")[0] == 207
    assert again == [f"/{path}"]


def test_a_deactivated_employee_polls_no_more(servers: tuple[Server, Server], again: list[str],
                                              engine: Engine) -> None:
    fast, _ = servers
    path = "bwilson/appointments/"
    assert poll(fast, path)[0] == poll(fast, path)[0] == 207
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "bwilson")
                        .values(active=False))
    assert poll(fast, path)[0] == 401
    assert again == [f"/{path}"]


def test_a_revoked_device_password_polls_no_more(servers: tuple[Server, Server],
                                                 again: list[str], engine: Engine) -> None:
    fast, _ = servers
    path = "bwilson/tasks/"
    device_id, secret = made(engine)
    assert poll(fast, path, password=secret)[0] == poll(fast, path, password=secret)[0] == 207
    revoked(engine, device_id)
    assert poll(fast, path, password=secret)[0] == 401
    assert poll(fast, path)[0] == 207  # (the account password still signs in)
    assert again == [f"/{path}"]


def test_a_collection_gone_is_answered_as_radicale_answers(
        servers: tuple[Server, Server], again: list[str]) -> None:
    fast, radicale = servers
    path = "bwilson/private/"
    assert poll(fast, path)[0] == poll(fast, path)[0] == 207
    assert fast.http("bwilson").delete(fast.url + path).status_code in (200, 204)
    gone = poll(fast, path)
    assert gone == poll(radicale, path)
    assert gone[0] == 404
    assert again == [f"/{path}"]


def test_another_user_s_poll_is_not_answered_by_the_owner_s(
        servers: tuple[Server, Server], again: list[str]) -> None:
    fast, radicale = servers
    path = "bwilson/mobile/"
    assert poll(fast, path)[0] == 207
    refused = poll(fast, path, login="cdavis")
    assert refused == poll(radicale, path, login="cdavis")
    assert refused[0] in (403, 404)
    assert again == []
