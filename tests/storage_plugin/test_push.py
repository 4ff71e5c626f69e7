"""WebDAV-Push (draft-bitfire-webdav-push-00) over HTTP against the real server: the DAV
feature, the push properties of a representative's collections, registration, renewal and
removal of a device's subscription, the draft's refusals, who may register, the cap per user,
and push resources the server refuses to post to (server-side request forgery)."""

import base64
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bridge.errors import InvalidInput
from storage_plugin.server import configuration
from tests.clock import utc
from tests.storage_plugin.conftest import Server, serving, start_bridge_serve, stop_serving

P = "https://bitfire.at/webdav-push"
D = "DAV:"
APPOINTMENTS = "bwilson/appointments/"
PUSH_SERVICE = "https://push.example.net/"
ALLOWED = "127.0.0.1"
"""The loopback address the allow-listed server admits."""
PROPERTIES = '<P:transports/><P:topic/><P:supported-triggers/>'
THREE_DAYS = 3 * 24 * 3600
THIRTY_DAYS = 30 * 24 * 3600


@pytest.fixture
def allowing(staff_passwords: None, database_url: str) -> Iterator[Server]:
    """The server with the loopback address allow-listed and at most 3 subscriptions each."""
    with serving(database_url, storage={"push_allow": ALLOWED,
                                        "push_most_subscriptions": "3"}) as served:
        yield served


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def device_keys() -> tuple[str, str]:
    """A device's subscription keys: a P-256 public key (p256dh) and a 16-byte auth secret."""
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint)
    return b64(point), b64(os.urandom(16))


def register_body(push_resource: str, *, trigger: str | None = (
        "<P:content-update><D:depth>1</D:depth></P:content-update>"),
        expires: str | None = None, encoding: str = "aes128gcm",
        keys: tuple[str, str] | None = None) -> str:
    public_key, auth = keys or device_keys()
    return (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<P:push-register xmlns:P="{P}" xmlns:D="{D}"><P:subscription>'
            f'<P:web-push-subscription><P:push-resource>{push_resource}</P:push-resource>'
            f'<P:content-encoding>{encoding}</P:content-encoding>'
            f'<P:subscription-public-key type="p256dh">{public_key}</P:subscription-public-key>'
            f'<P:auth-secret>{auth}</P:auth-secret></P:web-push-subscription>'
            f'</P:subscription>'
            + (f"<P:trigger>{trigger}</P:trigger>" if trigger is not None else "")
            + (f"<P:expires>{expires}</P:expires>" if expires else "")
            + "</P:push-register>")


def register(server: Server, login: str, path: str, body: str) -> requests.Response:
    return server.http(login).post(server.url + path, data=body.encode(),
                                   headers={"Content-Type": "application/xml"})


def propfind(server: Server, login: str, path: str, prop: str,
             depth: str = "0") -> ET.Element:
    answer = server.http(login).request(
        "PROPFIND", server.url + path, headers={"Depth": depth},
        data=f'<D:propfind xmlns:D="{D}" xmlns:P="{P}">{prop}</D:propfind>')
    assert answer.status_code == 207, answer.text
    return ET.fromstring(answer.content)


def found(tree: ET.Element, href_end: str) -> ET.Element:
    """The 200 prop of the response whose href ends with ``href_end``."""
    for response in tree.iter(f"{{{D}}}response"):
        if (response.findtext(f"{{{D}}}href") or "").endswith(href_end):
            for propstat in response.iter(f"{{{D}}}propstat"):
                if " 200 " in (propstat.findtext(f"{{{D}}}status") or ""):
                    prop = propstat.find(f"{{{D}}}prop")
                    assert prop is not None
                    return prop
    raise AssertionError(f"no 200 propstat for {href_end}: {ET.tostring(tree)!r}")


def precondition(answer: requests.Response) -> str:
    """The name of the precondition a 403 failed (the draft's namespace)."""
    assert answer.status_code == 403, (answer.status_code, answer.text)
    error = ET.fromstring(answer.content)
    assert error.tag == f"{{{D}}}error" and len(error) == 1
    return error[0].tag.replace(f"{{{P}}}", "")


