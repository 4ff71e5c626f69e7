"""Calendar subscriptions: each representative's secret address of their appointments.

The secret is 192 random bits; only its SHA-256 is kept, so the address is shown once, when it
is made. Renewing replaces it (the old address stops at once: every server process looks the
secret up in the database on every request); revoking deletes it.

Who may do what is decided here: a representative renews their own (an operator's CLI renews
anyone's); the representative, whoever manages them and HQ users revoke it.
"""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.employees import get_employee
from bridge.hq.roles import Staff
from bridge.models import CalendarSubscription, Employee, utcnow

SECRET_BYTES = 24
"""192 bits (the issue asks for at least 128); URL-safe base64: 32 characters."""


@dataclass(frozen=True)
class Subscriber:
    """Whose appointments a subscription's address serves."""

    employee_id: int
    login: str
    name: str
    include_tasks: bool
    shared: bool = False
    """Given to others: private appointments are in the file as busy time only."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_renew(staff: Staff, actor: str, login: str) -> bool:
    """Only the representative makes their own address (it is theirs to paste somewhere)."""
    return actor == login and staff.is_representative(login)


def may_revoke(staff: Staff, actor: str, login: str) -> bool:
    """The representative, whoever manages them, and HQ users."""
    return staff.reach(actor).covers(login)


def subscription_of(session: Session, login: str) -> CalendarSubscription | None:
    employee = get_employee(session, login)
    return session.get(CalendarSubscription, employee.id)


def renew(session: Session, login: str, by: str, include_tasks: bool | None = None,
          shared: bool | None = None) -> str:
    """A new secret for ``login``'s subscription (made if there was none), returned once; the
    old one stops. ``include_tasks`` and ``shared`` None keep the current choice."""
    employee = get_employee(session, login)
    if not (employee.active and employee.sales_representative):
        raise InvalidInput(f"{login} is not an active sales representative: only they have "
                           "appointments to subscribe to")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    found = session.get(CalendarSubscription, employee.id, with_for_update=True)
    if found is None:
        session.add(CalendarSubscription(employee_id=employee.id, secret_hash=secret_hash(secret),
                                         include_tasks=bool(include_tasks), shared=bool(shared),
                                         created_by=by))
    else:
        found.secret_hash = secret_hash(secret)
        found.created_by = by
        found.created_at = utcnow()
        if include_tasks is not None:
            found.include_tasks = include_tasks
        if shared is not None:
            found.shared = shared
    session.flush()
    return secret


def revoke(session: Session, login: str) -> bool:
    """Whether there was a subscription to revoke."""
    employee = get_employee(session, login)
    gone = session.execute(delete(CalendarSubscription).where(
        CalendarSubscription.employee_id == employee.id))
    return bool(getattr(gone, "rowcount", 0))


def subscriber(session: Session, secret: str) -> Subscriber | None:
    """Whose subscription ``secret`` opens (None: no such secret, or its representative is no
    longer an active one)."""
    if not secret or len(secret) > 2 * SECRET_BYTES:
        return None
    row = session.execute(
        select(Employee.id, Employee.login, Employee.name, CalendarSubscription.include_tasks,
               CalendarSubscription.shared)
        .join(CalendarSubscription, CalendarSubscription.employee_id == Employee.id)
        .where(CalendarSubscription.secret_hash == secret_hash(secret),
               Employee.active.is_(True), Employee.sales_representative.is_(True))).first()
    return Subscriber(row.id, row.login, row.name, row.include_tasks, row.shared) \
        if row else None
