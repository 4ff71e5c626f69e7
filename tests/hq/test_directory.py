"""Sign-in checked by a directory (``bridge.infra.directory``, here a real slapd shaped like
Active Directory: ``tests.slapd``): the directory decides the password and whether the account
is enabled, HQ whether the employee is active; an accepted password is remembered (no
directory bind for a client's polls: it signs in while the directory is down) but never a
refused one; failures are throttled and audited with the reason; a directory that cannot be
used refuses unchecked, as unavailable. With the directory's HQ group, the group decides who
is an HQ user: a member HQ does not know is added as one, an HQ user outside it is refused."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from bridge.hq.audit import Filter, Kind, events
from bridge.hq.authentication import Admission, Authenticator, Verdict, admission
from bridge.hq.roles import Role, Staff
from bridge.infra.db import transaction
from bridge.infra.directory import Directory, Settings
from bridge.models import Employee
from tests.clock import NOW
from tests.conftest import Bridge
from tests.slapd import (
    AD_ENABLED,
    HQ_GROUP,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    Account,
    Slapd,
    needs_slapd,
    running_slapd,
)
from tests.storage_plugin.conftest import free_port

ACCOUNTS = [Account("bwilson", "b-pw-1234", "Ben Wilson"),
            Account("awhite", "a-pw-1234", "Anna White"),
            Account("ghost", "g-pw-1234", "Not In HQ"),
            Account("eclerk", "e-pw-1234", "Eve Clerk", control=514)]  # disabled
"""The directory's accounts: ghost is no HQ employee, cdavis (an HQ employee) is not here."""
B_PW, A_PW = ACCOUNTS[0].password, ACCOUNTS[1].password


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[Slapd]:
    needs_slapd()
    with running_slapd(tmp_path / "slapd", free_port(), ACCOUNTS) as server:
        yield server


def directory(slapd: Slapd, remember: float = 300.0) -> Directory:
    return Directory(Settings((slapd.url,), search_base=PEOPLE,
                              search_filter="(sAMAccountName={login})", bind_dn=SERVICE_DN,
                              bind_password=SERVICE_PASSWORD, enabled_filter=AD_ENABLED,
                              timeout=2, remember=remember))


def _details(engine: Engine, login: str) -> list[tuple[str, str]]:
    with transaction(engine, write=False) as session:
        return [(event.kind, event.detail) for event in events(session, Filter(login=login))
                if event.kind.startswith("sign-in")]


