"""What lost, kept: a calendar client's value that HQ did not take, kept with who, when and
why, for an HQ user to apply to the activity or dismiss."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.activities import Activity
from bridge.models.base import Base, UTCDateTime
from bridge.models.people import Employee


class LostReason(enum.StrEnum):
    TEXT_PRIORITY = "text priority hq"
    """The representative's text priority is ``hq``: HQ's name or description stayed."""
    READ_ONLY = "read-only"
    """The write was refused: the item is read-only (a mobile appointment)."""
    OUTSIDE_WINDOW = "outside window"
    """The write was refused: the item lies outside the synchronization window."""


class LostValue(Base):
    """One field of a client's write that HQ did not take."""

    __tablename__ = "lost_values"
    __table_args__ = (Index("ix_lost_values_open", "representative_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    href: Mapped[str] = mapped_column(String(255))
    """The item the client wrote (an activity's, or a new item HQ refused)."""
    field: Mapped[str] = mapped_column(String(32))
    client_value: Mapped[str] = mapped_column(Text)
    hq_value: Mapped[str | None] = mapped_column(Text)
    """What HQ kept instead, when the value was received."""
    reason: Mapped[LostReason] = mapped_column(Enum(
        LostReason, native_enum=False, length=32,
        values_callable=lambda members: [m.value for m in members]))
    detail: Mapped[str] = mapped_column(Text, default="")
    private: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The client sent it in a private item: only its representative sees it, whether or not
    it is an activity's (``bridge.hq.privacy``)."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))
    """``applied`` or ``dismissed``."""

    representative: Mapped[Employee] = relationship()
    activity: Mapped[Activity | None] = relationship()
