"""Running an import job: one transaction, applied whole or not at all."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bridge.db import session_factory, transaction
from bridge.importing.report import RunReport


Progress = Callable[[int], None]
"""Called with the number of bytes of the input read so far."""


@dataclass(frozen=True)
class ImportOptions:
    now: datetime
    started_by: str
    dry_run: bool = False
    progress: Progress | None = None


def run_job(
    engine: Engine, report: RunReport, work: Callable[[Session, RunReport], None]
) -> RunReport:
    """Run ``work`` in one write transaction and keep the run.

    A dry run does all the work, then rolls it back: its report is exactly what the real run
    would do. A failed run is rolled back whole, then kept as a failed run with its error.
    """
    try:
        with session_factory(engine)() as session:
            session.begin()
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            report.start(session)
            work(session, report)
            report.finish(session)
            if report.dry_run:
                session.rollback()
            else:
                session.commit()
    except Exception as error:
        if not report.dry_run:
            with transaction(engine) as session:
                report.record_failure(session, error)
        raise
    return report