def lifetime(answer: requests.Response) -> float:
    """Seconds from the answer's Date to its Expires (both the server's clock)."""
    return (parsedate_to_datetime(answer.headers["Expires"])
            - parsedate_to_datetime(answer.headers["Date"])).total_seconds()


def test_the_dav_header_says_webdav_push(server: Server) -> None:
    features = server.http("bwilson").options(server.url + APPOINTMENTS).headers["DAV"]
    assert "webdav-push" in features.split(", ")
    assert "calendar-schedule" in features.split(", ")  # (scheduling's stays)


def test_collections_answer_the_push_properties(server: Server) -> None:
    prop = found(propfind(server, "bwilson", APPOINTMENTS, f"<D:prop>{PROPERTIES}</D:prop>"),
                 APPOINTMENTS)
    key = prop.find(f"{{{P}}}transports/{{{P}}}web-push/{{{P}}}vapid-public-key")
    assert key is not None and key.get("type") == "p256ecdsa"
    point = base64.urlsafe_b64decode(key.text + "==")  # type: ignore[operator]
    assert len(point) == 65 and point[0] == 4  # an uncompressed P-256 point
    topic = prop.findtext(f"{{{P}}}topic") or ""
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic) and "bwilson" not in topic
    triggers = prop.find(f"{{{P}}}supported-triggers")
    assert triggers is not None
    assert triggers.findtext(f"{{{P}}}content-update/{{{D}}}depth") == "1"
    assert triggers.findtext(f"{{{P}}}property-update/{{{D}}}depth") == "0"


def test_topics_are_stable_unique_and_a_team_view_shares_its_collections(
        server: Server) -> None:
    def topic(login: str, path: str) -> str:
        prop = found(propfind(server, login, path, "<D:prop><P:topic/></D:prop>"), path)
        return prop.findtext(f"{{{P}}}topic") or ""

    own = topic("bwilson", APPOINTMENTS)
    assert own == topic("bwilson", APPOINTMENTS)  # stable
    others = {topic("bwilson", "bwilson/tasks/"), topic("bwilson", "bwilson/mobile/"),
              topic("bwilson", "bwilson/customers/"), topic("cdavis", "cdavis/appointments/")}
    assert own not in others and len(others) == 4
    assert topic("awhite", "awhite/team-bwilson-appointments/") == own  # (the same changes)
    home = propfind(server, "bwilson", "bwilson/", "<D:prop><P:topic/></D:prop>", depth="1")
    assert found(home, APPOINTMENTS).findtext(f"{{{P}}}topic") == own  # Depth 1 too


def test_allprop_and_propname_still_answer(server: Server) -> None:
    tree = propfind(server, "bwilson", APPOINTMENTS, "<D:allprop/>")
    assert found(tree, APPOINTMENTS).find(f"{{{D}}}resourcetype") is not None
    names = found(propfind(server, "bwilson", APPOINTMENTS, "<D:propname/>"), APPOINTMENTS)
    assert names.find(f"{{{D}}}resourcetype") is not None


def test_a_registration_is_made_then_renewed_under_the_same_url_then_removed(
        allowing: Server) -> None:
    keys = device_keys()
    resource = f"http://{ALLOWED}:9/push/device-1"
    made = register(allowing, "bwilson", APPOINTMENTS, register_body(resource, keys=keys))
    assert made.status_code == 201, made.text
    location = made.headers["Location"]
    assert location.startswith(allowing.url + "push-registrations/")
    assert THREE_DAYS <= lifetime(made) <= THIRTY_DAYS
    renewed = register(allowing, "bwilson", APPOINTMENTS, register_body(resource, keys=keys))
    assert renewed.status_code == 204, renewed.text
    assert renewed.headers["Location"] == location
    assert lifetime(renewed) >= THREE_DAYS
    assert allowing.http("cdavis").delete(location).status_code == 404  # not theirs
    assert allowing.http("bwilson").delete(location).status_code == 204
    assert allowing.http("bwilson").delete(location).status_code == 404
    assert allowing.http("bwilson").delete(
        allowing.url + "push-registrations/unknown").status_code == 404


