"""Cockpit sessions end when HQ says so: every session carries its employee's session version
from when it began, and raising the version ends all of them at their next request, on every
server process (the version is read with the employee on each request).

Raised when the employee signs out everywhere, changes password or an HQ user ends their
sessions; a deactivated employee's sessions end anyway (the active flag is read too)."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge.hq.audit import Event, Kind, record
from bridge.hq.employees import get_employee, set_password
from bridge.models import Employee


def session_version(session: Session, login: str) -> int | None:
    """The version a new session of the active employee ``login`` carries (None: no such
    active employee)."""
    return session.scalar(select(Employee.session_version).where(
        Employee.login == login, Employee.active.is_(True)))


def end_sessions(session: Session, login: str, now: datetime, *, actor: str | None = None,
                 address: str | None = None) -> None:
    """End every cockpit session of ``login`` (``actor``: who did it, if not ``login``)."""
    raise_version(session, login)
    record(session, Event(Kind.SESSIONS_ENDED, login, address,
                          actor if actor != login else None), now)


def raise_version(session: Session, login: str) -> None:
    """(In one statement: two at once each raise it.)"""
    employee_id = get_employee(session, login).id
    session.execute(update(Employee).where(Employee.id == employee_id).values(
        session_version=Employee.session_version + 1).execution_options(
        synchronize_session=False))


def change_password(session: Session, login: str, password: str, now: datetime, *,
                    actor: str | None = None, address: str | None = None) -> None:
    """Set ``login``'s password, ending every session that began with the old one."""
    set_password(session, login, password)
    raise_version(session, login)
    record(session, Event(Kind.PASSWORD_CHANGED, login, address,
                          actor if actor != login else None), now)
