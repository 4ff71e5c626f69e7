"""Checking an HQ login and password — for the calendar server and the cockpit alike.

Failed checks are throttled per login and per address (``bridge.hq.throttle``, state in the
database: every server process counts them): an attempt is counted before the password is
checked, and an attempt while the login or address is locked is refused unchecked. An
unknown login costs the same hash as a known one, so the time of an answer tells nobody who
exists. A success is remembered for a while (a syncing client is not slowed down by the
deliberately slow hash on every request, and a remembered password is not counted again);
a changed password or a deactivated employee takes effect at once (the stored hash and the
active flag are read on every check). Every check made (not a remembered one) goes into the
audit trail (``bridge.hq.audit``).

With a directory (``bridge.infra.directory``), the directory checks the password and whether
the account is enabled, instead of the stored hash; the employee must still be active in HQ.
Its failures are throttled alike; a directory that cannot be used refuses unchecked with
``Verdict.unavailable`` (the client is told to come back later, not that its password is
wrong). With the directory's HQ group (``directory_hq_group``), the group decides who is an
HQ user (:func:`admission`).
"""

import enum
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, exists, select
from sqlalchemy.exc import IntegrityError

from bridge.hq.audit import Event, Kind, record, record_apart
from bridge.hq.employees import add_hq_user
from bridge.hq.passwords import hash_password, verify_password
from bridge.hq.roles import Role, Staff
from bridge.hq.throttle import Throttle
from bridge.infra import metrics
from bridge.infra.db import transaction
from bridge.infra.directory import Accepted, Directory, Outcome, Reason, Refused, Unavailable
from bridge.models import Employee

logger = logging.getLogger("bridge.sign_in")


ACTIVE_EMPLOYEE = (Employee.login == bindparam("login"), Employee.active.is_(True))
STORED_HASH = select(Employee.password_hash).where(*ACTIVE_EMPLOYEE)
ACTIVE = select(Employee.id).where(*ACTIVE_EMPLOYEE)
STANDING_COLUMNS = (exists().where(*ACTIVE_EMPLOYEE).label("active"),
                    STORED_HASH.scalar_subquery().label("password_hash"))
"""A sign-in's :class:`Standing`, as columns of another query (``bridge.calendars.polls``)
for the ``login`` parameter. (Built once: the calendar server reads them on every request.)"""


@dataclass(frozen=True)
class Standing:
    """What a sign-in of a login is checked against, as it is now."""

    active: bool
    """Whether the login is an active employee's."""
    stored: str | None
    """Their password hash (None: none, or not an active employee)."""

Within = Callable[[], Connection]
"""The connection of a transaction the caller has open (the calendar server's request's read
transaction), to read in instead of on a connection of its own."""


def _read(engine: Engine, within: Within | None, query: Select[Any], login: str) -> Any:
    if within is not None:
        return within().scalar(query, {"login": login})
    with engine.connect() as connection:
        return connection.scalar(query, {"login": login})


def is_active_employee(engine: Engine, login: str, within: Within | None = None) -> bool:
    return _read(engine, within, ACTIVE, login) is not None


def standing(engine: Engine, login: str, within: Within | None = None,
             directory: bool = False) -> Standing:
    """``login``'s standing: with a ``directory``, whether it is an active employee's (its
    hash is not asked); else its stored hash."""
    if directory:
        return Standing(is_active_employee(engine, login, within), None)
    if within is not None:
        row = within().execute(STORED_HASH, {"login": login}).first()
    else:
        with engine.connect() as connection:
            row = connection.execute(STORED_HASH, {"login": login}).first()
    return Standing(row is not None, row[0] if row is not None else None)


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    locked_until: datetime | None = None
    """Refused unchecked until then: too many failed checks of the login or from the address."""
    unavailable: bool = False
    """Refused unchecked: the directory cannot be used (the log says why)."""


NOT_ACTIVE = "not an active employee in HQ"


class Admission(enum.Enum):
    AS_EMPLOYEE = "as the employee HQ knows"
    AS_NEW_HQ_USER = "as an HQ user added from the directory's HQ group"
    NOT_AN_EMPLOYEE = "refused: not an active employee"
    NOT_IN_HQ_GROUP = "refused: an HQ user outside the HQ group"


def admission(role: Role | None, known_login: bool, hq_member: bool | None) -> Admission:
    """How a login whose password the directory accepted signs in (``role``: the active
    employee's; ``known_login``: HQ has an employee of that login, active or not;
    ``hq_member``: whether the account is in the directory's HQ group, None without one).

    Without an HQ group, HQ alone decides: an active employee signs in. With one, the group
    decides who is an HQ user: an HQ user (neither a representative nor a manager) outside
    it signs in nowhere, and a member HQ has no employee of is added as an HQ user.
    Representatives and managers are what the employee import says, in the group or not; an
    employee HQ deactivated stays out."""
    if role is not None:
        return Admission.NOT_IN_HQ_GROUP if role is Role.HQ and hq_member is False \
            else Admission.AS_EMPLOYEE
    if hq_member and not known_login:
        return Admission.AS_NEW_HQ_USER
    return Admission.NOT_AN_EMPLOYEE


