"""Who sees and changes what — one definition, for the web cockpit and the calendar server.

- **HQ users** who are not sales representatives and manage nobody (``hqadmin`` in the
  demo) see every activity, change every HQ and client activity and every representative's
  settings, and run imports.
- **Managers** see and change what belongs to the representatives they manage (directly or
  not), and their own if they are representatives themselves. In calendar clients they see
  their team's calendars read-only (``bridge.calendars.access``).
- **Representatives** see and change their own.
- Mobile appointments nobody changes (``Activity.read_only_because``).

**Who manages whom** is defined here once: A manages whoever is below A in the chain of
managers, directly or not, also through an inactive employee (an inactive employee signs in
nowhere, but the team below them keeps its manager). The calendar rights and team views
(``bridge.calendars``), the cockpit's reach, the CLI's ``--team`` and the employee import's
cycle check all ask :class:`Staff` or :func:`chain_above`.

A :class:`Staff` is a snapshot of the employees and who manages whom; the decisions are its
methods, pure functions of the snapshot.
"""

import enum
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import Employee

T = TypeVar("T", bound=Hashable)


class Role(enum.StrEnum):
    HQ = "HQ user"
    MANAGER = "manager"
    REPRESENTATIVE = "sales representative"


@dataclass(frozen=True)
class Person:
    login: str
    representative: bool
    manager: str | None
    active: bool = True


@dataclass(frozen=True)
class Reach:
    """Whose activities, settings and lost values someone sees and changes: everyone's, or
    those of ``logins``."""

    everyone: bool
    logins: frozenset[str] = frozenset()

    def covers(self, login: str) -> bool:
        return self.everyone or login in self.logins


NOBODY = Reach(False)


def chain_above(start: T, manager_of: Callable[[T], T | None]) -> Iterator[T]:
    """The managers above ``start``, nearest first, each once (a loop of managers, which an
    export may hold, ends the chain where it closes)."""
    seen = {start}
    current = manager_of(start)
    while current is not None and current not in seen:
        yield current
        seen.add(current)
        current = manager_of(current)


class Staff:
    """The employees (active or not), and who manages whom."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.people = {person.login: person for person in people}
        self._reports: dict[str, list[str]] = {}
        for person in sorted(self.people.values(), key=lambda person: person.login):
            if person.manager in self.people:
                self._reports.setdefault(person.manager, []).append(person.login)

    @classmethod
    def load(cls, session: Session) -> "Staff":
        rows = session.execute(select(Employee.id, Employee.login, Employee.sales_representative,
                                      Employee.manager_id, Employee.active)).all()
        logins = {row.id: row.login for row in rows}
        return cls(Person(row.login, row.sales_representative, logins.get(row.manager_id),
                          row.active) for row in rows)

    def _manager_of(self, login: str) -> str | None:
        person = self.people.get(login)
        return person.manager if person is not None and person.manager in self.people else None

    def manages(self, manager: str, login: str) -> bool:
        """Whether ``manager`` is above ``login``, directly or not."""
        return manager != login and manager in chain_above(login, self._manager_of)

    def below(self, login: str) -> list[str]:
        """Everyone ``login`` manages, active or not, nearest first (then by login)."""
        found: list[str] = []
        seen = {login}
        level = [login]
        while level:
            level = [each for boss in level for each in self._reports.get(boss, ())
                     if each not in seen]
            seen.update(level)
            found.extend(level)
        return found

    def team(self, login: str) -> list[str]:
        """The active representatives ``login`` manages, by login: whose calendars they see."""
        return sorted(each for each in self.below(login) if self.is_representative(each))

    def manages_anyone(self, login: str) -> bool:
        return bool(self._reports.get(login))

    def is_active(self, login: str) -> bool:
        person = self.people.get(login)
        return person is not None and person.active

    def is_representative(self, login: str) -> bool:
        """An active sales representative (who has calendars)."""
        person = self.people.get(login)
        return person is not None and person.active and person.representative

    def role(self, login: str) -> Role | None:
        """The role of an active employee (None: not one)."""
        if not self.is_active(login):
            return None
        if self.manages_anyone(login):
            return Role.MANAGER
        return Role.REPRESENTATIVE if self.is_representative(login) else Role.HQ

    def reach(self, login: str) -> Reach:
        role = self.role(login)
        if role is Role.HQ:
            return Reach(True)
        if role is None:
            return NOBODY
        own = {login} if self.is_representative(login) else set()
        return Reach(False, frozenset(own | set(self.below(login))))
