"""Failed sign-ins are throttled per login and per address, with the counts in the database
so that every server process shares them.

An attempt is counted *before* the password is checked, as if it were to fail, and a good
password then clears its login's count: parallel guesses cannot all pass the check before
one of them is recorded. Past a few free failures, each further one locks the login (or the
address) for twice as long as the one before, up to a quarter of an hour; an attempt during
a lock is refused without looking at the password and counts nothing. A day without failures
forgets them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bridge.infra.db import transaction, upsert_statement
from bridge.models import LoginFailures


@dataclass(frozen=True)
class Policy:
    free: int
    """Failures allowed before the first lock."""
    first_lock: timedelta = timedelta(seconds=2)
    longest_lock: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)


LOGIN = Policy(free=5)
ADDRESS = Policy(free=30)
"""An office behind one address has many people; its allowance is larger."""


@dataclass(frozen=True)
class Count:
    failures: int
    locked_until: datetime | None


def counted(policy: Policy, before: Count | None, last_failure_at: datetime | None,
            now: datetime) -> Count | None:
    """The count after one more attempt, or None if the attempt is refused (locked)."""
    if before is not None and before.locked_until is not None and now < before.locked_until:
        return None
    failures = 0 if before is None or last_failure_at is None or \
        now - last_failure_at > policy.forget_after else before.failures
    failures += 1
    beyond = failures - policy.free
    if beyond <= 0:
        return Count(failures, None)
    lock = min(policy.first_lock * 2 ** min(beyond - 1, 20), policy.longest_lock)
    return Count(failures, now + lock)


@dataclass(frozen=True)
class Refused:
    """The attempt was refused unchecked, until ``until``."""

    until: datetime


class Throttle:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def attempt(self, login: str, address: str, now: datetime) -> Refused | None:
        """Count an attempt as failed (before the password is checked); a :class:`Refused`
        if the login or the address is locked."""
        with transaction(self._engine) as session:
            keys = (("address", address, ADDRESS), ("login", login.lower(), LOGIN))
            rows = [_locked_row(session, scope, key, now) for scope, key, _ in keys]
            decisions = [counted(policy, Count(row.failures, row.locked_until),
                                 row.last_failure_at, now)
                         for row, (_, _, policy) in zip(rows, keys, strict=True)]
            if None in decisions:
                until = max(row.locked_until for row in rows if row.locked_until)
                return Refused(until)
            for row, decision in zip(rows, decisions, strict=True):
                assert decision is not None
                row.failures, row.locked_until = decision.failures, decision.locked_until
                row.last_failure_at = now
        return None

    def succeeded(self, login: str, address: str) -> None:
        """A good password: its login's failures are forgotten, and the attempt no longer
        counts against the address."""
        with transaction(self._engine) as session:
            row = session.get(LoginFailures, ("login", login.lower()), with_for_update=True)
            if row is not None:
                session.delete(row)
            row = session.get(LoginFailures, ("address", address[:255]), with_for_update=True)
            if row is not None and row.failures > 0:
                row.failures -= 1


def _locked_row(session: Session, scope: str, key: str, now: datetime) -> LoginFailures:
    """The row of ``(scope, key)``, made if missing, locked until the transaction ends."""
    dialect = session.get_bind().dialect.name
    session.execute(upsert_statement(dialect, LoginFailures).values(
        scope=scope, key=key[:255], failures=0, last_failure_at=now).on_conflict_do_nothing())
    row = session.get(LoginFailures, (scope, key[:255]), with_for_update=True,
                      populate_existing=True)
    assert row is not None
    return row
