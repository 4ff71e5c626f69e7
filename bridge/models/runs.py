"""Import runs and their messages: what `bridge runs list|show` presents."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, UTCDateTime, utcnow


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """Its process ended before the run did (killed, the machine lost): nothing of it was
    kept; found so by the next run or look at the runs (``bridge.importing.runs``)."""


class Level(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(1024))
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    delayed: Mapped[int] = mapped_column(default=0)

    messages: Mapped[list["RunMessage"]] = relationship(
        back_populates="run", order_by="RunMessage.id", cascade="all, delete-orphan"
    )


class RunMessage(Base):
    __tablename__ = "run_messages"
    __table_args__ = (Index("ix_run_messages_run", "run_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))
    record: Mapped[str | None] = mapped_column(String(255))
    field: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)

    run: Mapped[ImportRun] = relationship(back_populates="messages")
