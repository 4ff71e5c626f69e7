"""Password guesses at the calendar server are throttled per login and per address, with the
counts in the database: a guess on one server process counts on every other. A locked login
is answered 429 with Retry-After, unchecked — the right password too — until the lock has
passed; a client whose password was checked before keeps syncing (guesses cannot lock a
representative out). Passwords and their hashes never appear in the server's log."""

import base64
import time
from pathlib import Path

import requests
from sqlalchemy import Engine, select, update

from bridge.infra.db import transaction
from bridge.models import Employee
from tests.conftest import Bridge, race
from tests.storage_plugin.conftest import (
    PASSWORD,
    Server,
    serving,
    start_bridge_serve,
    stop_serving,
)


def _propfind(server: Server, login: str, password: str) -> requests.Response:
    return server.http(login, password).request("PROPFIND", server.url + f"{login}/",
                                                headers={"Depth": "0"})


def test_forty_parallel_guesses_for_one_login_are_mostly_refused_unchecked(server: Server) -> None:
    statuses = race([lambda n=n: _propfind(server, "bwilson", f"guess-{n}").status_code
                     for n in range(40)])
    checked, refused = statuses.count(401), statuses.count(429)
    assert checked + refused == 40, statuses
    # 5 free failures, the 6th locks (2 s, doubling); whatever the timing, a handful
    assert checked <= 8 and refused >= 32, statuses


def test_a_lock_counts_on_every_server_process_and_passes(
        server: Server, staff_passwords: None, database_url: str) -> None:
    with serving(database_url) as second:
        for n in range(6):
            assert _propfind(server, "cdavis", f"guess-{n}").status_code == 401
        locked = _propfind(second, "cdavis", PASSWORD)
        assert locked.status_code == 429, locked.text
        assert "try again in" in locked.text and int(locked.headers["Retry-After"]) >= 1
        deadline = time.monotonic() + 20
        while (answer := _propfind(second, "cdavis", PASSWORD)).status_code == 429:
            assert time.monotonic() < deadline, "the lock did not pass"
            time.sleep(0.3)
        assert answer.status_code == 207, answer.text


def test_a_client_signed_in_before_keeps_syncing_while_guesses_lock_its_login(
        server: Server) -> None:
    assert _propfind(server, "bwilson", PASSWORD).status_code == 207
    for n in range(8):
        assert _propfind(server, "bwilson", f"guess-{n}").status_code in (401, 429)
    assert _propfind(server, "bwilson", "another-guess").status_code == 429
    assert _propfind(server, "bwilson", PASSWORD).status_code == 207


def test_passwords_and_hashes_never_appear_in_the_log(
        staff_passwords: None, database_url: str, engine: Engine, tmp_path: Path) -> None:
    served, process = start_bridge_serve(database_url, tmp_path, "debug")
    try:
        assert _propfind(served, "bwilson", PASSWORD).status_code == 207
        assert _propfind(served, "awhite", "a-wrong-password-42").status_code == 401
        assert requests.post(served.url + "cockpit/sign-in", data={
            "login": "cdavis", "password": PASSWORD}).status_code in (400, 401)
    finally:
        stop_serving(process)
    log = process.stdout.read().decode("utf-8", "replace")  # type: ignore[union-attr]
    assert "PROPFIND request for '/bwilson/'" in log  # the log is the debug one
    with transaction(engine, write=False) as session:
        hashes = list(session.scalars(select(Employee.password_hash).where(
            Employee.password_hash.is_not(None))))
    secrets = [PASSWORD, "a-wrong-password-42",
               base64.b64encode(f"bwilson:{PASSWORD}".encode()).decode(), *hashes]
    assert hashes and not [secret for secret in secrets if secret in log]


def test_a_changed_password_and_a_deactivated_employee_count_at_once(
        server: Server, hq: Bridge, engine: Engine) -> None:
    """The stored hash and the active flag are read on every request (in the request's own
    read transaction): a client whose password was accepted, and remembered, is refused at
    its next request once the password changed or the employee was deactivated; an unknown
    login is refused like a wrong password."""
    assert _propfind(server, "bwilson", PASSWORD).status_code == 207
    changed = hq("employees", "set-password", "bwilson", "--password-stdin",
                 input="another password of bwilson\n")
    assert changed.exit_code == 0, changed.output
    assert _propfind(server, "bwilson", PASSWORD).status_code == 401
    assert _propfind(server, "bwilson", "another password of bwilson").status_code == 207
    assert _propfind(server, "cdavis", PASSWORD).status_code == 207
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "cdavis").values(active=False))
    assert _propfind(server, "cdavis", PASSWORD).status_code == 401
    assert _propfind(server, "nobody-at-all", PASSWORD).status_code == 401