class Authenticator:
    def __init__(self, engine: Engine, place: str, remember_seconds: float = 300.0,
                 directory: Directory | None = None) -> None:
        """``place``: where the sign-ins are, as the audit trail names it ("calendar server",
        "cockpit"); ``directory``: the one that checks the passwords (then remembered for its
        ``remember`` seconds)."""
        self._engine = engine
        self._place = place
        self._throttle = Throttle(engine)
        self._remember = remember_seconds if directory is None else directory.settings.remember
        self._directory = directory
        self._lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(64)]
        self._verified: dict[tuple[str, str, str], float] = {}

    @property
    def by_directory(self) -> bool:
        """Whether a directory checks the passwords (HQ's own are then not used)."""
        return self._directory is not None

    def check(self, login: str, password: str, address: str, now: datetime,
              within: Within | None = None) -> Verdict:
        """Whether ``password`` is ``login``'s, asked from ``address`` at ``now``;
        ``within``: where the stored hash (or the active flag) is read, if not on a
        connection of its own (the throttle and the audit trail always write on theirs)."""
        if not login or not password:
            return Verdict(False)
        now_standing = standing(self._engine, login, within, self.by_directory)
        stored, known, key = self._current(login, password, now_standing)
        if known and self._remembered(key):
            return Verdict(True)
        # One check of a login at a time in this process: a client opening several
        # connections at once has its password checked (and counted) once, the others find
        # it remembered; and parallel guesses are counted one by one.
        with self._stripes[hash(login) % len(self._stripes)]:
            if known and self._remembered(key):
                return Verdict(True)
            refused = self._throttle.attempt(login, address, now)
            if refused is not None:
                metrics.THROTTLED_LOGINS.labels(self._place).inc()
                self._audit(Kind.SIGN_IN_REFUSED, login, address, now)
                return Verdict(False, locked_until=refused.until)
            outcome = self._verified_by(login, password, stored)
            if isinstance(outcome, Accepted) and outcome.hq_member is not None:
                outcome, known = self._admitted(login, outcome, address, now)
            if isinstance(outcome, Accepted) and known:
                self._throttle.succeeded(login, address)
                self._audit(Kind.SIGN_IN, login, address, now)
                with self._lock:
                    self._verified[key] = time.monotonic() + self._remember
                return Verdict(True)
            self._refused(outcome, known, login, address, now)
            return Verdict(False, unavailable=isinstance(outcome, Unavailable))

    def remembered(self, login: str, password: str, now_standing: Standing) -> bool:
        """Whether :meth:`check` accepts ``password`` of ``login`` without checking it, the
        login's standing being ``now_standing``: it was accepted less than ``remember``
        seconds ago, against the stored hash there is now (or, under a directory, the login
        is still an active employee's)."""
        if not login or not password:
            return False
        _, known, key = self._current(login, password, now_standing)
        return known and self._remembered(key)

    def _current(self, login: str, password: str, now_standing: Standing
                 ) -> tuple[str | None, bool, tuple[str, str, str]]:
        """The stored hash (None under a directory), whether the login is known (an active
        employee's; without a directory, one with a password), and what a success of
        ``password`` is remembered under: the hash it was checked against is part of it, so
        a changed password is checked again."""
        if self._directory is None:
            stored = now_standing.stored
            known, version = stored is not None, stored or ""
        else:
            stored, known, version = None, now_standing.active, "\0directory"
        return stored, known, (login, version, hashlib.sha256(password.encode()).hexdigest())

    def _verified_by(self, login: str, password: str, stored: str | None) -> Outcome:
        """The directory's answer, or the stored hash's (an unknown login's checked against a
        stand-in: it costs the same)."""
        if self._directory is not None:
            return self._directory.check(login, password)
        if verify_password(stored or _stand_in(), password):
            return Accepted("")
        return Refused(Reason.WRONG_PASSWORD)

    def _admitted(self, login: str, accepted: Accepted, address: str,
                  now: datetime) -> tuple[Outcome, bool]:
        """The directory's HQ group applied to an accepted password (:func:`admission`):
        the outcome, and whether the login is now an active employee's."""
        with transaction(self._engine, write=False) as session:
            staff = Staff.load(session)
        known_login = login.casefold() in {each.casefold() for each in staff.people}
        decided = admission(staff.role(login), known_login, accepted.hq_member)
        if decided is Admission.AS_EMPLOYEE:
            return accepted, True
        if decided is Admission.NOT_IN_HQ_GROUP:
            return Refused(Reason.NOT_IN_HQ_GROUP), True
        if decided is Admission.NOT_AN_EMPLOYEE:
            return accepted, False
        try:
            with transaction(self._engine) as session:
                if add_hq_user(session, login, accepted.name[:255], (accepted.email or "")[:255]
                               or None):
                    record(session, Event(Kind.EMPLOYEE_ADDED, login, address,
                                          detail=f"{self._place}: an HQ user, from the "
                                                 "directory's HQ group"), now)
                    logger.info("%r added as an HQ user from the directory's HQ group", login)
        except IntegrityError:  # added by another server process meanwhile
            pass
        return accepted, True

    def _remembered(self, key: tuple[str, str, str]) -> bool:
        with self._lock:
            return self._verified.get(key, float("-inf")) > time.monotonic()

    def _refused(self, outcome: Outcome, known: bool, login: str, address: str,
                 now: datetime) -> None:
        """Log and audit a refusal with its reason (for the operator; never the client's)."""
        if isinstance(outcome, Unavailable):
            why = "the directory is unavailable"
            logger.error("sign-in of %r at the %s not checked: %s", login, self._place,
                         outcome.problem)
        else:
            why = outcome.reason.value if known and isinstance(outcome, Refused) \
                else NOT_ACTIVE
            logger.warning("sign-in of %r at the %s refused: %s", login, self._place, why)
        metrics.SIGN_IN_FAILURES.labels(self._place, why).inc()
        self._audit(Kind.SIGN_IN_FAILED, login, address, now, why)

    def _audit(self, kind: Kind, login: str, address: str, now: datetime,
               why: str = "") -> None:
        detail = f"{self._place}: {why}" if why else self._place
        record_apart(self._engine, Event(kind, login, address, detail=detail), now)


@functools.cache
def _stand_in() -> str:
    return hash_password("not anyone's password")
