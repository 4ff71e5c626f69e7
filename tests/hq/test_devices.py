"""Device passwords (``bridge.hq.devices``): random, kept as a hash, named, listed and
revoked; a sign-in finds only an active one of an active employee; its last use is written
now and then, its first use from an address goes into the audit trail."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from bridge.errors import InvalidInput
from bridge.hq.audit import Filter, Kind, events
from bridge.hq.devices import (
    ALPHABET,
    LAST_USE_EVERY,
    MAX_ACTIVE,
    STOPPED,
    CalendarPasswords,
    DeviceSignIn,
    Match,
    calendar_passwords,
    checked_name,
    create,
    devices,
    may_manage,
    new_secret,
    normalized,
    revoke,
    secret_hash,
    use_due,
)
from bridge.hq.roles import Person, Staff
from bridge.infra.db import transaction
from bridge.models import DevicePassword, Employee
from tests.clock import NOW
from tests.conftest import Bridge

STAFF = Staff([
    Person("boss", False, None),          # manages lead: has calendars to reach the team's
    Person("lead", True, "boss"),
    Person("office", False, None),        # an HQ user who manages nobody: no calendars
    Person("gone", True, "boss", active=False),
])


@pytest.mark.parametrize(("actor", "login", "manages"), [
    ("lead", "lead", True),       # a representative: their own
    ("boss", "boss", True),       # a manager: their own
    ("boss", "lead", False),      # never someone else's in the cockpit
    ("office", "office", False),  # no calendars, no device passwords
    ("gone", "gone", False),
])
def test_an_employee_with_calendars_manages_their_own(actor: str, login: str,
                                                      manages: bool) -> None:
    assert may_manage(STAFF, actor, login) is manages


def test_a_secret_has_150_random_bits_in_readable_groups_and_is_typed_loosely() -> None:
    secret = new_secret()
    groups = secret.split("-")
    assert [len(group) for group in groups] == [5] * 6
    assert set("".join(groups)) <= set(ALPHABET) and len(ALPHABET) == 32  # 30 × 5 bits
    assert new_secret() != secret
    assert normalized(secret.upper().replace("-", " ")) == secret.replace("-", "")
    assert secret_hash(secret) == secret_hash(secret.replace("-", ""))
    assert normalized("correct-horse-battery") is None  # not looked up at all
    assert normalized(secret[:-1]) is None


def test_a_name_is_needed_unique_among_the_active_and_their_number_is_bounded() -> None:
    assert checked_name("  Pixel 8 –\tDAVx5 ", [], 0) == "Pixel 8 – DAVx5"
    with pytest.raises(InvalidInput, match="name the device"):
        checked_name("  ", [], 0)
    with pytest.raises(InvalidInput, match="already"):
        checked_name("pixel 8 – davx5", ["Pixel 8 – DAVx5"], 1)
    with pytest.raises(InvalidInput, match="at most 128"):
        checked_name("x" * 129, [], 0)
    with pytest.raises(InvalidInput, match=f"at most {MAX_ACTIVE}"):
        checked_name("One more", [], MAX_ACTIVE)


def test_the_last_use_is_written_on_a_new_address_or_now_and_then() -> None:
    assert use_due(None, None, "10.0.0.1", NOW)
    assert not use_due(NOW, "10.0.0.1", "10.0.0.1", NOW + LAST_USE_EVERY - timedelta(seconds=1))
    assert use_due(NOW, "10.0.0.1", "10.0.0.1", NOW + LAST_USE_EVERY)
    assert use_due(NOW, "10.0.0.1", "10.0.0.2", NOW + timedelta(seconds=1))


def test_the_setting_of_calendar_passwords() -> None:
    assert calendar_passwords(None) is CalendarPasswords.ANY
    assert calendar_passwords(" Devices-Only ") is CalendarPasswords.DEVICES_ONLY
    with pytest.raises(InvalidInput, match="any or devices-only"):
        calendar_passwords("ldap")


def test_made_listed_matched_and_revoked_with_the_audit_trail(hq: Bridge,
                                                               engine: Engine) -> None:
    with transaction(engine) as session:
        made, secret = create(session, "bwilson", "Pixel 8 – DAVx5", read_only=True,
                              actor="bwilson", address="192.0.2.7", now=NOW)
        other, _ = create(session, "cdavis", "iPad", read_only=False, actor="tester",
                          address=None, now=NOW)
    with transaction(engine, write=False) as session:
        kept = session.scalars(select(DevicePassword.secret_hash)).all()
        assert secret not in " ".join(kept) and secret_hash(secret) in kept
        assert [each.name for each in devices(session, "bwilson")] == ["Pixel 8 – DAVx5"]
        assert {each.login for each in devices(session)} == {"bwilson", "cdavis"}
    matching = DeviceSignIn(engine, "calendar server").matching
    assert matching("cdavis", secret, "10.0.0.1", NOW) is None  # not theirs
    assert matching("bwilson", "wrong", "10.0.0.1", NOW) is None
    found = matching("bwilson", secret.upper(), "10.0.0.1", NOW)
    assert isinstance(found, Match) and found.read_only and found.id == made.id
    # the same address soon again, then a second one: one event per new address
    matching("bwilson", secret, "10.0.0.1", NOW + timedelta(minutes=1))
    matching("bwilson", secret, "10.0.0.2", NOW + timedelta(minutes=2))
    matching("bwilson", secret, "10.0.0.1", NOW + timedelta(minutes=3))
    with transaction(engine, write=False) as session:
        [listed] = devices(session, "bwilson")
        assert (listed.last_used_at, listed.last_used_from) == (
            NOW + timedelta(minutes=3), "10.0.0.1")
        trail = [(event.kind, event.address, event.actor, event.detail)
                 for event in events(session, Filter(login="bwilson"))]
    assert sorted(trail, key=str) == sorted([
        (Kind.DEVICE_CREATED.value, "192.0.2.7", None, "Pixel 8 – DAVx5 (read-only)"),
        (Kind.DEVICE_NEW_ADDRESS.value, "10.0.0.1", None, "Pixel 8 – DAVx5"),
        (Kind.DEVICE_NEW_ADDRESS.value, "10.0.0.2", None, "Pixel 8 – DAVx5"),
    ], key=str)
    with transaction(engine) as session:
        revoked = revoke(session, made.id, actor="tester", address=None, now=NOW)
        assert revoked is not None and revoked.revoked_at == NOW
        assert revoke(session, made.id, actor="tester", address=None, now=NOW) is None
        assert devices(session, "bwilson") == []
        assert [each.id for each in devices(session, "bwilson", revoked=True)] == [made.id]
        [event] = events(session, Filter(login="bwilson", kind=Kind.DEVICE_REVOKED))
        assert (event.actor, event.detail) == ("tester", "Pixel 8 – DAVx5")
    assert matching("bwilson", secret, "10.0.0.1", NOW) is STOPPED
    with transaction(engine) as session:
        # a revoked name can be used again
        create(session, "bwilson", "Pixel 8 – DAVx5", read_only=False, actor="bwilson",
               address=None, now=NOW)
    assert other.login == "cdavis"


def test_a_deactivated_employee_s_device_passwords_stop_at_once(hq: Bridge,
                                                                 engine: Engine) -> None:
    with transaction(engine) as session:
        _, secret = create(session, "bwilson", "Laptop", read_only=False, actor="bwilson",
                           address=None, now=NOW)
    matching = DeviceSignIn(engine, "calendar server").matching
    assert isinstance(matching("bwilson", secret, "10.0.0.1", NOW), Match)
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "bwilson")
                        .values(active=False))
    assert matching("bwilson", secret, "10.0.0.1", NOW) is STOPPED
    with transaction(engine) as session, pytest.raises(InvalidInput,
                                                        match="not an active employee"):
        create(session, "bwilson", "Phone", read_only=False, actor="tester", address=None,
               now=NOW)
