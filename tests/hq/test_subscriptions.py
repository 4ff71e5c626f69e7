"""Calendar subscriptions (``bridge.hq.subscriptions``): who makes and who revokes a
representative's secret address, and that the database never holds the secret."""

import re

import pytest
from sqlalchemy import Engine, select

from bridge.hq.roles import Person, Staff
from bridge.hq.subscriptions import SECRET_BYTES, may_renew, may_revoke
from bridge.models import CalendarSubscription
from tests.conftest import Bridge

STAFF = Staff([
    Person("boss", False, None),          # an office manager
    Person("lead", True, "boss"),         # a representative who leads another
    Person("rep", True, "lead"),
    Person("peer", True, "boss"),         # a colleague of lead's, not above rep
    Person("office", False, None),        # an HQ user who manages nobody
    Person("gone", True, "boss", active=False),
])


@pytest.mark.parametrize(("actor", "renews", "revokes"), [
    ("rep", True, True),        # their own address
    ("lead", False, True),      # the manager revokes, never makes one for someone else
    ("boss", False, True),      # above the manager too
    ("office", False, True),    # HQ users revoke anyone's
    ("peer", False, False),     # a colleague does neither
    ("gone", False, False),     # an inactive employee does nothing
])
def test_the_representative_makes_their_address_and_whoever_reaches_them_revokes_it(
        actor: str, renews: bool, revokes: bool) -> None:
    assert may_renew(STAFF, actor, "rep") is renews
    assert may_revoke(STAFF, actor, "rep") is revokes


def test_an_inactive_representative_cannot_make_one() -> None:
    assert not may_renew(STAFF, "gone", "gone")


def test_only_a_hash_of_the_secret_is_kept(hq: Bridge, engine: Engine) -> None:
    result = hq("subscriptions", "renew", "bwilson")
    assert result.exit_code == 0, result.output
    [secret] = re.findall(r"/feeds/([^/\s]+)\.ics", result.output)[:1]
    assert len(secret) * 6 >= SECRET_BYTES * 8 >= 128  # URL-safe base64: 6 bits a character
    with engine.connect() as connection:
        [row] = connection.execute(select(CalendarSubscription)).all()
    assert secret not in repr(tuple(row)) and len(row.secret_hash) == 64
    renewed = hq("subscriptions", "renew", "bwilson")
    assert re.findall(r"/feeds/([^/\s]+)\.ics", renewed.output)[0] != secret
