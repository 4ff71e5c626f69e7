"""The cockpit's device passwords page (``bridge.web.devices``): an employee with calendars
makes one (shown once, after the redirect only), sees their list with the last use, and
revokes one after a confirmation; nobody sees or revokes another's."""

import html
import re

import requests
from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models import DevicePassword
from tests.conftest import opened
from tests.storage_plugin.conftest import Server
from tests.web.conftest import Cockpit, Cockpits

SECRET = re.compile(r'id="device-password"[^>]*value="([^"]+)"')


def _made(cockpit: Cockpit, name: str, **form: str) -> tuple[requests.Response, str]:
    page = cockpit.post("devices", {"name": name, **form})
    assert page.status_code == 200, page.text[:500]
    found = SECRET.search(page.text)
    assert found, "the page shows no new password"
    return page, html.unescape(found.group(1))


def _signs_in(server: Server, login: str, password: str) -> int:
    with opened(requests.Session()) as http:
        return http.request("PROPFIND", server.url + f"{login}/", auth=(login, password),
                            headers={"Depth": "0"}).status_code


def _device_id(engine: Engine, name: str) -> int:
    with transaction(engine, write=False) as session:
        return session.scalars(select(DevicePassword.id).where(
            DevicePassword.name == name)).one()


def test_a_new_password_is_shown_once_listed_and_signs_in(
        cockpit: Cockpits, server: Server, engine: Engine) -> None:
    bwilson = cockpit("bwilson")
    start = bwilson.get("devices")
    assert start.status_code == 200 and "You have no device passwords." in start.text
    assert 'href="/cockpit/devices" aria-current="page">Device passwords</a>' in start.text
    page, secret = _made(bwilson, "Pixel 8 – DAVx5", read_only="on")
    assert "The password for “Pixel 8 – DAVx5”" in page.text and "<strong>read-only</strong>" \
        in page.text
    assert re.fullmatch(r"([a-z2-9]{5}-){5}[a-z2-9]{5}", secret)
    assert "<th scope=\"row\">Pixel 8 – DAVx5</th>" in page.text and "read only" in page.text
    assert "never" in page.text
    again = bwilson.get("devices")
    assert secret not in again.text and 'id="device-password"' not in again.text
    assert _signs_in(server, "bwilson", secret) == 207
    assert " from 127.0.0.1" in bwilson.get("devices").text  # its last use
    with transaction(engine, write=False) as session:
        assert secret not in str(session.scalars(select(DevicePassword.secret_hash)).all())


def test_a_nameless_or_twice_named_password_is_not_made(cockpit: Cockpits) -> None:
    bwilson = cockpit("bwilson")
    nameless = bwilson.post("devices", {"name": "  "})
    assert nameless.status_code == 400 and "name the device" in nameless.text
    _made(bwilson, "iPad")
    twice = bwilson.post("devices", {"name": "ipad"})
    assert twice.status_code == 400 and "already" in twice.text
    assert 'value="ipad"' in twice.text  # (what was typed stays)


def test_revoking_asks_first_then_stops_the_password(
        cockpit: Cockpits, server: Server, engine: Engine) -> None:
    bwilson = cockpit("bwilson")
    _, secret = _made(bwilson, "Old phone")
    device_id = _device_id(engine, "Old phone")
    asked = bwilson.get(f"devices/{device_id}/revoke")
    assert asked.status_code == 200
    assert "Revoke the device password “Old phone”?" in asked.text
    assert _signs_in(server, "bwilson", secret) == 207
    done = bwilson.post(f"devices/{device_id}/revoke")
    assert done.status_code == 200
    assert "The device password “Old phone” is revoked" in done.text
    assert "You have no device passwords." in done.text
    assert _signs_in(server, "bwilson", secret) == 401
    again = bwilson.post(f"devices/{device_id}/revoke")
    assert "was revoked already" in again.text


def test_nobody_sees_or_revokes_another_s_device_passwords(
        cockpit: Cockpits, server: Server, engine: Engine) -> None:
    _, secret = _made(cockpit("bwilson"), "Ben's gadget")
    device_id = _device_id(engine, "Ben's gadget")
    for login in ("cdavis", "awhite"):  # a colleague; the manager
        other = cockpit(login)
        page = other.get("devices")
        assert page.status_code == 200 and "gadget" not in page.text
        assert other.get(f"devices/{device_id}/revoke").status_code == 404
        assert other.post(f"devices/{device_id}/revoke").status_code == 404
    assert _signs_in(server, "bwilson", secret) == 207
    clerk = cockpit("eclerk")  # an HQ user without calendars has none
    assert clerk.get("devices").status_code == 404
    assert "Device passwords</a>" not in clerk.get("").text
