"""Running an import job: one transaction, applied whole or not at all."""

import functools
from collections.abc import Callable, Hashable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from bridge.calendars import rendered
from bridge.exchange.reader import Header, RecordStream, read_header
from bridge.importing.pipeline import WriteBehind
from bridge.importing.report import Outcome, RunReport
from bridge.importing.runs import mark_interrupted
from bridge.importing.streaming import CHUNK_SIZE, unique_chunks, validated
from bridge.infra import alive
from bridge.infra.db import transaction
from bridge.infra.locks import IMPORT_LOCK

Progress = Callable[[int], None]
"""Called with the number of bytes of the input read so far."""

R = TypeVar("R", bound=BaseModel)
P = TypeVar("P")


@dataclass(frozen=True)
class ImportOptions:
    now: datetime
    started_by: str
    dry_run: bool = False
    progress: Progress | None = None
    outcomes: list[Outcome] | None = None
    """Given a list, each record's outcome is appended to it (a preview's detail)."""
    source: str | None = None
    """What its run records as its file (by default the path read): an upload's name."""


def run_job(
    engine: Engine, report: RunReport, work: Callable[[Session, RunReport], None], table: str
) -> RunReport:
    """Run ``work`` in one write transaction and keep the run.

    The run is on record (running) before its work begins, so that a run whose process is
    killed is still listed — as interrupted, once found so (:mod:`bridge.importing.runs`):
    its lock (:mod:`bridge.infra.alive`) is held from before that record is committed until
    the run has ended on record. A dry run does all the work, then rolls it back, its record
    too: its report is exactly what the real run would do. A failed run is rolled back
    whole, then kept as a failed run with its error. ``table`` is the one the run fills (its
    statistics, see :func:`refresh_statistics`).
    """
    with ExitStack() as alive_while:
        if not report.dry_run:
            with transaction(engine) as session:
                report.start(session)
                assert report.run_id is not None  # (start records the run)
                alive_while.enter_context(alive.holding(engine, report.run_id))
        try:  # one import at a time
            with transaction(engine, take=[IMPORT_LOCK], keep=not report.dry_run) as session:
                _plan_by_indexes(session.connection())
                if report.dry_run:
                    report.start(session)
                mark_interrupted(session, besides=report.run_id)
                work(session, report)
                report.finish(session)
        except Exception as error:
            if not report.dry_run:
                with transaction(engine) as session:
                    report.record_failure(session, error)
            raise
    if not report.dry_run:
        refresh_statistics(engine, report, table)
    return report


def _plan_by_indexes(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # The planner's statistics predate the rows this run inserts, so as the table
        # grows it would keep scanning it whole for each chunk's look-ups (quadratic
        # time). Every look-up of the import has an index: make the planner use it.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # A scan that must stay (of a temporary table, bridge.infra.bulk) is then
        # costed so high that PostgreSQL compiles it (JIT): 50–70 ms per statement.
        connection.exec_driver_sql("SET LOCAL jit = off")


ANALYZE_AFTER = 10_000
"""Rows a run must write before the planner's statistics are refreshed after it."""


def refresh_statistics(engine: Engine, report: RunReport, table: str) -> None:
    """After a run that wrote many rows into a table its planner statistics describe as
    smaller, refresh PostgreSQL's statistics now: the calendar server's queries would be
    planned for tables a fraction of their size until autovacuum gets to it (once a tenth
    of a table has changed). A run that wrote fewer rows than the statistics know leaves the
    plans as they are: a sample of every table costs seconds at a million rows. SQLite plans
    by its indexes alone."""
    written = report.counts["imported"] + report.counts["updated"]
    if engine.dialect.name != "postgresql" or written < ANALYZE_AFTER:
        return
    with engine.connect() as opened:
        connection = opened.execution_options(isolation_level="AUTOCOMMIT")
        known = connection.scalar(text("SELECT reltuples FROM pg_class WHERE oid = "
                                       "to_regclass(:table)"), {"table": table})
        if known is None or written > known:
            connection.exec_driver_sql("ANALYZE")


class ChunkedImport(Generic[R, P]):
    """One run over one exchange file: records are validated, cut into chunks in which no
    key repeats, and each chunk is looked up, decided and written with a few batched
    statements.

    A chunk's writes run behind (:mod:`bridge.importing.pipeline`) while the next chunk is
    validated and decided, unless that chunk :meth:`depends` on them. Subclasses name the
    file kind and record model, and implement the three steps.
    """

    job: ClassVar[str]
    records_key: ClassVar[str]
    model: ClassVar[type[BaseModel]]
    reference_keys: ClassVar[tuple[str, ...]]
    table: ClassVar[str]
    """The table the import fills."""
    chunk_size: ClassVar[int] = CHUNK_SIZE

    def __init__(
        self, session: Session, report: RunReport, header: Header, options: ImportOptions
    ) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.report = report
        self.header = header
        self.options = options

    @classmethod
    def execute(cls, engine: Engine, path: Path, options: ImportOptions) -> RunReport:
        header = read_header(path, expect=cls.records_key)
        report = RunReport(cls.job, options.source or str(path), options.started_by,
                           options.now, options.dry_run, outcomes=options.outcomes)
        report.exported_at = header.exported_at
        return run_job(
            engine, report, lambda session, run: cls(session, run, header, options).run(),
            cls.table)

    def key(self, record: R) -> Hashable:
        """What identifies a record across exports."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Before the first chunk."""

    def look_up(self, chunk: list[R]) -> Any:
        """Read what deciding the chunk needs (no write of a chunk runs meanwhile)."""
        raise NotImplementedError

    def decide(self, chunk: list[R], found: Any) -> P:
        """What to write for the chunk, and its outcomes reported; the database untouched
        (the previous chunk's writes may be running)."""
        raise NotImplementedError

    def write(self, plan: P) -> None:
        """Write a decided chunk (perhaps in the writer's thread: the report is not used)."""
        raise NotImplementedError

    def depends(self, chunk: list[R], plan: P) -> bool:
        """Whether looking up ``chunk`` could read rows ``plan`` writes: the plan is then
        written before."""
        return True

    def complete(self) -> None:
        """After the last chunk."""

    def run(self) -> None:
        self.prepare()
        stream = RecordStream(self.header)
        # (``model`` is each subclass's R, which a ClassVar cannot name)
        records = cast(Iterator[R], validated(stream, self.model, self.report,
                                              self.reference_keys))
        plan: P | None = None
        # the rendered texts are made aside; the writes run behind
        with rendered.helper_process(self.session), WriteBehind() as writer:
            for chunk in unique_chunks(records, self.key, self.chunk_size):
                writer.wait()
                if plan is not None and self.depends(chunk, plan):
                    self.write(plan)
                    plan = None
                self.report.flush(self.session)
                found = self.look_up(chunk)
                if plan is not None:
                    writer.submit(functools.partial(self.write, plan))
                plan = self.decide(chunk, found)
                if self.options.progress:
                    self.options.progress(stream.position)
            writer.wait()
            if plan is not None:
                self.write(plan)
            self.report.flush(self.session)
            self.complete()
