"""Device passwords at the calendar server (``bridge.hq.devices``, ``storage_plugin.auth``): a
``caldav`` client signs in with one; the account password still does unless
``[auth] calendar_passwords = devices-only``; a read-only one reads and is refused every
change with 403 and the reason; a revoked one, or one of a deactivated employee, is refused
at once on every server process; it never signs in to the cockpit; its last use and the
addresses it came from are kept, and the audit trail has what happened."""

import base64
import http.client
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from caldav.lib.error import AuthorizationError
from sqlalchemy import Engine, select, update

from bridge.hq.audit import Filter, Kind, events
from bridge.hq.devices import READ_ONLY_BECAUSE, create, revoke
from bridge.infra.db import transaction
from bridge.models import DevicePassword, Employee
from tests.clock import NOW
from tests.conftest import opened
from tests.storage_plugin.conftest import (
    EVENT,
    PASSWORD,
    Server,
    calendar,
    serving,
    start_bridge_serve,
    stop_serving,
)


def made(engine: Engine, login: str = "bwilson", name: str = "Pixel 8 – DAVx5", *,
         read_only: bool = False) -> tuple[int, str]:
    """A device password of ``login``: its id and secret."""
    with transaction(engine) as session:
        device, secret = create(session, login, name, read_only=read_only, actor=login,
                                address=None, now=datetime.now(UTC))
    return device.id, secret


def revoked(engine: Engine, device_id: int) -> None:
    with transaction(engine) as session:
        assert revoke(session, device_id, actor="tester", address=None, now=NOW) is not None


def propfind(server: Server, login: str, password: str) -> int:
    """The status of a PROPFIND of ``login``'s home, on a connection of its own."""
    with opened(requests.Session()) as http:
        return http.request("PROPFIND", server.url + f"{login}/", auth=(login, password),
                            headers={"Depth": "0"}, timeout=60).status_code


