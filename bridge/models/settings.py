"""Per-representative activity synchronization settings."""

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base
from bridge.models.people import Employee


class TextPriority(enum.StrEnum):
    HQ = "hq"
    CLIENT = "client"


DEFAULT_CALENDAR_WINDOW = ("-90d", "+365d")
DEFAULT_TASK_WINDOW = ("-365d", "+365d")


class SyncSettings(Base):
    """What a representative's calendar client gets, and what its writes do.

    Window bounds are either a date (``2026-01-01``) or days relative to today (``-30d``,
    ``+365d``); see :mod:`bridge.hq.windows`.
    """

    __tablename__ = "sync_settings"

    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    )
    calendar_start: Mapped[str] = mapped_column(String(32), default=DEFAULT_CALENDAR_WINDOW[0])
    calendar_end: Mapped[str] = mapped_column(String(32), default=DEFAULT_CALENDAR_WINDOW[1])
    task_start: Mapped[str] = mapped_column(String(32), default=DEFAULT_TASK_WINDOW[0])
    task_end: Mapped[str] = mapped_column(String(32), default=DEFAULT_TASK_WINDOW[1])
    transfer_tasks: Mapped[bool] = mapped_column(default=True)
    transfer_appointments: Mapped[bool] = mapped_column(default=True)
    text_priority: Mapped[TextPriority] = mapped_column(
        Enum(
            TextPriority,
            native_enum=False,
            length=16,
            values_callable=lambda members: [m.value for m in members],
        ),
        default=TextPriority.HQ,
    )
    time_zone: Mapped[str | None] = mapped_column(String(64))
    """IANA zone of floating times the client sends; None: the server's ([storage] time_zone)."""

    employee: Mapped[Employee] = relationship()