def test_an_expiry_asked_for_is_kept_within_three_to_thirty_days(allowing: Server) -> None:
    far = register(allowing, "bwilson", APPOINTMENTS, register_body(
        f"http://{ALLOWED}:9/far", expires=format_datetime(utc(365), usegmt=True)))
    assert far.status_code == 201, far.text
    assert THIRTY_DAYS - 5 <= lifetime(far) <= THIRTY_DAYS
    near = register(allowing, "bwilson", APPOINTMENTS, register_body(
        f"http://{ALLOWED}:9/near", expires=format_datetime(utc(0), usegmt=True)))
    assert near.status_code == 201, near.text
    assert THREE_DAYS <= lifetime(near) <= THREE_DAYS + 5


def test_a_registration_without_a_trigger_is_taken_as_davx5_sends_it(
        allowing: Server) -> None:
    answer = register(allowing, "bwilson", "bwilson/tasks/",
                      register_body(f"http://{ALLOWED}:9/davx5", trigger=None))
    assert answer.status_code == 201, answer.text


def test_a_manager_registers_on_a_team_view_but_nobody_on_anothers_collection(
        allowing: Server) -> None:
    body = register_body(f"http://{ALLOWED}:9/manager")
    assert register(allowing, "awhite", "awhite/team-bwilson-appointments/",
                    body).status_code == 201
    assert precondition(register(allowing, "cdavis", APPOINTMENTS, body)) == \
        "push-not-available"
    assert precondition(register(allowing, "eclerk", APPOINTMENTS, body)) == \
        "push-not-available"
    assert precondition(register(allowing, "bwilson", APPOINTMENTS, body)) == \
        "push-not-available"  # (awhite's push resource: not bwilson's to renew)
    with requests.Session() as anonymous:
        assert anonymous.post(allowing.url + APPOINTMENTS, data=body, headers={
            "Content-Type": "application/xml"}).status_code == 401


def test_the_drafts_refusals(server: Server) -> None:
    assert precondition(register(server, "bwilson", APPOINTMENTS, register_body(
        PUSH_SERVICE, encoding="aesgcm"))) == "invalid-subscription"
    assert precondition(register(server, "bwilson", APPOINTMENTS, register_body(
        PUSH_SERVICE, keys=("bm90IGEga2V5", b64(os.urandom(16)))))) == "invalid-subscription"
    no_subscription = f'<P:push-register xmlns:P="{P}"><P:trigger/></P:push-register>'
    assert precondition(register(server, "bwilson", APPOINTMENTS, no_subscription)) == \
        "invalid-subscription"
    assert precondition(register(server, "bwilson", APPOINTMENTS, register_body(
        PUSH_SERVICE, trigger=""))) == "no-supported-trigger"
    assert precondition(register(server, "bwilson", "bwilson/", register_body(
        PUSH_SERVICE))) == "push-not-available"  # (the home: no push)
    bad = register(server, "bwilson", APPOINTMENTS, "<P:push-register")
    assert bad.status_code == 400, bad.text


@pytest.mark.parametrize("push_resource", [
    "http://push.example.net/device",  # not https
    "https://127.0.0.1/device",
    "https://10.1.2.3/device",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://localhost/device",  # a name that resolves to loopback
    "https://[::1]/device",
    "https://[::ffff:127.0.0.1]/device",  # loopback hidden in IPv6
    "https://user:secret@push.example.net/device",
])
def test_push_resources_on_private_addresses_are_refused(server: Server,
                                                        push_resource: str) -> None:
    answer = register(server, "bwilson", APPOINTMENTS, register_body(push_resource))
    assert precondition(answer) == "invalid-subscription"
    assert "secret" not in answer.text


def test_the_allow_list_admits_its_loopback_receiver_and_nothing_else(
        allowing: Server) -> None:
    assert register(allowing, "bwilson", APPOINTMENTS,
                    register_body(f"https://{ALLOWED}:8443/device")).status_code == 201
    assert precondition(register(allowing, "bwilson", APPOINTMENTS,
                                 register_body("https://[::1]/device"))) == \
        "invalid-subscription"


