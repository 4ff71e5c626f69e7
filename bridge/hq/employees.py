"""HQ employees: look-ups and passwords (their import: ``bridge.importing.employees``; who
manages whom: ``bridge.hq.roles``)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.errors import NotFound
from bridge.hq.passwords import MIN_LENGTH, hash_password
from bridge.models import Employee


def get_employee(session: Session, login: str) -> Employee:
    employee = session.scalars(select(Employee).where(Employee.login == login)).one_or_none()
    if employee is None:
        raise NotFound(f"no HQ employee with login {login!r}")
    return employee


def add_hq_user(session: Session, login: str, name: str, email: str | None) -> bool:
    """Add ``login`` as an HQ user (no representative, no manager, no password of HQ's: the
    directory's signs them in); False if an employee of that login, in any case, is there
    already (added meanwhile by another server process, or by the employee import)."""
    if session.scalar(select(Employee.id).where(
            func.lower(Employee.login) == login.lower())) is not None:
        return False
    session.add(Employee(login=login, name=name or login, email=email,
                         sales_representative=False, active=True))
    return True


def set_password(session: Session, login: str, password: str) -> None:
    """Set ``login``'s password (the caller ends their sessions and records it:
    :func:`bridge.hq.sessions.change_password`)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_LENGTH} characters")
    get_employee(session, login).password_hash = hash_password(password)
