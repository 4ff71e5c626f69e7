"""Signing in with the directory's password (``[auth] directory_*``) against a real OpenLDAP
server shaped like Active Directory (``tests.slapd``), with a real CalDAV client and the
cockpit: the directory's password signs in, the HQ database's no longer does; a disabled or
locked-out account, a wrong password and an unknown account get 401; the directory stopped
mid-run gets 503 with Retry-After (never a 401 that makes a phone ask for the password again
and again), and a client whose password was checked before keeps syncing; the throttle counts
the directory's refusals. A catalog's database can have a directory of its own. The
directory's HQ group decides who uses the cockpit as an HQ user."""

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import caldav
import pytest
import requests
from sqlalchemy import Engine

from bridge.errors import InvalidInput
from bridge.infra.catalog import CatalogError, load_catalog
from bridge.infra.db import shared_engine
from storage_plugin.server import configuration, serve_in_thread, served_catalog
from tests.conftest import opened
from tests.slapd import (
    AD_ENABLED,
    HQ_GROUP,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    Account,
    Slapd,
    needs_slapd,
    running_slapd,
)
from tests.storage_plugin.conftest import (
    PASSWORD,
    TEST_CONFIG,
    Server,
    _wait_for,
    free_port,
    serving,
)
from tests.storage_plugin.test_device_passwords import made
from tests.web.conftest import csrf_token, sign_in

ACCOUNTS = [
    Account("awhite", "a-directory-pw-1", "Anna White"),
    Account("bwilson", "b-directory-pw-1", "Ben Wilson"),
    Account("cdavis", "c-directory-pw-1", "Carol Davis", control=514),  # disabled
    Account("ddiaz", "d-directory-pw-1", "Dan Diaz", lockout=134_000_000_000_000_000),
]
B_PASSWORD = ACCOUNTS[1].password


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[Slapd]:
    needs_slapd()
    with running_slapd(tmp_path / "slapd", free_port(), ACCOUNTS) as server:
        yield server


def directory_settings(slapd: Slapd) -> dict[str, str]:
    """Active Directory's way, as docs/operators/directory.md shows: a service account searches."""
    return {"directory_url": slapd.url, "directory_search_base": PEOPLE,
            "directory_search_filter": "(sAMAccountName={login})",
            "directory_bind_dn": SERVICE_DN, "directory_bind_password": SERVICE_PASSWORD,
            "directory_enabled_filter": AD_ENABLED, "directory_timeout": "2"}


@pytest.fixture
def server(staff_passwords: None, database_url: str, slapd: Slapd) -> Iterator[Server]:
    with serving(database_url, auth=directory_settings(slapd)) as served:
        yield served


def _propfind(server: Server, login: str, password: str) -> requests.Response:
    return server.http(login, password).request("PROPFIND", server.url + f"{login}/",
                                                headers={"Depth": "0"})


def test_a_calendar_client_signs_in_with_the_directory_password(server: Server) -> None:
    client = opened(caldav.DAVClient(url=server.url, username="bwilson", password=B_PASSWORD))
    names = {calendar.name for calendar in client.principal().calendars()}
    assert "Appointments (Ben Wilson)" in names
    assert _propfind(server, "bwilson", PASSWORD).status_code == 401  # the HQ password
    assert _propfind(server, "bwilson", "wrong").status_code == 401
    assert _propfind(server, "cdavis", ACCOUNTS[2].password).status_code == 401  # disabled
    assert _propfind(server, "ddiaz", ACCOUNTS[3].password).status_code == 401  # locked out
    refused = _propfind(server, "eclerk", PASSWORD)  # not in the directory: not said so
    assert refused.status_code == 401 and "directory" not in refused.text.lower()


def test_the_directory_stopped_mid_run_is_a_503_and_the_signed_in_keep_syncing(
        server: Server, slapd: Slapd) -> None:
    assert _propfind(server, "bwilson", B_PASSWORD).status_code == 207
    slapd.stop()
    answer = _propfind(server, "awhite", ACCOUNTS[0].password)
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) > 0 and "try again later" in answer.text
    assert "WWW-Authenticate" not in answer.headers
    assert _propfind(server, "bwilson", B_PASSWORD).status_code == 207  # remembered
    page = sign_in(server.url + "cockpit/", "awhite", ACCOUNTS[0].password)
    assert page.status_code == 503 and "directory cannot be reached" in page.text
    busy = server.http("awhite", ACCOUNTS[0].password).get(server.url + "freebusy/bwilson.vfb")
    assert busy.status_code == 503 and "Retry-After" in busy.headers
    slapd.start()
    assert _propfind(server, "awhite", ACCOUNTS[0].password).status_code == 207


def test_the_cockpit_refuses_a_wrong_directory_password_as_any_other(server: Server) -> None:
    page = sign_in(server.url + "cockpit/", "awhite", "wrong")
    assert page.status_code == 401 and "Wrong login or password" in page.text


def test_the_cockpit_signs_in_with_the_directory_password(server: Server) -> None:
    page = sign_in(server.url + "cockpit/", "awhite", ACCOUNTS[0].password)
    assert page.status_code == 200 and "Sign out" in page.text


