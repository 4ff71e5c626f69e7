"""*BUS: Import customers*: create or update partners from the mobile export."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from bridge.calendars import rendered
from bridge.exchange.records import CustomerRecord
from bridge.hq.writes import insert_customers, update_customers
from bridge.importing import lookups
from bridge.importing.job import ChunkedImport
from bridge.infra.bulk import NewRows, new_rows
from bridge.infra.db import among
from bridge.models import Customer, SalesChannel, utcnow

COMPARED = (
    "name", "sales_channel_id", "street", "postal_code", "city", "country", "phone", "email",
    "active",
)


@dataclass(frozen=True)
class CustomerWrites:
    """A decided chunk: customers to insert and to update, and the sales channel that each
    customer HQ held had before."""

    inserts: NewRows
    updates: list[dict[str, Any]]
    channels_before: dict[int, int | None]


class CustomerImport(ChunkedImport[CustomerRecord, CustomerWrites]):
    job = "customers"
    records_key = "customers"
    model = CustomerRecord
    reference_keys = ("number", "name")
    table = "customers"

    def key(self, record: CustomerRecord) -> str:
        return record.number

    def prepare(self) -> None:
        self.channels = lookups.channels_by_name(self.session)

    def look_up(self, chunk: list[CustomerRecord]) -> dict[str, Any]:
        """The chunk's customers HQ holds, by number (and its new sales channels created)."""
        for name in dict.fromkeys(record.sales_channel for record in chunk):
            if name and name not in self.channels:
                self._create_channel(name)
        connection = self.session.connection()
        return {
            row.number: row
            for row in connection.execute(
                select(Customer.id, Customer.number, Customer.revision, *_columns(COMPARED))
                .where(among(connection, Customer.number, [record.number for record in chunk]))
            )
        }

    def decide(self, chunk: list[CustomerRecord], found: dict[str, Any]) -> CustomerWrites:
        inserts, updates = [], []
        stamp = utcnow()
        for record in chunk:
            values = self._values(record)
            current = found.get(record.number)
            reference = f"{record.number} / {record.name}"
            if current is None:
                inserts.append({**values, "number": record.number, "created_at": stamp,
                                "modified_at": stamp, "revision": 1})
                self.report.outcome(reference, "admitted")
            elif any(getattr(current, name) != values[name] for name in COMPARED):
                updates.append({**values, "id": current.id, "number": record.number,
                                "modified_at": stamp, "revision": current.revision + 1})
                self.report.outcome(reference, "updated")
            else:
                self.report.counts["unchanged"] += 1
                self.report.outcome(reference, "unchanged")
        self.report.counts["imported"] += len(inserts)
        self.report.counts["updated"] += len(updates)
        return CustomerWrites(new_rows(self.dialect, Customer, inserts), updates,
                      {row.id: row.sales_channel_id for row in found.values()})

    def write(self, plan: CustomerWrites) -> None:
        insert_customers(self.session, plan.inserts)
        update_customers(self.session, plan.updates, plan.channels_before)
        rendered.refresh(self.session)

    def depends(self, chunk: list[CustomerRecord], plan: CustomerWrites) -> bool:
        written = {row["number"] for row in (*plan.inserts.rows, *plan.updates)}
        return any(record.number in written for record in chunk)

    def _values(self, record: CustomerRecord) -> dict[str, Any]:
        return {
            "name": record.name,
            "sales_channel_id": self.channels[record.sales_channel] if record.sales_channel
            else None,
            "street": record.address.street,
            "postal_code": record.address.postal_code,
            "city": record.address.city,
            "country": record.address.country,
            "phone": record.phone,
            "email": record.email,
            "active": record.active,
        }

    def _create_channel(self, name: str) -> None:
        """A sales channel HQ does not know yet."""
        self.channels[name] = self.session.scalars(
            insert(SalesChannel).values(name=name).returning(SalesChannel.id)).one()


def _columns(names: tuple[str, ...]) -> list[Any]:
    return [getattr(Customer, name) for name in names]


import_customers = CustomerImport.execute
