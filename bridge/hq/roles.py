"""Who sees and changes what — one definition, for the web cockpit and the calendar server.

- **HQ users** who are not sales representatives and manage nobody (``hqadmin`` in the
  demo) see every activity, change every HQ and client activity and every representative's
  settings, and run imports.
- **Managers** see and change what belongs to the representatives they manage (directly or
  not), and their own if they are representatives themselves. In calendar clients they see
  their team's calendars read-only (``bridge.calendars.access``).
- **Representatives** see and change their own.
- Mobile appointments nobody changes (``Activity.read_only_because``).

A :class:`Staff` is a snapshot of the active employees and who manages whom; the decisions
are its methods, pure functions of the snapshot.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import Employee


class Role(enum.StrEnum):
    HQ = "HQ user"
    MANAGER = "manager"
    REPRESENTATIVE = "sales representative"


@dataclass(frozen=True)
class Person:
    login: str
    representative: bool
    manager: str | None


@dataclass(frozen=True)
class Reach:
    """Whose activities, settings and lost values someone sees and changes: everyone's, or
    those of ``logins``."""

    everyone: bool
    logins: frozenset[str] = frozenset()

    def covers(self, login: str) -> bool:
        return self.everyone or login in self.logins


NOBODY = Reach(False)


class Staff:
    """The active employees, and who manages whom."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.people = {person.login: person for person in people}
        self._managers = {person.manager for person in self.people.values() if person.manager}

    @classmethod
    def load(cls, session: Session) -> "Staff":
        rows = session.execute(select(Employee.id, Employee.login, Employee.sales_representative,
                                      Employee.manager_id).where(Employee.active.is_(True))).all()
        logins = {row.id: row.login for row in rows}
        return cls(Person(row.login, row.sales_representative, logins.get(row.manager_id))
                   for row in rows)

    def manages(self, manager: str, login: str) -> bool:
        """Whether ``manager`` is above ``login``, directly or not."""
        seen = set()
        current = self.people.get(login)
        while current is not None and current.manager and current.manager not in seen:
            if current.manager == manager:
                return True
            seen.add(current.manager)
            current = self.people.get(current.manager)
        return False

    def manages_anyone(self, login: str) -> bool:
        return login in self._managers

    def is_representative(self, login: str) -> bool:
        person = self.people.get(login)
        return person is not None and person.representative

    def role(self, login: str) -> Role | None:
        """The role of an active employee (None: not one)."""
        if login not in self.people:
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
        return Reach(False, frozenset(own | {
            other for other in self.people if self.manages(login, other)}))
