"""*BUS: Import activities*: admit and update mobile sales appointments."""

from collections import Counter
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, exists, insert, select, update
from sqlalchemy.orm import Session

from bridge.definitions import active_import_definition
from bridge.exchange.reader import Header, RecordStream, read_header
from bridge.exchange.records import AppointmentRecord
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
from bridge.importing.job import ImportOptions, run_job
from bridge.importing.report import Message, RunReport
from bridge.importing.streaming import unique_chunks, validated
from bridge.models import Activity, ImportRun, Kind, Level, Origin, RunStatus, Status, utcnow
from bridge.rules.status import NOT_PROCESSED_NOTE

JOB = "activities"


def missing_customer_message(channel: str, count: int) -> str:
    """The seed's notification, verbatim."""
    return (
        f"Sales Channel {channel} – {count} element(s) of Activities was skipped because "
        "connected partner does not exist in CEE system."
    )


def import_activities(engine: Engine, path: Path, options: ImportOptions) -> RunReport:
    header = read_header(path, expect="appointments")
    report = RunReport(JOB, str(path), options.started_by, options.now, options.dry_run)
    report.exported_at = header.exported_at
    return run_job(
        engine, report, lambda session, run: ActivityImport(session, run, header, options).run()
    )


class ActivityImport:
    def __init__(
        self, session: Session, report: RunReport, header: Header, options: ImportOptions
    ) -> None:
        self.session = session
        self.report = report
        self.header = header
        self.options = options
        self.missing_by_channel: Counter[str] = Counter()

    def run(self) -> None:
        definition = active_import_definition(self.session)
        self.definition = DefinitionRef(
            definition.id, definition.kind, definition.priority, definition.description_template
        )
        self._warn_without_customer_import()
        self.representatives = lookups.representatives(self.session)
        self.channels = lookups.channels_by_name(self.session)
        stream = RecordStream(self.header)
        records = validated(stream, AppointmentRecord, self.report, ("mobile_id", "number"))
        for chunk in unique_chunks(records, key=lambda record: record.mobile_id):
            self._apply(chunk)
            self.report.flush(self.session)
            if self.options.progress:
                self.options.progress(stream.position)
        self._report_missing_customers()
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

    def _context(self, chunk: list[AppointmentRecord]) -> ChunkContext:
        return ChunkContext(
            now=self.options.now,
            definition=self.definition,
            representatives=self.representatives,
            customers=lookups.customers_by_number(self.session, {r.customer for r in chunk}),
            channels=self.channels,
            existing=lookups.activities_by_mobile_id(self.session, [r.mobile_id for r in chunk]),
            number_owners=lookups.number_owners(self.session, {r.number for r in chunk}),
        )

    def _apply(self, chunk: list[AppointmentRecord]) -> None:
        ctx = self._context(chunk)
        inserts, updates = [], []
        stamp = utcnow()
        for record in chunk:
            decision = decide(record, ctx)
            match decision:
                case Insert(values):
                    inserts.append({**values, "created_at": stamp, "modified_at": stamp})
                case Update(values):
                    updates.append({**values, "modified_at": stamp})
                case Unchanged():
                    self.report.counts["unchanged"] += 1
                case Skip():
                    self._skip(record, decision)
            if isinstance(decision, (Insert, Update)):
                ctx.number_owners[record.number] = record.mobile_id  # type: ignore[index]
        if inserts:
            self.session.execute(insert(Activity), inserts)
        if updates:
            self.session.execute(update(Activity), updates)
        self.report.counts["imported"] += len(inserts)
        self.report.counts["updated"] += len(updates)

    def _skip(self, record: AppointmentRecord, skip: Skip) -> None:
        self.report.counts["skipped"] += 1
        if skip.missing_customer:
            self.missing_by_channel[record.sales_channel or "(no sales channel)"] += 1
        reference = f"{record.mobile_id} / {record.number}"
        self.report.add(Message(skip.level, f"skipped: {skip.reason}", reference, skip.field))

    def _report_missing_customers(self) -> None:
        for channel, count in sorted(self.missing_by_channel.items()):
            self.report.add(Message(Level.WARNING, missing_customer_message(channel, count)))


def mark_overdue(session: Session, now: datetime, report: RunReport) -> None:
    """Appointments whose processing period elapsed without completion become Delayed.

    Mobile ones are frozen too: from then on the import no longer changes them.
    """
    overdue = update(Activity).where(
        Activity.kind == Kind.APPOINTMENT,
        Activity.status == Status.PLANNED,
        Activity.end_at < now,
        Activity.deleted_at.is_(None),
    )
    changes = {"status": Status.DELAYED, "revision": Activity.revision + 1, "modified_at": utcnow()}
    options = {"synchronize_session": False}
    mobile = session.execute(
        overdue.where(Activity.origin == Origin.MOBILE).values(
            frozen=True,
            status_note=NOT_PROCESSED_NOTE,
            description=Activity.description + "\n" + NOT_PROCESSED_NOTE,
            **changes,
        ),
        execution_options=options,
    )
    others = session.execute(
        overdue.where(Activity.origin != Origin.MOBILE).values(**changes),
        execution_options=options,
    )
    changed = mobile.rowcount + others.rowcount
    report.counts["delayed"] += changed
    if changed:
        report.add(
            Message(
                Level.INFO,
                f"{changed} appointment(s) not processed in time are now Delayed; "
                "mobile changes to them are no longer imported",
            )
        )
