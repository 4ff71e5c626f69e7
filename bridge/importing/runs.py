"""Import runs on record: reading them, and finding the interrupted ones.

A run is recorded as running before its work begins, and its work holds the import lock
(:data:`bridge.infra.locks.IMPORT_LOCK`) until it ends. So whoever holds that lock and
finds another run still marked running knows its process ended without finishing it — killed,
or its machine lost; its work was rolled back with its transaction. The next run marks such
runs interrupted, and so does every look at the runs that can take the lock at once.
"""

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bridge.importing.report import Message
from bridge.infra.conflicts import conflict_of
from bridge.infra.db import transaction
from bridge.infra.errors import NotFound
from bridge.infra.locks import IMPORT_LOCK, try_take
from bridge.models import ImportRun, Level, RunMessage
from bridge.models.runs import RunStatus

INTERRUPTED = ("the run was interrupted: its process ended before it finished (killed, or "
               "its machine stopped); nothing of it was imported — run it again")
"""What `bridge runs show` says of an interrupted run."""


def list_runs(engine: Engine, limit: int) -> list[ImportRun]:
    _find_interrupted(engine)
    with transaction(engine, write=False) as session:
        return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def get_run(engine: Engine, run_id: int) -> tuple[ImportRun, list[Message]]:
    _find_interrupted(engine)
    with transaction(engine, write=False) as session:
        run = session.get(ImportRun, run_id)
        if run is None:
            raise NotFound(f"there is no import run {run_id} (see `bridge runs list`)")
        rows = session.scalars(
            select(RunMessage).where(RunMessage.run_id == run_id).order_by(RunMessage.id)
        )
        return run, [Message(Level(m.level), m.text, m.record, m.field) for m in rows]


def last_run_of(engine: Engine, source: str) -> ImportRun | None:
    """The latest run of the file ``source`` (as its run recorded it), if any."""
    _find_interrupted(engine)
    with transaction(engine, write=False) as session:
        return session.scalar(select(ImportRun).where(ImportRun.source == source)
                              .order_by(ImportRun.id.desc()).limit(1))


def mark_interrupted(session: Session, besides: int | None = None) -> int:
    """Mark the runs still recorded as running interrupted (the caller holds the import
    lock; ``besides``: its own run); how many there were.

    A run that was only waiting for the lock is marked too; it takes its mark back as its
    work begins (:func:`begin_work`), so it is listed as interrupted only while it works,
    and as what it ended as afterwards — or stays interrupted, if it is killed meanwhile."""
    found = session.execute(update(ImportRun).where(
        ImportRun.status == RunStatus.RUNNING, ImportRun.id != (besides or 0))
        .values(status=RunStatus.INTERRUPTED))
    return found.rowcount


def begin_work(session: Session, run_id: int | None) -> None:
    """The run's work begins (holding the import lock): it is running, whatever a run before
    it found, and every other run still marked running is not."""
    if run_id is not None:
        session.execute(update(ImportRun).where(ImportRun.id == run_id)
                        .values(status=RunStatus.RUNNING))
    mark_interrupted(session, besides=run_id)


def _find_interrupted(engine: Engine) -> None:
    """:func:`mark_interrupted`, if no run is at work now (never waiting for one)."""
    try:
        with transaction(engine, wait=0) as session:
            if try_take(session.connection(), IMPORT_LOCK):
                mark_interrupted(session)
    except OperationalError as error:  # SQLite: a writer is at work
        if conflict_of(error.orig) is None:
            raise
