"""What one import run did: counts and messages, kept as an ImportRun row."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bridge.models import ImportRun, Level, RunMessage, RunStatus, utcnow


@dataclass(frozen=True)
class Message:
    level: Level
    text: str
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.record}: " if self.record else ""
        what = f"field '{self.field}': " if self.field else ""
        return f"{self.level.value}: {where}{what}{self.text}"


@dataclass(frozen=True)
class Outcome:
    """What a run did with one record (collected for a preview: ``RunReport.outcomes``)."""

    record: str
    outcome: str
    """admitted, updated, unchanged or skipped."""
    reason: str = ""


COUNTS = ("read", "imported", "updated", "unchanged", "skipped", "delayed")


@dataclass
class RunReport:
    """Counts and messages of a run. Messages are written to the database in batches so a
    large export with many skips does not pile them up in memory; ``sample`` keeps every
    message about the run as a whole and the first ones about records for the terminal
    summary (the rest are in ``bridge runs show``)."""

    job: str
    source: str
    started_by: str
    clock: datetime
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    _general: list[Message] = field(default_factory=list)
    _notable: list[Message] = field(default_factory=list)
    _routine: list[Message] = field(default_factory=list)
    message_count: int = 0
    run_id: int | None = None
    exported_at: datetime | None = None
    _pending: list[Message] = field(default_factory=list)
    outcomes: list[Outcome] | None = None
    """Each record's outcome, when collected (a list given by whoever asks)."""

    SAMPLE_SIZE = 30
    INFO_SAMPLE_SIZE = 10

    def add(self, message: Message) -> None:
        self.message_count += 1
        self._pending.append(message)
        if message.record is None:
            self._general.append(message)
        elif message.level is Level.INFO:
            if len(self._routine) < self.INFO_SAMPLE_SIZE:
                self._routine.append(message)
        elif len(self._notable) < self.SAMPLE_SIZE:
            self._notable.append(message)

    def outcome(self, record: str, outcome: str, reason: str = "") -> None:
        if self.outcomes is not None:
            self.outcomes.append(Outcome(record, outcome, reason))

    @property
    def sample(self) -> list[Message]:
        """Messages about the run, the first warnings and errors about records, then the
        first routine (info) messages."""
        return self._general + self._notable + self._routine

    def start(self, session: Session) -> None:
        run = ImportRun(
            job=self.job,
            source=self.source,
            started_by=self.started_by,
            clock=self.clock,
            status=RunStatus.RUNNING,
        )
        session.add(run)
        session.flush()
        self.run_id = run.id

    def flush(self, session: Session) -> None:
        if self._pending and self.run_id is not None:
            session.execute(
                insert(RunMessage),
                [
                    {
                        "run_id": self.run_id,
                        "level": m.level.value,
                        "record": m.record,
                        "field": m.field,
                        "text": m.text,
                    }
                    for m in self._pending
                ],
            )
        self._pending.clear()

    def finish(self, session: Session, status: RunStatus = RunStatus.SUCCEEDED) -> None:
        self.flush(session)
        run = session.get(ImportRun, self.run_id)
        assert run is not None
        run.status = status
        run.finished_at = utcnow()
        run.exported_at = self.exported_at
        for name in COUNTS:
            setattr(run, name, self.counts[name])

    def record_failure(self, session: Session, error: BaseException) -> None:
        """Keep a failed run (in a fresh transaction, after its work was rolled back)."""
        self.counts.clear()
        self._general, self._notable, self._routine, self.message_count = [], [], [], 0
        self.add(Message(Level.ERROR, f"run failed, nothing was changed: {error}"))
        if self.run_id is None or session.get(ImportRun, self.run_id) is None:
            self.start(session)  # (its start could not be recorded either)
        self.finish(session, RunStatus.FAILED)
