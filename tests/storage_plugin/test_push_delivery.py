"""WebDAV-Push delivery: every source of change wakes the devices subscribed to the changed
collections — and only them — with a message their push service takes (VAPID-signed, RFC
8291-encrypted: tests/storage_plugin/push_receiver.py checks both) carrying the new sync
token, from which a ``caldav`` client then syncs just that change; the device that made a
change is not woken by it (``Push-Dont-Notify``); a subscription its push service says is
gone is removed; under two workers each change is sent once; a change made while no server
ran is sent when one starts."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clock import NOW_ISO, iso, local_stamp, utc, zulu
from tests.conftest import Bridge, WriteExport, appointment
from tests.storage_plugin.conftest import Server, serving, start_bridge_serve, stop_serving
from tests.storage_plugin.push_receiver import Device, Receiver, receiving
from tests.storage_plugin.test_push import found, propfind, register, register_body
from tests.storage_plugin.test_sync import sync_collection
from tests.web.conftest import IN_WARSAW, Cockpits, cockpit, wall  # noqa: F401 (a fixture)

P = "https://bitfire.at/webdav-push"
APPOINTMENTS = "bwilson/appointments/"
PUSH_SETTINGS = {"push_allow": "127.0.0.1", "push_merge_seconds": "1"}
QUIET_SECONDS = 3.0
"""How long a device that is not to be woken is watched (three dispatcher passes)."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as made:
        yield made


@pytest.fixture
def server(staff_passwords: None, database_url: str) -> Iterator[Server]:
    """The server (the cockpit's too), its loopback push service allow-listed, a device woken
    at most once a second."""
    with serving(database_url, storage=PUSH_SETTINGS) as served:
        yield served


def subscribe(server: Server, login: str, path: str, device: Device) -> str:
    """``device``'s registration on ``path`` as ``login``; its URL."""
    answer = register(server, login, path, register_body(
        device.resource, keys=(device.public_key, device.auth)))
    assert answer.status_code == 201, answer.text
    return answer.headers["Location"]


def push_properties(server: Server, login: str, path: str) -> tuple[str, str]:
    """The collection's topic and the server's VAPID key, as a client reads them."""
    prop = found(propfind(server, login, path, "<D:prop><P:topic/><P:transports/></D:prop>"),
                 path)
    key = prop.findtext(f"{{{P}}}transports/{{{P}}}web-push/{{{P}}}vapid-public-key")
    return prop.findtext(f"{{{P}}}topic") or "", key or ""


def still(receiver: Receiver, counts: dict[str, int]) -> None:
    """Each device has had exactly its count of messages, and no more comes meanwhile."""
    time.sleep(QUIET_SECONDS)
    assert {name: len(receiver.of(name)) for name in counts} == counts, receiver.refused


def test_a_client_change_wakes_the_other_device_with_the_token_to_sync_just_it(
        server: Server, receiver: Receiver) -> None:
    phone, laptop = receiver.device("phone"), receiver.device("laptop")
    subscribe(server, "bwilson", APPOINTMENTS, phone)
    laptop_registration = subscribe(server, "bwilson", APPOINTMENTS, laptop)
    held, _, _ = sync_collection(server, "bwilson", APPOINTMENTS)
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
             f"UID:from-laptop\r\nDTSTART;TZID=Europe/Warsaw:{local_stamp(3, '10:00')}\r\n"
             "DURATION:PT1H\r\nSUMMARY:Call from the laptop\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert server.put("bwilson", APPOINTMENTS + "from-laptop.ics", event,
                       **{"Push-Dont-Notify": f'"{laptop_registration}"'}).status_code == 201

    [message] = receiver.wait_for("phone")
    topic, key = push_properties(server, "bwilson", APPOINTMENTS)
    assert (message.topic, message.vapid_key) == (topic, key)
    calendar = server.client("bwilson").calendar(url=server.url + APPOINTMENTS)
    synced = calendar.get_objects_by_sync_token(held, load_objects=False,
                                                disable_fallback=True)
    assert [str(item.url).rsplit("/", 1)[-1] for item in synced] == ["from-laptop.ics"]
    assert synced.sync_token == message.sync_token  # (the token a sync answers now)
    still(receiver, {"phone": 1, "laptop": 0})


def test_a_change_said_not_to_notify_with_a_star_wakes_none_of_the_users_devices(
        server: Server, receiver: Receiver, hq: Bridge) -> None:
    phone = receiver.device("phone")
    subscribe(server, "bwilson", "bwilson/tasks/", phone)
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\n"
            "UID:quiet\r\nSUMMARY:Quiet\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    assert server.put("bwilson", "bwilson/tasks/quiet.ics", todo,
                       **{"Push-Dont-Notify": "*"}).status_code == 201
    still(receiver, {"phone": 0})
    assert hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Loud",
              "--start", iso(2)).exit_code == 0
    receiver.wait_for("phone")  # (HQ's change is not the device's)


