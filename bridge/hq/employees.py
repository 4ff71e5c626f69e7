"""HQ employees: look-ups, passwords, the manager's team (their import:
``bridge.importing.employees``)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.hq.passwords import MIN_LENGTH, hash_password
from bridge.infra.errors import InvalidInput, NotFound
from bridge.models import Employee


def get_employee(session: Session, login: str) -> Employee:
    employee = session.scalars(select(Employee).where(Employee.login == login)).one_or_none()
    if employee is None:
        raise NotFound(f"no HQ employee with login {login!r}")
    return employee


def set_password(session: Session, login: str, password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_LENGTH} characters")
    get_employee(session, login).password_hash = hash_password(password)


@dataclass(frozen=True)
class Team:
    """An employee and, if they manage anyone, everyone below them."""

    lead: Employee
    members: list[Employee]

    @property
    def ids(self) -> list[int]:
        return [self.lead.id, *(member.id for member in self.members)]


def team_of(session: Session, login: str) -> Team:
    lead = get_employee(session, login)
    below = _below(session, lead.id)
    members = session.scalars(select(Employee).where(Employee.id.in_(below))).all()
    return Team(lead, sorted(members, key=lambda member: below.index(member.id)))


def _below(session: Session, lead_id: int) -> list[int]:
    """Everyone below ``lead_id``, directly or not, nearest first (one query: who manages
    whom is read whole, and walked here)."""
    reports: dict[int, list[int]] = {}
    for employee_id, manager_id in session.execute(select(Employee.id, Employee.manager_id)):
        if manager_id is not None:
            reports.setdefault(manager_id, []).append(employee_id)
    found: list[int] = []
    seen = {lead_id}
    frontier = [lead_id]
    while frontier:
        frontier = [e for boss in frontier for e in sorted(reports.get(boss, ())) if e not in seen]
        seen.update(frontier)
        found.extend(frontier)
    return found
