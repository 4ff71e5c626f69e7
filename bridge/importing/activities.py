"""*BUS: Import activities*: admit and update mobile sales appointments."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bridge.calendars import rendered
from bridge.exchange.records import AppointmentRecord
from bridge.hq.definitions import active_import_definition
from bridge.hq.writes import insert_activities, sweep_overdue, update_activities
from bridge.importing import lookups
from bridge.importing.admission import (
    ChunkContext,
    DefinitionRef,
    Insert,
    Skip,
    Unchanged,
    Update,
    decide,
)
from bridge.importing.job import ChunkedImport
from bridge.importing.report import Message, RunReport
from bridge.infra.bulk import NewRows, new_rows
from bridge.models import Activity, ImportRun, Level, RunStatus, utcnow


def missing_customer_message(channel: str, count: int) -> str:
    """The seed's notification, verbatim."""
    return (
        f"Sales Channel {channel} – {count} element(s) of Activities was skipped because "
        "connected partner does not exist in CEE system."
    )


@dataclass(frozen=True)
class ActivityWrites:
    """A decided chunk: its rows to insert (and the numbers of the customers they name) and
    to update, and what its look-ups would find changed once they are written (the mobile
    ids and activity numbers they hold or held)."""

    inserts: NewRows
    customer_numbers: dict[int, str]
    updates: list[dict[str, Any]]
    representatives_before: dict[int, int]
    mobile_ids: set[str]
    numbers: set[str]


class ActivityImport(ChunkedImport[AppointmentRecord, ActivityWrites]):
    job = "activities"
    records_key = "appointments"
    model = AppointmentRecord
    reference_keys = ("mobile_id", "number")
    table = "activities"

    def key(self, record: AppointmentRecord) -> str:
        return record.mobile_id

    def prepare(self) -> None:
        self.missing_by_channel: Counter[str] = Counter()
        self.outdated = 0
        definition = active_import_definition(self.session)
        self.definition = DefinitionRef(
            definition.id, definition.kind, definition.priority, definition.description_template
        )
        self._warn_without_customer_import()
        self.representatives = lookups.representatives(self.session)
        self.channels = lookups.channels_by_name(self.session)
        self.customers = lookups.Customers(self.session)

    def complete(self) -> None:
        self._report_missing_customers()
        self._report_outdated()
        mark_overdue(self.session, self.options.now, self.report)

    def _warn_without_customer_import(self) -> None:
        done = self.session.scalar(
            select(
                exists().where(
                    ImportRun.job == "customers", ImportRun.status == RunStatus.SUCCEEDED
                )
            )
        )
        if not done:
            self.report.add(
                Message(
                    Level.WARNING,
                    "no customer import has been run yet: appointments of customers that are "
                    "not in HQ are skipped. Run `bridge import customers` first, or "
                    "`bridge import data` which runs both in order.",
                )
            )

    def look_up(self, chunk: list[AppointmentRecord]) -> ChunkContext:
        return ChunkContext(
            now=self.options.now,
            definition=self.definition,
            representatives=self.representatives,
            customers=self.customers.by_number({r.customer for r in chunk}),
            channels=self.channels,
            existing=lookups.activities_by_mobile_id(self.session, [r.mobile_id for r in chunk]),
            number_owners=lookups.number_owners(self.session, {r.number for r in chunk}),
        )

    def decide(self, chunk: list[AppointmentRecord], found: ChunkContext) -> ActivityWrites:
        inserts, updates = [], []
        mobile_ids, numbers = set(), set()
        stamp = utcnow()
        for record in chunk:
            decision = decide(record, found)
            match decision:
                case Insert(values):
                    inserts.append({**values, "created_at": stamp, "modified_at": stamp})
                    self.report.outcome(_reference(record), "admitted")
                case Update(values):
                    updates.append({**values, "modified_at": stamp})
                    numbers.add(found.existing[record.mobile_id].number)
                    self.report.outcome(_reference(record), "updated")
                case Unchanged():
                    self.report.counts["unchanged"] += 1
                    self.report.outcome(_reference(record), "unchanged")
                case Skip():
                    self._skip(record, decision)
            if isinstance(decision, (Insert, Update)):
                found.number_owners[record.number] = record.mobile_id
                mobile_ids.add(record.mobile_id)
                numbers.add(record.number)
        self.report.counts["imported"] += len(inserts)
        self.report.counts["updated"] += len(updates)
        return ActivityWrites(new_rows(self.dialect, Activity, inserts), {
            customer.id: customer.number for customer in found.customers.values()}, updates, {
            existing.id: existing.representative_id for existing in found.existing.values()},
            mobile_ids, numbers)

    def write(self, plan: ActivityWrites) -> None:
        insert_activities(self.session, plan.inserts, plan.customer_numbers)
        update_activities(self.session, plan.updates, plan.representatives_before)
        rendered.refresh(self.session)  # chunk by chunk: the commit at the end stays short

    def depends(self, chunk: list[AppointmentRecord], plan: ActivityWrites) -> bool:
        return any(record.mobile_id in plan.mobile_ids or record.number in plan.numbers
                   for record in chunk)

    def _skip(self, record: AppointmentRecord, skip: Skip) -> None:
        self.report.counts["skipped"] += 1
        if skip.missing_customer:
            self.missing_by_channel[record.sales_channel or "(no sales channel)"] += 1
        self.outdated += skip.outdated
        reference = _reference(record)
        self.report.add(Message(skip.level, f"skipped: {skip.reason}", reference, skip.field))
        self.report.outcome(reference, "skipped", skip.reason)

    def _report_outdated(self) -> None:
        if self.outdated:
            self.report.add(Message(
                Level.WARNING,
                f"{self.outdated} appointment(s) not applied: HQ already holds a version the "
                "mobile system modified later (an export that arrived late or twice)",
            ))

    def _report_missing_customers(self) -> None:
        for channel, count in sorted(self.missing_by_channel.items()):
            self.report.add(Message(Level.WARNING, missing_customer_message(channel, count)))


import_activities = ActivityImport.execute


def _reference(record: AppointmentRecord) -> str:
    return f"{record.mobile_id} / {record.number}"


def mark_overdue(session: Session, now: datetime, report: RunReport) -> None:
    """The status sweep at the end of every import run (see
    :func:`bridge.hq.writes.sweep_overdue`), reported."""
    changed = sweep_overdue(session, now)
    report.counts["delayed"] += changed
    if changed:
        report.add(
            Message(
                Level.INFO,
                f"{changed} appointment(s) not processed in time are now Delayed; "
                "mobile changes to them are no longer imported",
            )
        )
