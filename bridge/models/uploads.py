"""Export files uploaded in the cockpit, waiting for their confirmation: kept in the database
(not on a server's disk) so that any server process behind a load balancer can preview,
import or discard them (``bridge.importing.staging``)."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base, UTCDateTime, utcnow


class StagedUpload(Base):
    """One uploaded file: who uploaded it, its name as uploaded, and its dry run's preview."""

    __tablename__ = "staged_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    """As uploaded (what pages show)."""
    size: Mapped[int] = mapped_column(default=0)
    ready: Mapped[bool] = mapped_column(default=False)
    """All its parts are kept (an upload cut off half-way never is) and no server process is
    importing it (one claims it for its import: never two at once)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    preview: Mapped[str | None] = mapped_column(Text)
    """Its dry run's counts and messages (JSON), once run."""
    outcomes: Mapped[str | None] = mapped_column(Text)
    """Its dry run's outcome of each record (one JSON object a line), once run."""


class StagedUploadPart(Base):
    """One part (up to a MiB) of an uploaded file's bytes, in order."""

    __tablename__ = "staged_upload_parts"

    token: Mapped[str] = mapped_column(
        ForeignKey("staged_uploads.token", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
