"""Failed sign-ins are throttled per login and per address, in the database (every server
process shares the counts)."""

from datetime import timedelta

from sqlalchemy import Engine

from bridge.hq.throttle import ADDRESS, LOGIN, Count, Throttle, counted
from tests.clock import NOW
from tests.conftest import race


def test_the_first_failures_are_free() -> None:
    count = None
    for failures in range(1, LOGIN.free + 1):
        count = counted(LOGIN, count, NOW, NOW)
        assert count == Count(failures, None)


def test_an_attempt_while_locked_is_refused_and_counts_nothing() -> None:
    locked = Count(LOGIN.free + 1, NOW + timedelta(seconds=30))
    assert counted(LOGIN, locked, NOW, NOW + timedelta(seconds=10)) is None


def test_failures_a_day_old_are_forgotten() -> None:
    old = Count(LOGIN.free + 3, None)
    after = counted(LOGIN, old, NOW, NOW + timedelta(days=2))
    assert after == Count(1, None)


def test_lock_durations_double_and_stop_at_the_longest() -> None:
    durations = []
    for failures in range(LOGIN.free, LOGIN.free + 15):
        after = counted(LOGIN, Count(failures, None), NOW, NOW)
        assert after is not None and after.locked_until is not None
        durations.append(after.locked_until - NOW)
    assert durations[:4] == [timedelta(seconds=s) for s in (2, 4, 8, 16)]
    assert durations[-1] == LOGIN.longest_lock


def test_forty_parallel_guesses_for_one_login_get_only_the_free_ones_checked(
        engine: Engine) -> None:
    throttle = Throttle(engine)
    answers = race([lambda n=n: throttle.attempt("bwilson", f"10.0.0.{n}", NOW)
                    for n in range(40)])
    checked = [answer for answer in answers if answer is None]
    assert len(checked) == LOGIN.free + 1  # the one that set the first lock was checked
    assert all(answer.until == NOW + LOGIN.first_lock for answer in answers if answer)


def test_a_good_password_clears_its_login_and_does_not_count_against_the_address(
        engine: Engine) -> None:
    throttle = Throttle(engine)
    for _ in range(ADDRESS.free + 5):
        assert throttle.attempt("bwilson", "192.0.2.1", NOW) is None
        throttle.succeeded("bwilson", "192.0.2.1")
    assert throttle.attempt("cdavis", "192.0.2.1", NOW) is None


def test_guesses_from_one_address_at_many_logins_lock_the_address(engine: Engine) -> None:
    throttle = Throttle(engine)
    answers = [throttle.attempt(f"user{n}", "198.51.100.7", NOW) for n in range(ADDRESS.free + 2)]
    assert answers[:ADDRESS.free + 1] == [None] * (ADDRESS.free + 1)
    assert answers[-1] is not None
    assert throttle.attempt("someone", "198.51.100.8", NOW) is None  # another address
