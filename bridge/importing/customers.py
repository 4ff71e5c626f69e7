"""*BUS: Import customers*: create or update partners from the mobile export."""

from typing import Any

from sqlalchemy import insert, select

from bridge.calendars import kept
from bridge.exchange.records import CustomerRecord
from bridge.importing import lookups
from bridge.hq.writes import insert_customers, update_customers
from bridge.importing.job import ChunkedImport
from bridge.models import Customer, SalesChannel, utcnow

COMPARED = (
    "name", "sales_channel_id", "street", "postal_code", "city", "country", "phone", "email",
    "active",
)


class CustomerImport(ChunkedImport[CustomerRecord]):
    job = "customers"
    records_key = "customers"
    model = CustomerRecord
    reference_keys = ("number", "name")

    def key(self, record: CustomerRecord) -> str:
        return record.number

    def prepare(self) -> None:
        self.channels = lookups.channels_by_name(self.session)

    def apply(self, chunk: list[CustomerRecord]) -> None:
        existing = {
            row.number: row
            for row in self.session.execute(
                select(Customer.id, Customer.number, Customer.revision, *_columns(COMPARED))
                .where(Customer.number.in_([record.number for record in chunk]))
            )
        }
        stamp = utcnow()
        inserts, updates = [], []
        for record in chunk:
            values = self._values(record)
            current = existing.get(record.number)
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
        insert_customers(self.session, inserts)
        update_customers(self.session, updates, {
            row.id: row.sales_channel_id for row in existing.values()})
        kept.refresh(self.session)
        self.report.counts["imported"] += len(inserts)
        self.report.counts["updated"] += len(updates)

    def _values(self, record: CustomerRecord) -> dict[str, Any]:
        return {
            "name": record.name,
            "sales_channel_id": self._channel_id(record.sales_channel),
            "street": record.address.street,
            "postal_code": record.address.postal_code,
            "city": record.address.city,
            "country": record.address.country,
            "phone": record.phone,
            "email": record.email,
            "active": record.active,
        }

    def _channel_id(self, name: str | None) -> int | None:
        """The channel's id; a channel HQ does not know yet is created."""
        if not name:
            return None
        if name not in self.channels:
            self.channels[name] = self.session.scalars(
                insert(SalesChannel).values(name=name).returning(SalesChannel.id)
            ).one()
        return self.channels[name]


def _columns(names: tuple[str, ...]) -> list[Any]:
    return [getattr(Customer, name) for name in names]


import_customers = CustomerImport.execute
