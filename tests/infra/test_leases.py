"""One process at a time holds a lease: taken when free, renewed by its holder, refused to
another while it lasts, taken by another once it expired or was released."""

from datetime import timedelta

from sqlalchemy import Engine

from bridge.infra.leases import hold, release
from tests.clock import utc

NOW = utc(0)


def test_a_lease_is_one_holders_until_it_expires(engine: Engine) -> None:
    assert hold(engine, "push-dispatcher", "first", NOW, 10)
    assert hold(engine, "push-dispatcher", "first", NOW + timedelta(seconds=5), 10)  # renewed
    assert not hold(engine, "push-dispatcher", "second", NOW + timedelta(seconds=14), 10)
    assert hold(engine, "another-job", "second", NOW, 10)  # (leases are by name)
    assert hold(engine, "push-dispatcher", "second", NOW + timedelta(seconds=15), 10)
    assert not hold(engine, "push-dispatcher", "first", NOW + timedelta(seconds=16), 10)


def test_a_released_lease_is_taken_at_once(engine: Engine) -> None:
    assert hold(engine, "push-dispatcher", "first", NOW, 10)
    release(engine, "push-dispatcher", "second", NOW)  # (not theirs: nothing)
    assert not hold(engine, "push-dispatcher", "second", NOW, 10)
    release(engine, "push-dispatcher", "first", NOW)
    assert hold(engine, "push-dispatcher", "second", NOW, 10)