def test_each_user_holds_at_most_the_cap(allowing: Server) -> None:
    for number in range(3):
        assert register(allowing, "bwilson", APPOINTMENTS, register_body(
            f"http://{ALLOWED}:9/device-{number}")).status_code == 201
    refused = register(allowing, "bwilson", APPOINTMENTS,
                       register_body(f"http://{ALLOWED}:9/device-3"))
    assert precondition(refused) == "push-not-available"
    assert "the most this server keeps per user" in refused.text
    assert register(allowing, "cdavis", "cdavis/appointments/", register_body(
        f"http://{ALLOWED}:9/device-3")).status_code == 201  # (others have their own)


def test_registrations_are_logged_without_keys_or_the_devices_address(
        allowing: Server, caplog: pytest.LogCaptureFixture) -> None:
    public_key, auth = keys = device_keys()
    device = f"http://{ALLOWED}:9/capability-of-the-device"
    with caplog.at_level(logging.DEBUG, logger="radicale"):
        assert register(allowing, "bwilson", APPOINTMENTS,
                        register_body(device, keys=keys)).status_code == 201
        assert register(allowing, "bwilson", APPOINTMENTS,
                        register_body(device, keys=keys)).status_code == 204
    said = "\n".join(record.getMessage() for record in caplog.records)
    assert "push: bwilson registered a subscription to /bwilson/appointments/ (push " \
        f"service {ALLOWED}, content updates), until" in said
    assert "push: bwilson renewed" in said
    for secret in (public_key, auth, "capability-of-the-device"):
        assert secret not in said


def test_push_can_be_turned_off(staff_passwords: None, database_url: str) -> None:
    with serving(database_url, storage={"push": "False"}) as served:
        http = served.http("bwilson")
        assert "webdav-push" not in http.options(served.url + APPOINTMENTS).headers["DAV"]
        assert http.post(served.url + APPOINTMENTS, data=register_body(PUSH_SERVICE),
                         headers={"Content-Type": "application/xml"}).status_code == 405
        tree = propfind(served, "bwilson", APPOINTMENTS, "<D:prop><P:topic/></D:prop>")
        assert tree.find(f".//{{{P}}}topic") is not None  # (asked for, and not found:)
        assert "404" in (tree.findtext(f".//{{{D}}}status") or "")


@pytest.mark.parametrize(("setting", "said"), [
    ("push_allow = 127.0.0.1 no_such_thing!", "[storage] push_allow: 'no_such_thing!'"),
    ("push_most_subscriptions = 0", "[storage] push_most_subscriptions must be a whole"),
])
def test_bad_push_settings_are_refused_at_start(database_url: str, tmp_path: Path,
                                                setting: str, said: str) -> None:
    config = tmp_path / "radicale.ini"
    config.write_text(f"[storage]\n{setting}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(said)):
        configuration(database_url, config_file=config)


def test_every_worker_shows_one_key_and_topic_and_renews_the_same_registration(
        staff_passwords: None, database_url: str, tmp_path: Path) -> None:
    served, process = start_bridge_serve(database_url, tmp_path, "warning", workers=2,
                                         storage=f"push_allow = {ALLOWED}")
    try:
        shown = set()
        for _ in range(6):  # (the requests go to either worker)
            prop = found(propfind(served, "bwilson", APPOINTMENTS,
                                  f"<D:prop>{PROPERTIES}</D:prop>"), APPOINTMENTS)
            shown.add((prop.findtext(f".//{{{P}}}vapid-public-key"),
                       prop.findtext(f"{{{P}}}topic")))
        assert len(shown) == 1
        keys, device = device_keys(), f"http://{ALLOWED}:9/workers"
        answers = [register(served, "bwilson", APPOINTMENTS, register_body(device, keys=keys))
                   for _ in range(4)]
        assert [answer.status_code for answer in answers] == [201, 204, 204, 204]
        assert len({answer.headers["Location"] for answer in answers}) == 1
        assert served.http("bwilson").delete(answers[0].headers["Location"]).status_code == 204
    finally:
        stop_serving(process)
