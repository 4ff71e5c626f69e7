"""Batched look-ups the import needs for one chunk of records (one query each, as plain
rows: through the connection, not the ORM, which would spend more time on each row than the
database does)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.infra.db import among
from bridge.models import Activity, Customer, Employee, Origin, SalesChannel, Status, format_address


@dataclass(frozen=True)
class CustomerRef:
    id: int
    number: str
    name: str
    address: str

    @property
    def display(self) -> str:
        return f"{self.number} {self.name}"


@dataclass(frozen=True)
class RepresentativeRef:
    id: int
    login: str
    eligible: bool


@dataclass(frozen=True)
class ExistingActivity:
    id: int
    representative_id: int
    number: str
    origin: Origin
    status: Status
    frozen: bool
    fingerprint: str | None
    revision: int
    mobile_modified_at: datetime | None
    """When the mobile system last changed the version HQ holds."""


def customers_by_number(session: Session, numbers: Collection[str]) -> dict[str, CustomerRef]:
    connection = session.connection()
    rows = connection.execute(
        select(
            Customer.id,
            Customer.number,
            Customer.name,
            Customer.street,
            Customer.postal_code,
            Customer.city,
            Customer.country,
        ).where(among(connection, Customer.number, numbers))
    )
    return {
        row.number: CustomerRef(
            row.id, row.number, row.name,
            format_address(row.street, row.postal_code, row.city, row.country),
        )
        for row in rows
    }


class Customers:
    """Customers by number, each looked up once in a run (an activity import changes none)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[str, CustomerRef | None] = {}

    def by_number(self, numbers: Collection[str]) -> dict[str, CustomerRef]:
        missing = [number for number in numbers if number not in self._known]
        if missing:
            found = customers_by_number(self._session, missing)
            self._known.update((number, found.get(number)) for number in missing)
        return {number: ref for number in numbers if (ref := self._known[number]) is not None}


def representatives(session: Session) -> dict[str, RepresentativeRef]:
    """Every employee by login (HQ master data: small next to the activities)."""
    rows = session.connection().execute(
        select(Employee.id, Employee.login, Employee.eligible.label("eligible"))
    )
    return {row.login: RepresentativeRef(row.id, row.login, bool(row.eligible)) for row in rows}


def channels_by_name(session: Session) -> dict[str, int]:
    return {name: id_ for name, id_ in session.connection().execute(
        select(SalesChannel.name, SalesChannel.id))}


def activities_by_mobile_id(
    session: Session, mobile_ids: Collection[str]
) -> dict[str, ExistingActivity]:
    connection = session.connection()
    rows = connection.execute(
        select(
            Activity.id,
            Activity.representative_id,
            Activity.mobile_id,
            Activity.number,
            Activity.origin,
            Activity.status,
            Activity.frozen,
            Activity.mobile_fingerprint,
            Activity.revision,
            Activity.mobile_modified_at,
        ).where(among(connection, Activity.mobile_id, mobile_ids))
    )
    return {
        row.mobile_id: ExistingActivity(
            row.id, row.representative_id, row.number, row.origin, row.status, row.frozen,
            row.mobile_fingerprint, row.revision, row.mobile_modified_at,
        )
        for row in rows
    }


def number_owners(session: Session, numbers: Collection[str]) -> dict[str, str | None]:
    """Activity number → mobile id of the activity holding it (None for HQ/client ones)."""
    connection = session.connection()
    rows = connection.execute(select(Activity.number, Activity.mobile_id)
                              .where(among(connection, Activity.number, numbers)))
    return {number: mobile_id for number, mobile_id in rows}
