"""Reading past import runs."""

from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.infra.errors import NotFound
from bridge.importing.report import Message
from bridge.models import ImportRun, Level, RunMessage


def list_runs(engine: Engine, limit: int) -> list[ImportRun]:
    with transaction(engine, write=False) as session:
        return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def get_run(engine: Engine, run_id: int) -> tuple[ImportRun, list[Message]]:
    with transaction(engine, write=False) as session:
        run = session.get(ImportRun, run_id)
        if run is None:
            raise NotFound(f"there is no import run {run_id} (see `bridge runs list`)")
        rows = session.scalars(
            select(RunMessage).where(RunMessage.run_id == run_id).order_by(RunMessage.id)
        )
        return run, [Message(Level(m.level), m.text, m.record, m.field) for m in rows]
