"""Employees and customers as lists (`bridge employees list`, `bridge customers list|show`):
records of plain values, written as a table, CSV or JSON (:func:`write_records`)."""

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from bridge.errors import InvalidInput
from bridge.hq.employees import get_employee
from bridge.hq.errors import NotFound
from bridge.hq.roles import Staff
from bridge.models import Activity, Customer, Employee, SalesChannel

FORMATS = ("table", "csv", "json")
EMPLOYEE_COLUMNS = (("login", 12), ("name", 24), ("representative", 14), ("active", 6),
                    ("manager", 12), ("channels", 16), ("email", 24), ("time_zone", 16))
CUSTOMER_COLUMNS = (("number", 10), ("name", 28), ("channel", 12), ("active", 6),
                    ("phone", 16), ("email", 24), ("address", 36))


@dataclass(frozen=True)
class EmployeeFilter:
    representatives_only: bool = False
    active: bool | None = None
    """True: active employees only; False: inactive ones only; None: both."""
    team: str | None = None
    """A manager's login: them and everyone they manage, directly or not."""
    channels: Sequence[str] = ()
    text: str | None = None


@dataclass(frozen=True)
class CustomerFilter:
    channels: Sequence[str] = ()
    text: str | None = None
    """Looked for in the number, name, city and e-mail address."""
    active: bool | None = None
    limit: int | None = None


def list_employees(session: Session, wanted: EmployeeFilter) -> list[dict[str, Any]]:
    query = select(Employee).options(selectinload(Employee.sales_channels),
                                     selectinload(Employee.manager)).order_by(Employee.login)
    if wanted.representatives_only:
        query = query.where(Employee.sales_representative)
    if wanted.active is not None:
        query = query.where(Employee.active == wanted.active)
    if wanted.team:
        get_employee(session, wanted.team)
        query = query.where(Employee.login.in_(
            [wanted.team, *Staff.load(session).below(wanted.team)]))
    if wanted.channels:
        query = query.where(Employee.sales_channels.any(
            SalesChannel.name.in_(_known_channels(session, wanted.channels))))
    if wanted.text:
        like = f"%{_escaped(wanted.text.lower())}%"
        query = query.where(or_(func.lower(Employee.login).like(like, escape="/"),
                                func.lower(Employee.name).like(like, escape="/"),
                                func.lower(Employee.email).like(like, escape="/")))
    return [_employee(employee) for employee in session.scalars(query)]


def _employee(employee: Employee) -> dict[str, Any]:
    return {"login": employee.login, "name": employee.name,
            "representative": employee.sales_representative, "active": employee.active,
            "manager": employee.manager.login if employee.manager else None,
            "channels": ", ".join(channel.name for channel in employee.sales_channels),
            "email": employee.email, "time_zone": employee.time_zone}


def list_customers(session: Session, wanted: CustomerFilter) -> list[dict[str, Any]]:
    query = select(Customer).options(selectinload(Customer.sales_channel)) \
        .order_by(Customer.number)
    if wanted.channels:
        query = query.join(Customer.sales_channel).where(
            SalesChannel.name.in_(_known_channels(session, wanted.channels)))
    if wanted.active is not None:
        query = query.where(Customer.active == wanted.active)
    if wanted.text:
        like = f"%{_escaped(wanted.text.lower())}%"
        query = query.where(or_(*(func.lower(column).like(like, escape="/") for column in (
            Customer.number, Customer.name, Customer.city, Customer.email))))
    if wanted.limit is not None:
        query = query.limit(wanted.limit)
    return [_customer(customer) for customer in session.scalars(query)]


def customer_record(session: Session, number: str) -> dict[str, Any]:
    """One customer, in full, with how many (not deleted) activities they have."""
    customer = session.scalars(select(Customer).options(selectinload(Customer.sales_channel))
                               .where(Customer.number == number)).one_or_none()
    if customer is None:
        raise NotFound(f"no customer with number {number!r}")
    activities = session.scalar(select(func.count()).select_from(Activity).where(
        Activity.customer_id == customer.id, Activity.deleted_at.is_(None))) or 0
    return _customer(customer) | {
        "street": customer.street, "postal_code": customer.postal_code,
        "country": customer.country, "revision": customer.revision,
        "modified_at": customer.modified_at.isoformat(), "activities": activities}


def _customer(customer: Customer) -> dict[str, Any]:
    return {"number": customer.number, "name": customer.name,
            "channel": customer.sales_channel.name if customer.sales_channel else None,
            "active": customer.active, "city": customer.city, "phone": customer.phone,
            "email": customer.email, "address": customer.address}


def _known_channels(session: Session, names: Sequence[str]) -> list[str]:
    known = set(session.scalars(select(SalesChannel.name)))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidInput(f"channel: no sales channel named {unknown[0]!r}"
                           + (f" (there are: {', '.join(sorted(known))})" if known else ""))
    return list(names)


def _escaped(text: str) -> str:
    """``text`` matched literally by LIKE (its wildcards escaped)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def write_records(records: Iterable[dict[str, Any]], columns: Sequence[tuple[str, int]],
                  fmt: str, out: IO[str], noun: tuple[str, str]) -> int:
    """Write ``records`` to ``out`` in ``fmt`` (one of :data:`FORMATS`): a table of
    ``columns`` (name, width) ending with their count (``noun``: singular, plural), CSV of
    every field of the records, or a JSON array of them; how many were written."""
    records = list(records)
    if fmt == "table":
        widths = {name: max(width, len(name)) for name, width in columns}
        out.write("  ".join(name.upper().ljust(widths[name]) for name in widths).rstrip()
                  + "\n")
        for record in records:
            out.write("  ".join(_cell(record.get(name), width)
                                for name, width in widths.items()).rstrip() + "\n")
        out.write(f"({len(records)} {noun[0] if len(records) == 1 else noun[1]})\n")
    elif fmt == "csv":
        fields = list(records[0]) if records else [name for name, _ in columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        out.write(buffer.getvalue())
    elif fmt == "json":
        out.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        raise InvalidInput(f"format: {fmt!r}; choose from {', '.join(FORMATS)}")
    return len(records)


def _cell(value: object, width: int) -> str:
    text = "" if value is None else "yes" if value is True else "no" if value is False \
        else str(value)
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)
