"""Sign-in checked by a directory (``bridge.infra.directory``): the directory decides the
password and whether the account is enabled, HQ whether the employee is active; an accepted
password is remembered (no directory bind for a client's polls) but never a refused one;
failures are throttled and audited with the reason; a directory that cannot be used refuses
unchecked, as unavailable. (The directory here is a stand-in; tests/infra/test_directory.py
and tests/storage_plugin/test_directory_sign_in.py use a real slapd.)"""

from datetime import timedelta

from sqlalchemy import Engine, update

from bridge.hq.audit import Filter, Kind, events
from bridge.hq.authentication import Authenticator, Verdict
from bridge.infra.db import transaction
from bridge.infra.directory import (
    Accepted,
    Directory,
    Outcome,
    Reason,
    Refused,
    Settings,
    Unavailable,
)
from bridge.models import Employee
from tests.clock import NOW
from tests.conftest import Bridge

PASSWORDS = {"bwilson": "b-pw", "awhite": "a-pw", "ghost": "g-pw"}
"""The stand-in directory's accounts (ghost is not an HQ employee)."""


class StandIn(Directory):
    def __init__(self, remember: float = 300.0) -> None:
        super().__init__(Settings(("ldap://127.0.0.1:1",), user_dn="{login}",
                                  remember=remember))
        self.asked: list[str] = []
        self.down = False
        self.disabled: set[str] = set()

    def check(self, login: str, password: str) -> Outcome:
        self.asked.append(login)
        if self.down:
            return Unavailable("cannot reach the directory (stand-in)")
        if login not in PASSWORDS:
            return Refused(Reason.NO_SUCH_USER)
        if PASSWORDS[login] != password:
            return Refused(Reason.WRONG_PASSWORD)
        if login in self.disabled:
            return Refused(Reason.DISABLED)
        return Accepted(f"cn={login}")


def _details(engine: Engine, login: str) -> list[tuple[str, str]]:
    with transaction(engine, write=False) as session:
        return [(event.kind, event.detail) for event in events(session, Filter(login=login))]


def test_the_directory_decides_the_password_and_hq_who_is_active(
        hq: Bridge, engine: Engine) -> None:
    directory = StandIn()
    authenticator = Authenticator(engine, "calendar server", directory=directory)
    assert authenticator.check("bwilson", "b-pw", "10.0.0.1", NOW) == Verdict(True)
    assert authenticator.check("bwilson", "wrong", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("ghost", "g-pw", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("cdavis", "anything", "10.0.0.1", NOW) == Verdict(False)
    assert _details(engine, "bwilson") == [
        (Kind.SIGN_IN_FAILED, "calendar server: wrong password"),
        (Kind.SIGN_IN, "calendar server")]
    assert _details(engine, "ghost") == [
        (Kind.SIGN_IN_FAILED, "calendar server: not an active employee in HQ")]
    assert _details(engine, "cdavis") == [
        (Kind.SIGN_IN_FAILED, "calendar server: no such account in the directory")]


def test_an_accepted_password_is_remembered_until_the_employee_is_deactivated(
        hq: Bridge, engine: Engine) -> None:
    directory = StandIn()
    authenticator = Authenticator(engine, "calendar server", directory=directory)
    for _ in range(5):
        assert authenticator.check("bwilson", "b-pw", "10.0.0.1", NOW).accepted
    assert directory.asked == ["bwilson"]  # one bind for five requests
    directory.disabled.add("bwilson")  # in the directory: remembered for its while
    assert authenticator.check("bwilson", "b-pw", "10.0.0.1", NOW).accepted
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "bwilson").values(active=False))
    assert not authenticator.check("bwilson", "b-pw", "10.0.0.1", NOW).accepted  # at once


def test_a_refused_or_unchecked_password_is_never_remembered(
        hq: Bridge, engine: Engine) -> None:
    directory = StandIn()
    authenticator = Authenticator(engine, "calendar server", directory=directory)
    directory.down = True
    assert authenticator.check("awhite", "a-pw", "10.0.0.1", NOW) == \
        Verdict(False, unavailable=True)
    directory.down = False
    directory.disabled.add("awhite")
    assert authenticator.check("awhite", "a-pw", "10.0.0.1", NOW) == Verdict(False)
    directory.disabled.clear()
    assert authenticator.check("awhite", "a-pw", "10.0.0.1", NOW) == Verdict(True)
    assert directory.asked == ["awhite"] * 3
    assert [detail for _, detail in _details(engine, "awhite")] == [
        "calendar server", "calendar server: the account is disabled or locked out in the "
        "directory", "calendar server: the directory is unavailable"]


def test_no_remembering_when_the_directory_says_so(hq: Bridge, engine: Engine) -> None:
    directory = StandIn(remember=0)
    authenticator = Authenticator(engine, "cockpit", directory=directory)
    for _ in range(3):
        assert authenticator.check("bwilson", "b-pw", "10.0.0.1", NOW).accepted
    assert directory.asked == ["bwilson"] * 3


def test_directory_failures_are_throttled_and_a_locked_login_is_not_asked_about(
        hq: Bridge, engine: Engine) -> None:
    directory = StandIn()
    authenticator = Authenticator(engine, "calendar server", directory=directory)
    verdicts = [authenticator.check("bwilson", f"guess-{n}", "10.0.0.1", NOW) for n in range(6)]
    assert [verdict.accepted for verdict in verdicts] == [False] * 6
    assert verdicts[-1].locked_until is None and len(directory.asked) == 6
    locked = authenticator.check("bwilson", "b-pw", "10.0.0.1", NOW)
    assert locked.locked_until is not None and locked.locked_until > NOW
    assert len(directory.asked) == 6  # refused unchecked
    later = NOW + timedelta(minutes=20)
    assert authenticator.check("bwilson", "b-pw", "10.0.0.1", later).accepted
    kinds = [kind for kind, _ in _details(engine, "bwilson")]
    assert kinds == [Kind.SIGN_IN, Kind.SIGN_IN_REFUSED] + [Kind.SIGN_IN_FAILED] * 6


def test_without_a_directory_the_stored_hash_decides_as_before(
        hq: Bridge, engine: Engine) -> None:
    result = hq("employees", "set-password", "bwilson", "--password-stdin", input="hq-password-1\n")
    assert result.exit_code == 0, result.output
    authenticator = Authenticator(engine, "calendar server")
    verdict = authenticator.check("bwilson", "hq-password-1", "10.0.0.1", NOW)
    assert verdict.accepted and verdict.password_hash is not None
    directory = StandIn()
    by_directory = Authenticator(engine, "calendar server", directory=directory)
    assert not by_directory.check("bwilson", "hq-password-1", "10.0.0.1", NOW).accepted
    verdict = by_directory.check("bwilson", "b-pw", "10.0.0.1", NOW)
    assert verdict.accepted and verdict.password_hash is None
