"""Import runs on record: reading them, and finding the interrupted ones.

A run is recorded as running before its work begins, and from before that record is
committed until the run is over on record, its process holds a lock of the run's own
(:mod:`bridge.infra.alive`). So whoever finds a run recorded as running whose lock is free
knows its process ended without finishing it — killed, or its machine or connection lost; its
work was rolled back with its transaction. Every look at the runs marks such runs
interrupted, and so does each run as it begins. A run that is waiting for another to end
(the import lock) holds its own lock meanwhile: it is listed as running, never interrupted.
"""

from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bridge.hq.errors import NotFound
from bridge.importing.report import Message
from bridge.infra import alive
from bridge.infra.conflicts import conflict_of
from bridge.infra.db import transaction
from bridge.models import ImportRun, Level, RunMessage
from bridge.models.runs import RunStatus

INTERRUPTED = ("the run was interrupted: its process ended before it finished (killed, or "
               "its machine stopped); nothing of it was imported — run it again")
"""What `bridge runs show` and the cockpit say of an interrupted run."""


def list_runs(engine: Engine, limit: int, offset: int = 0) -> list[ImportRun]:
    """The runs, newest first, each as it stands (see :func:`_find_interrupted`)."""
    gone = _find_interrupted(engine)
    with transaction(engine, write=False) as session:
        runs = list(session.scalars(
            select(ImportRun).order_by(ImportRun.id.desc()).limit(limit).offset(offset)))
    return _as_they_stand(runs, gone)


def find_run(engine: Engine, run_id: int) -> ImportRun:
    """Run ``run_id`` as it stands; :class:`NotFound` if there is none."""
    gone = _find_interrupted(engine)
    with transaction(engine, write=False) as session:
        run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"there is no import run {run_id}")
    return _as_they_stand([run], gone)[0]


def get_run(engine: Engine, run_id: int) -> tuple[ImportRun, list[Message]]:
    """Run ``run_id`` as it stands, and all its messages."""
    run = find_run(engine, run_id)
    with transaction(engine, write=False) as session:
        rows = session.scalars(
            select(RunMessage).where(RunMessage.run_id == run_id).order_by(RunMessage.id)
        )
        return run, [Message(Level(m.level), m.text, m.record, m.field) for m in rows]


def last_run_of(engine: Engine, source: str) -> ImportRun | None:
    """The latest run of the file ``source`` (as its run recorded it), if any, as it stands."""
    gone = _find_interrupted(engine)
    with transaction(engine, write=False) as session:
        run = session.scalar(select(ImportRun).where(ImportRun.source == source)
                             .order_by(ImportRun.id.desc()).limit(1))
    return None if run is None else _as_they_stand([run], gone)[0]


def mark_interrupted(session: Session, besides: int | None = None) -> int:
    """Mark the runs recorded as running whose process is gone (their lock is free, see
    :func:`bridge.infra.alive.gone`) interrupted; how many there were. ``besides``: the
    caller's own run, recorded in its transaction (a dry run's, never held)."""
    dead = _gone(session, besides)
    if not dead:
        return 0
    # (a DML statement's result is a CursorResult: Session.execute is typed for any statement)
    result = cast(CursorResult[Any], session.execute(update(ImportRun).where(
        ImportRun.id.in_(dead), ImportRun.status == RunStatus.RUNNING)  # (one may have ended)
        .values(status=RunStatus.INTERRUPTED)))
    return result.rowcount


def _find_interrupted(engine: Engine) -> set[int]:
    """:func:`mark_interrupted`; when that would mean waiting (SQLite: an import is writing;
    the runs it finds gone are marked as it begins), the runs it would have marked: they are
    shown as interrupted all the same."""
    try:
        with transaction(engine, wait=0) as session:
            mark_interrupted(session)
        return set()
    except OperationalError as error:
        if conflict_of(error.orig) is None:
            raise
    with transaction(engine, write=False) as session:
        candidates = _gone(session)
    if not candidates:
        return set()
    with transaction(engine, write=False) as session:  # (read after their locks were free:
        return _running(session, among=candidates)    # those still running are gone)


def _gone(session: Session, besides: int | None = None) -> set[int]:
    """The runs recorded as running (``besides`` that one) whose lock nobody holds."""
    return alive.gone(session.connection(), _running(session, besides))


def _running(session: Session, besides: int | None = None,
             among: Collection[int] | None = None) -> set[int]:
    """The runs recorded as running (``among`` those given; ``besides`` that one)."""
    query = select(ImportRun.id).where(ImportRun.status == RunStatus.RUNNING,
                                       ImportRun.id != (besides or 0))
    if among is not None:
        query = query.where(ImportRun.id.in_(among))
    return set(session.scalars(query))


def _as_they_stand(runs: list[ImportRun], gone: Collection[int]) -> list[ImportRun]:
    """``runs`` (read, no longer in their session), those ``gone`` shown as interrupted."""
    for run in runs:
        if run.id in gone:
            run.status = RunStatus.INTERRUPTED
    return runs
