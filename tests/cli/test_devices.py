"""`bridge devices list|create|revoke`: an HQ user's device passwords of anyone."""

import re

from sqlalchemy import Engine

from bridge.hq.audit import Filter, Kind, events
from bridge.hq.devices import STOPPED, DeviceSignIn
from bridge.infra.db import transaction
from tests.clock import NOW
from tests.conftest import Bridge

SECRET = re.compile(r"^  ((?:[a-z2-9]{5}-){5}[a-z2-9]{5})$", re.MULTILINE)


def test_an_hq_user_makes_lists_and_revokes_anyone_s_device_password(
        hq: Bridge, engine: Engine) -> None:
    made = hq("devices", "create", "bwilson", "Pixel 8 – DAVx5", "--read-only")
    assert made.exit_code == 0, made.output
    assert "(read-only) — shown only now" in made.output
    found = SECRET.search(made.output)
    assert found, made.output
    secret = found.group(1)
    device_id = int(made.output.split()[2])
    assert hq("devices", "create", "cdavis", "iPad").exit_code == 0

    listed = hq("devices", "list").output
    assert "bwilson" in listed and "cdavis" in listed and secret not in listed
    mine = hq("devices", "list", "bwilson").output.splitlines()
    assert len(mine) == 1 and "Pixel 8 – DAVx5 — read-only" in mine[0] and "never used" in mine[0]

    revoked = hq("devices", "revoke", str(device_id))
    assert revoked.exit_code == 0
    assert revoked.output.strip() == (f"Device password {device_id} of bwilson "
                                      "(“Pixel 8 – DAVx5”) is revoked.")
    assert "was revoked already" in hq("devices", "revoke", str(device_id)).output
    assert hq("devices", "list", "bwilson").output.strip() == \
        "bwilson has no device passwords."
    assert "revoked" in hq("devices", "list", "bwilson", "--revoked").output
    assert DeviceSignIn(engine, "calendar server").matching(
        "bwilson", secret, "10.0.0.1", NOW) is STOPPED
    with transaction(engine) as session:
        [event] = events(session, Filter(login="bwilson", kind=Kind.DEVICE_REVOKED))
        assert event.actor == "tester"


def test_mistakes_are_said_in_words(hq: Bridge) -> None:
    unknown = hq("devices", "create", "nobody", "Phone")
    assert unknown.exit_code != 0 and "no HQ employee with login 'nobody'" in unknown.output
    nameless = hq("devices", "create", "bwilson", " ")
    assert nameless.exit_code != 0 and "name the device" in nameless.output
    missing = hq("devices", "revoke", "999")
    assert missing.exit_code != 0 and "no device password 999" in missing.output