def test_a_device_that_asked_for_property_updates_only_is_not_woken_by_new_items(
        server: Server, receiver: Receiver, hq: Bridge) -> None:
    properties, contents = receiver.device("properties"), receiver.device("contents")
    answer = register(server, "bwilson", APPOINTMENTS, register_body(
        properties.resource, keys=(properties.public_key, properties.auth),
        trigger="<P:property-update><D:depth>0</D:depth></P:property-update>"))
    assert answer.status_code == 201, answer.text
    subscribe(server, "bwilson", APPOINTMENTS, contents)
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(4)).exit_code == 0
    receiver.wait_for("contents")
    still(receiver, {"properties": 0, "contents": 1})


def test_each_source_of_change_wakes_exactly_its_collections_devices(
        server: Server, receiver: Receiver, hq: Bridge, write_export: WriteExport,
        cockpit: Cockpits) -> None:  # noqa: F811 (the fixture)
    subscriptions = {"appointments": ("bwilson", APPOINTMENTS),
                     "mobile": ("bwilson", "bwilson/mobile/"),
                     "tasks": ("bwilson", "bwilson/tasks/"),
                     "manager": ("awhite", "awhite/team-bwilson-appointments/"),
                     "other": ("cdavis", "cdavis/appointments/")}
    for name, (login, path) in subscriptions.items():
        subscribe(server, login, path, receiver.device(name))
    counts = dict.fromkeys(subscriptions, 0)

    def woken(*names: str) -> None:
        for name in names:
            counts[name] += 1
            receiver.wait_for(name, counts[name])
        still(receiver, counts)

    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(4)).exit_code == 0  # an HQ command
    woken("appointments", "manager")
    mobile = write_export("appointments", [appointment("MA-1")])
    assert hq("import", "activities", mobile, "--now", NOW_ISO).exit_code == 0  # an import run
    woken("mobile")
    edited = cockpit("bwilson").post("activities/HQ-000001/edit", {
        "name": "Visit, moved", "start": wall(4, "11:00"), "end": wall(4, "12:00"),
        **IN_WARSAW, "priority": "5",
        "representative": "bwilson"})  # the cockpit
    assert edited.status_code == 200, edited.text
    woken("appointments", "manager")
    assert hq("import", "activities", mobile, "--now", zulu(utc(5))).exit_code == 0
    woken("appointments", "manager")  # (its status sweep: the visit of day 4 is Delayed)
    assert hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Offer",
              "--start", iso(2)).exit_code == 0
    woken("tasks")
    assert hq("settings", "set", "cdavis", "--calendar-start", "-3d").exit_code == 0
    woken("other")  # (its window moved: items may have left it)


def test_a_subscription_its_push_service_says_is_gone_is_removed(
        server: Server, receiver: Receiver, hq: Bridge) -> None:
    gone = receiver.device("gone")
    gone.answer = 410
    registration = subscribe(server, "bwilson", APPOINTMENTS, gone)
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(4)).exit_code == 0
    deadline = time.monotonic() + 20
    while server.http("bwilson").delete(registration).status_code != 404:
        assert time.monotonic() < deadline, "the subscription was not removed"
        time.sleep(0.2)


def test_under_two_workers_each_change_is_sent_once_even_one_made_while_none_ran(
        staff_passwords: None, database_url: str, receiver: Receiver, hq: Bridge,
        tmp_path: Path) -> None:
    settings = "".join(f"{name} = {value}\n" for name, value in PUSH_SETTINGS.items())
    served, process = start_bridge_serve(database_url, tmp_path, "info", workers=2,
                                         storage=settings)
    try:
        subscribe(served, "bwilson", APPOINTMENTS, receiver.device("phone"))
        for round_ in range(1, 4):
            assert hq("activities", "add", "-r", "bwilson", "--name", f"Visit {round_}",
                      "--start", iso(4)).exit_code == 0
            receiver.wait_for("phone", round_)
            still(receiver, {"phone": round_})
    finally:
        stop_serving(process)
    assert hq("activities", "add", "-r", "bwilson", "--name", "While down",
              "--start", iso(5)).exit_code == 0
    served, process = start_bridge_serve(database_url, tmp_path, "info", workers=2,
                                         storage=settings)
    try:
        receiver.wait_for("phone", 4, seconds=30)  # (the old lease runs out first)
        still(receiver, {"phone": 4})
    finally:
        stop_serving(process)
