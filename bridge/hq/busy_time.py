"""Who may read whose busy time: every active employee (signed in) may read the busy time of
every active sales representative (``Employee.eligible``) of the same HQ database — nobody
else's; and whose busy time answers each calendar user a free/busy request asks for (found by
e-mail address, in any case). (The busy time itself: ``bridge.calendars.busy_time``.)"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge.models import Employee

MOST_ATTENDEES = 100
"""The most calendar users one free/busy request asks for (a team's, with room to spare)."""
MAILTO = "mailto:"

SUCCESS = "2.0;Success"
UNKNOWN = "3.7;Invalid calendar user"
NO_AUTHORITY = "3.8;No authority"
"""The request statuses of a free/busy request's answer for one attendee (RFC 5545 §3.8.8.3)."""


def shares_busy_time(employee: Employee) -> bool:
    """Whether signed-in employees may read ``employee``'s busy time (see the module)."""
    return bool(employee.eligible)


def representative(session: Session, login: str) -> Employee | None:
    """The employee ``login`` if their busy time may be read (None: unknown, or not)."""
    employee = session.scalar(select(Employee).where(Employee.login == login))
    return employee if employee is not None and shares_busy_time(employee) else None


@dataclass(frozen=True)
class Recipient:
    """One calendar user a free/busy request asks for, and what it is answered."""

    address: str
    """As the request wrote it (``mailto:bwilson@example.com``)."""
    status: str
    employee: Employee | None = None
    """Whose busy time answers it (None: the status says why none does)."""


def email_of(address: str) -> str | None:
    """The e-mail address of a ``mailto:`` calendar user address, in lower case."""
    if not address.lower().startswith(MAILTO):
        return None
    return address[len(MAILTO):].strip().lower() or None


def recipients(addresses: Sequence[str], employees: Iterable[Employee]) -> list[Recipient]:
    """Each address of a free/busy request with its answer: the busy time of the employee
    with that e-mail address if it may be read, else why not — nobody has that address
    (3.7), or their busy time is not shared (3.8: not an active representative). Among
    employees sharing an address, one whose busy time may be read answers."""
    by_email: dict[str, Employee] = {}
    for employee in sorted(employees, key=shares_busy_time):
        if employee.email:
            by_email[employee.email.strip().lower()] = employee
    answers = []
    for address in addresses:
        email = email_of(address)
        found = by_email.get(email) if email else None
        if found is None:
            answers.append(Recipient(address, UNKNOWN))
        elif not shares_busy_time(found):
            answers.append(Recipient(address, NO_AUTHORITY))
        else:
            answers.append(Recipient(address, SUCCESS, found))
    return answers


def addressed(session: Session, addresses: Iterable[str]) -> list[Employee]:
    """The employees with the e-mail address of one of ``addresses`` (in any case)."""
    emails = {email for email in map(email_of, addresses) if email}
    if not emails:
        return []
    return list(session.scalars(select(Employee).where(
        func.lower(func.trim(Employee.email)).in_(emails))))