def status_line(server: Server, method: str, url: str, login: str, password: str,
                body: str | None = None) -> tuple[int, str]:
    """The status and reason phrase of a request (where sync logs show the reason)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    credentials = base64.b64encode(f"{login}:{password}".encode()).decode()
    try:
        connection.request(method, address.path, body=body,
                           headers={"Authorization": f"Basic {credentials}"})
        response = connection.getresponse()
        response.read()
        return response.status, response.reason
    finally:
        connection.close()


def test_a_caldav_client_syncs_with_a_device_password_and_the_account_password_still_works(
        server: Server, engine: Engine) -> None:
    _, secret = made(engine)
    client = server.client("bwilson", secret)
    appointments = calendar(client, "bwilson/appointments/")
    appointments.save_event(EVENT.format(uid="device-1", summary="From the phone",
                                         description=""))
    assert [str(event.icalendar_component["SUMMARY"]) for event in appointments.events()] \
        == ["From the phone"]
    assert {str(c.url).rstrip("/").rsplit("/", 1)[1]
            for c in client.principal().calendars()} >= {"appointments"}
    assert propfind(server, "bwilson", PASSWORD) == 207
    assert propfind(server, "cdavis", secret) == 401  # another's login: no


def test_devices_only_turns_the_account_password_off_for_calendar_clients(
        staff_passwords: None, database_url: str, engine: Engine) -> None:
    _, secret = made(engine)
    _, managers = made(engine, "awhite", "Anna's phone")
    with serving(database_url, auth={"calendar_passwords": "devices-only"}) as server:
        assert propfind(server, "bwilson", PASSWORD) == 401
        assert propfind(server, "bwilson", secret) == 207
        with pytest.raises(AuthorizationError):
            server.client("cdavis").principal()
        # the account password is still a wrong password here: counted, then locked…
        statuses = [propfind(server, "awhite", PASSWORD) for _ in range(7)]
        assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses
        # …while the device password, no guess, goes on syncing
        assert propfind(server, "awhite", managers) == 207
        with opened(requests.Session()) as http:  # the cockpit still takes it
            page = http.get(server.url + "cockpit/sign-in")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            signed = http.post(server.url + "cockpit/sign-in", data={
                "login": "bwilson", "password": PASSWORD, "csrf_token": token})
            assert signed.status_code == 200 and "Sign out" in signed.text
    with transaction(engine, write=False) as session:
        [failed, *_] = events(session, Filter(login="bwilson", kind=Kind.SIGN_IN_FAILED))
        assert failed.detail == "calendar server (device passwords only)"


def test_a_read_only_device_password_reads_and_is_refused_changes_with_the_reason(
        server: Server, engine: Engine) -> None:
    _, writer = made(engine, name="Laptop")
    written = server.http("bwilson", writer).put(
        server.url + "bwilson/appointments/kept.ics",
        data=EVENT.format(uid="kept", summary="Kept", description=""),
        headers={"Content-Type": "text/calendar"})
    assert written.status_code == 201, written.text
    _, secret = made(engine, name="Wall screen", read_only=True)
    client = server.client("bwilson", secret)
    appointments = calendar(client, "bwilson/appointments/")
    [kept] = appointments.events()
    assert str(kept.icalendar_component["SUMMARY"]) == "Kept"
    http = server.http("bwilson", secret)
    privileges = http.request(
        "PROPFIND", server.url + "bwilson/appointments/", headers={"Depth": "0"},
        data='<propfind xmlns="DAV:"><prop><current-user-privilege-set/></prop></propfind>')
    assert "<read />" in privileges.text and "<write" not in privileges.text
    put = http.put(server.url + "bwilson/appointments/new.ics",
                   data=EVENT.format(uid="new", summary="New", description=""),
                   headers={"Content-Type": "text/calendar"})
    assert put.status_code == 403 and f"Forbidden: {READ_ONLY_BECAUSE}." in put.text
    for method, path, body in [
            ("DELETE", str(kept.url), None),
            ("MKCOL", server.url + "bwilson/mine/", None),
            ("PROPPATCH", server.url + "bwilson/appointments/",
             '<propertyupdate xmlns="DAV:"><set><prop><displayname>Mine</displayname></prop>'
             '</set></propertyupdate>')]:
        assert status_line(server, method, path, "bwilson", secret, body) == (
            403, f"Forbidden: {READ_ONLY_BECAUSE}"), method
    assert status_line(server, "PUT", server.url + "bwilson/appointments/new.ics", "bwilson",
                       secret, EVENT.format(uid="new", summary="New", description="")) == (
        403, f"Forbidden: {READ_ONLY_BECAUSE}")
    with pytest.raises(AuthorizationError):  # (caldav says 403 so)
        appointments.save_event(EVENT.format(uid="new-2", summary="New", description=""))
    assert [str(event.icalendar_component["SUMMARY"]) for event in appointments.events()] \
        == ["Kept"]


def test_a_revoked_device_password_is_refused_at_once_on_every_worker(
        staff_passwords: None, database_url: str, engine: Engine, tmp_path: Path) -> None:
    device_id, secret = made(engine)
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         workers=2)
    try:
        # Each request on a connection of its own: the two workers both answer some.
        assert [propfind(server, "bwilson", secret) for _ in range(12)] == [207] * 12
        phone = server.client("bwilson", secret)  # a syncing client, its connection kept
        assert calendar(phone, "bwilson/appointments/").events() == []
        revoked(engine, device_id)
        started = time.monotonic()
        assert [propfind(server, "bwilson", secret) for _ in range(12)] == [401] * 12
        with pytest.raises(AuthorizationError):
            calendar(phone, "bwilson/appointments/").events()
        assert time.monotonic() - started < 60
        # (a revoked phone that keeps syncing is no guesser: its owner is not locked out)
        assert propfind(server, "bwilson", PASSWORD) == 207
    finally:
        stop_serving(process)


def test_a_deactivated_employee_s_device_passwords_stop_at_once(server: Server,
                                                               engine: Engine) -> None:
    _, secret = made(engine)
    assert propfind(server, "bwilson", secret) == 207
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "bwilson")
                        .values(active=False))
    assert propfind(server, "bwilson", secret) == 401


def test_a_device_password_does_not_sign_in_to_the_cockpit(server: Server,
                                                          engine: Engine) -> None:
    _, secret = made(engine)
    with opened(requests.Session()) as http:
        page = http.get(server.url + "cockpit/sign-in")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        refused = http.post(server.url + "cockpit/sign-in", data={
            "login": "bwilson", "password": secret, "csrf_token": token})
    assert refused.status_code == 401 and "Wrong login or password." in refused.text


def test_the_last_use_its_address_and_the_audit_trail_are_kept(server: Server,
                                                               engine: Engine) -> None:
    device_id, secret = made(engine)
    for _ in range(3):
        assert propfind(server, "bwilson", secret) == 207
    with transaction(engine, write=False) as session:
        row = session.scalars(select(DevicePassword).where(
            DevicePassword.id == device_id)).one()
        assert row.last_used_from == "127.0.0.1" and row.last_used_at is not None
        trail = [(event.kind, event.address, event.detail)
                 for event in events(session, Filter(login="bwilson"))
                 if event.kind.startswith("device")]
    assert trail == [
        (Kind.DEVICE_NEW_ADDRESS.value, "127.0.0.1", "Pixel 8 – DAVx5"),
        (Kind.DEVICE_CREATED.value, None, "Pixel 8 – DAVx5"),
    ]