def test_the_throttle_counts_the_directory_refusals(server: Server) -> None:
    for n in range(6):
        assert _propfind(server, "bwilson", f"guess-{n}").status_code == 401
    locked = _propfind(server, "bwilson", B_PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1


def test_a_catalog_database_has_a_directory_of_its_own(
        staff_passwords: None, database_url: str, slapd: Slapd, tmp_path: Path) -> None:
    settings = "".join(f"{name} = {value}\n" for name, value in directory_settings(slapd).items())
    catalog = tmp_path / "databases.ini"
    catalog.write_text(f"[database hq]\ntitle = HQ\nurl = {database_url}\n{settings}",
                       encoding="utf-8")
    port = free_port()
    loaded = configuration(database_url, port=port).configuration
    loaded.update(TEST_CONFIG, "tests")
    shutdown, stop = socket.socketpair()
    thread = threading.Thread(target=serve_in_thread, args=(loaded, stop, load_catalog(catalog)),
                              daemon=True)
    thread.start()
    served = Server(f"http://127.0.0.1:{port}/")
    _wait_for(served.url, thread.is_alive)
    try:
        assert _propfind(served, "bwilson", B_PASSWORD).status_code == 207
        assert _propfind(served, "bwilson", PASSWORD).status_code == 401
    finally:
        shutdown.close()
        thread.join(timeout=10)
        stop.close()
        shared_engine(database_url).dispose()


def test_a_directory_setting_that_cannot_work_stops_bridge_serve_saying_which(
        tmp_path: Path, database_url: str) -> None:
    config = tmp_path / "radicale.ini"
    config.write_text("[auth]\ndirectory_url = ldap://dc1.example.com\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"\[auth\] give either directory_user_dn"):
        configuration(database_url, config_file=config)
    catalog = tmp_path / "databases.ini"
    catalog.write_text(f"[database hq]\nurl = {database_url}\n"
                       "directory_url = ldap://dc1.example.com\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"\[database hq\]: give either directory_user_dn"):
        served_catalog(configuration(database_url).configuration, load_catalog(catalog))


def test_device_passwords_sign_in_only_while_the_directory_has_the_account_enabled(
        server: Server, slapd: Slapd, engine: Engine) -> None:
    """cdavis is disabled in the directory: his device password stops too (the directory's
    word is asked without the password, by the service account, and holds a minute)."""
    _, bens = made(engine, "bwilson")
    _, carols = made(engine, "cdavis")
    assert _propfind(server, "bwilson", bens).status_code == 207
    assert _propfind(server, "cdavis", carols).status_code == 401
    slapd.stop()  # the directory's last word stands while it cannot be asked
    assert _propfind(server, "bwilson", bens).status_code == 207
    assert _propfind(server, "cdavis", carols).status_code == 401


def test_a_member_of_the_directory_hq_group_uses_the_cockpit_as_an_hq_user(
        staff_passwords: None, database_url: str, tmp_path: Path) -> None:
    """Fiona is in the group and unknown to HQ: she is added at her first sign-in and sees
    what HQ users see (the audit trail, with her addition in it); Eve, HQ's HQ user outside
    the group, signs in nowhere; Anna, a manager outside it, as before."""
    needs_slapd()
    accounts = [*ACCOUNTS, Account("eclerk", "e-directory-pw-1", "Eve Clerk"),
                Account("fhead", "f-directory-pw-1", "Fiona Head")]
    with running_slapd(tmp_path / "slapd", free_port(), accounts,
                       hq_members=["Fiona Head"]) as slapd, \
            serving(database_url, auth={**directory_settings(slapd),
                                        "directory_hq_group": HQ_GROUP}) as server:
        page = sign_in(server.url + "cockpit/", "fhead", "f-directory-pw-1")
        assert page.status_code == 200 and "Fiona Head" in page.text
        audit = page.session.get(server.url + "cockpit/audit")  # type: ignore[attr-defined]
        assert audit.status_code == 200
        assert "employee added" in audit.text and "directory&#39;s HQ group" in audit.text
        refused = sign_in(server.url + "cockpit/", "eclerk", "e-directory-pw-1")
        assert refused.status_code == 401 and "Wrong login or password" in refused.text
        assert _propfind(server, "eclerk", "e-directory-pw-1").status_code == 401
        anna = sign_in(server.url + "cockpit/", "awhite", ACCOUNTS[0].password)
        assert anna.status_code == 200
        assert anna.session.get(  # type: ignore[attr-defined]
            server.url + "cockpit/audit").status_code == 403


def test_a_directory_user_is_told_where_to_change_the_password_not_given_a_form(
        server: Server) -> None:
    page = sign_in(server.url + "cockpit/", "awhite", ACCOUNTS[0].password)
    http = page.session  # type: ignore[attr-defined]
    account = http.get(server.url + "cockpit/account")
    assert "company account" in account.text and 'name="new"' not in account.text
    changed = http.post(server.url + "cockpit/account/password", data={
        "current": ACCOUNTS[0].password, "new": "a-new-password-1", "repeat": "a-new-password-1",
        "csrf_token": csrf_token(account.text)})
    assert changed.status_code == 409 and "change it where you change that one" in changed.text
    assert _propfind(server, "awhite", ACCOUNTS[0].password).status_code == 207
    assert _propfind(server, "awhite", "a-new-password-1").status_code == 401