def test_the_directory_decides_the_password_and_hq_who_is_active(
        hq: Bridge, engine: Engine, slapd: Slapd) -> None:
    authenticator = Authenticator(engine, "calendar server", directory=directory(slapd))
    assert authenticator.check("bwilson", B_PW, "10.0.0.1", NOW) == Verdict(True)
    assert authenticator.check("bwilson", "wrong", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("ghost", "g-pw-1234", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("cdavis", "anything", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("eclerk", "e-pw-1234", "10.0.0.1", NOW) == Verdict(False)
    assert _details(engine, "bwilson") == [
        (Kind.SIGN_IN_FAILED, "calendar server: wrong password"),
        (Kind.SIGN_IN, "calendar server")]
    assert _details(engine, "ghost") == [
        (Kind.SIGN_IN_FAILED, "calendar server: not an active employee in HQ")]
    assert _details(engine, "cdavis") == [
        (Kind.SIGN_IN_FAILED, "calendar server: no such account in the directory")]
    assert _details(engine, "eclerk") == [
        (Kind.SIGN_IN_FAILED,
         "calendar server: the account is disabled or locked out in the directory")]


def test_an_accepted_password_is_remembered_until_the_employee_is_deactivated(
        hq: Bridge, engine: Engine, slapd: Slapd) -> None:
    authenticator = Authenticator(engine, "calendar server", directory=directory(slapd))
    assert authenticator.check("bwilson", B_PW, "10.0.0.1", NOW).accepted
    slapd.stop()  # no bind can be made: what signs in now is remembered
    for _ in range(5):
        assert authenticator.check("bwilson", B_PW, "10.0.0.1", NOW).accepted
    assert _details(engine, "bwilson") == [(Kind.SIGN_IN, "calendar server")]  # one check
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "bwilson").values(active=False))
    assert not authenticator.check("bwilson", B_PW, "10.0.0.1", NOW).accepted  # at once


def test_a_refused_or_unchecked_password_is_never_remembered(
        hq: Bridge, engine: Engine, slapd: Slapd) -> None:
    authenticator = Authenticator(engine, "calendar server", directory=directory(slapd))
    slapd.stop()
    assert authenticator.check("awhite", A_PW, "10.0.0.1", NOW) == \
        Verdict(False, unavailable=True)
    slapd.start()
    assert authenticator.check("awhite", "not-a-pw", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("awhite", A_PW, "10.0.0.1", NOW) == Verdict(True)
    assert [detail for _, detail in _details(engine, "awhite")] == [
        "calendar server", "calendar server: wrong password",
        "calendar server: the directory is unavailable"]


def test_no_remembering_when_the_directory_says_so(hq: Bridge, engine: Engine,
                                                   slapd: Slapd) -> None:
    authenticator = Authenticator(engine, "cockpit", directory=directory(slapd, remember=0))
    assert authenticator.check("bwilson", B_PW, "10.0.0.1", NOW).accepted
    slapd.stop()
    assert authenticator.check("bwilson", B_PW, "10.0.0.1", NOW).unavailable


def test_directory_failures_are_throttled_and_a_locked_login_is_not_asked_about(
        hq: Bridge, engine: Engine, slapd: Slapd) -> None:
    authenticator = Authenticator(engine, "calendar server", directory=directory(slapd))
    verdicts = [authenticator.check("bwilson", f"guess-{n}", "10.0.0.1", NOW) for n in range(6)]
    assert [verdict.accepted for verdict in verdicts] == [False] * 6
    assert verdicts[-1].locked_until is None
    slapd.stop()  # locked: refused unchecked, so not "unavailable"
    locked = authenticator.check("bwilson", B_PW, "10.0.0.1", NOW)
    assert locked.locked_until is not None and locked.locked_until > NOW
    assert not locked.unavailable
    slapd.start()
    later = NOW + timedelta(minutes=20)
    assert authenticator.check("bwilson", B_PW, "10.0.0.1", later).accepted
    kinds = [kind for kind, _ in _details(engine, "bwilson")]
    assert kinds == [Kind.SIGN_IN, Kind.SIGN_IN_REFUSED] + [Kind.SIGN_IN_FAILED] * 6


def test_without_a_directory_the_stored_hash_decides_as_before(
        hq: Bridge, engine: Engine, slapd: Slapd) -> None:
    result = hq("employees", "set-password", "bwilson", "--password-stdin", input="hq-password-1\n")
    assert result.exit_code == 0, result.output
    authenticator = Authenticator(engine, "calendar server")
    assert authenticator.check("bwilson", "hq-password-1", "10.0.0.1", NOW).accepted
    assert not authenticator.check("bwilson", B_PW, "10.0.0.1", NOW).accepted
    by_directory = Authenticator(engine, "calendar server", directory=directory(slapd))
    assert not by_directory.check("bwilson", "hq-password-1", "10.0.0.1", NOW).accepted
    assert by_directory.check("bwilson", B_PW, "10.0.0.1", NOW).accepted


# The directory's HQ group decides who is an HQ user.

GROUPED = [Account("awhite", A_PW, "Anna White"), Account("bwilson", B_PW, "Ben Wilson"),
           Account("eclerk", "e-pw-1234", "Eve Clerk"),
           Account("fhead", "f-pw-1234", "Fiona Head", mail="fiona.head@example.com"),
           Account("ghost", "g-pw-1234", "Not In HQ")]
"""In the group: Anna (a manager) and Fiona (no employee in HQ). Eve is HQ's only HQ user."""


@pytest.fixture
def grouped(tmp_path: Path) -> Iterator[Directory]:
    needs_slapd()
    with running_slapd(tmp_path / "slapd", free_port(), GROUPED,
                       hq_members=["Anna White", "Fiona Head"]) as server:
        yield Directory(Settings((server.url,), search_base=PEOPLE,
                                 search_filter="(sAMAccountName={login})", bind_dn=SERVICE_DN,
                                 bind_password=SERVICE_PASSWORD, timeout=2, hq_group=HQ_GROUP))


@pytest.mark.parametrize(("role", "known_login", "member", "admitted"), [
    (Role.REPRESENTATIVE, True, None, Admission.AS_EMPLOYEE),
    (Role.HQ, True, None, Admission.AS_EMPLOYEE),
    (None, False, None, Admission.NOT_AN_EMPLOYEE),
    (Role.REPRESENTATIVE, True, False, Admission.AS_EMPLOYEE),
    (Role.MANAGER, True, True, Admission.AS_EMPLOYEE),
    (Role.HQ, True, True, Admission.AS_EMPLOYEE),
    (Role.HQ, True, False, Admission.NOT_IN_HQ_GROUP),
    (None, False, True, Admission.AS_NEW_HQ_USER),
    (None, False, False, Admission.NOT_AN_EMPLOYEE),
    (None, True, True, Admission.NOT_AN_EMPLOYEE),  # deactivated in HQ: stays out
])
def test_the_hq_group_decides_who_is_an_hq_user_and_the_import_the_rest(
        role: Role | None, known_login: bool, member: bool | None, admitted: Admission) -> None:
    assert admission(role, known_login, member) is admitted


def test_a_member_of_the_hq_group_unknown_to_hq_is_added_as_an_hq_user_at_first_sign_in(
        hq: Bridge, engine: Engine, grouped: Directory) -> None:
    authenticator = Authenticator(engine, "cockpit", directory=grouped, remember_seconds=0)
    assert authenticator.check("fhead", "f-pw-1234", "10.0.0.9", NOW) == Verdict(True)
    with transaction(engine, write=False) as session:
        fiona = session.scalars(select(Employee).where(Employee.login == "fhead")).one()
        assert (fiona.name, fiona.email, fiona.password_hash) == \
            ("Fiona Head", "fiona.head@example.com", None)
        assert Staff.load(session).role("fhead") is Role.HQ
        added = events(session, Filter(login="fhead", kind=Kind.EMPLOYEE_ADDED))
        assert [(event.address, event.detail) for event in added] == [
            ("10.0.0.9", "cockpit: an HQ user, from the directory's HQ group")]
    assert authenticator.check("fhead", "f-pw-1234", "10.0.0.9", NOW).accepted  # added once
    assert authenticator.check("FHead", "f-pw-1234", "10.0.0.9", NOW) == Verdict(False)
    assert authenticator.check("fhead", "wrong", "10.0.0.9", NOW) == Verdict(False)
    with transaction(engine, write=False) as session:
        assert len(events(session, Filter(kind=Kind.EMPLOYEE_ADDED))) == 1
        assert session.scalar(select(func.count()).select_from(Employee)
                              .where(func.lower(Employee.login) == "fhead")) == 1


def test_with_an_hq_group_an_hq_user_outside_it_signs_in_nowhere_and_the_rest_as_before(
        hq: Bridge, engine: Engine, grouped: Directory) -> None:
    authenticator = Authenticator(engine, "calendar server", directory=grouped)
    assert authenticator.check("eclerk", "e-pw-1234", "10.0.0.1", NOW) == Verdict(False)
    assert authenticator.check("bwilson", B_PW, "10.0.0.1", NOW) == Verdict(True)  # a rep
    assert authenticator.check("awhite", A_PW, "10.0.0.1", NOW) == Verdict(True)  # a manager
    assert authenticator.check("ghost", "g-pw-1234", "10.0.0.1", NOW) == Verdict(False)
    assert _details(engine, "eclerk") == [
        (Kind.SIGN_IN_FAILED, "calendar server: an HQ user who is not in the directory's HQ "
                              "group")]
    assert _details(engine, "ghost") == [
        (Kind.SIGN_IN_FAILED, "calendar server: not an active employee in HQ")]
    with transaction(engine, write=False) as session:
        assert Staff.load(session).role("awhite") is Role.MANAGER  # the group adds no rights
        assert "ghost" not in Staff.load(session).people
