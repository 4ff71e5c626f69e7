"""Calendar subscriptions: a representative's secret address of their appointments as one
iCalendar file, for clients that subscribe to a calendar by URL (Outlook, Google, Apple)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base, UTCDateTime, utcnow


class CalendarSubscription(Base):
    """One representative's subscription. Only a hash of its secret is kept: the address is
    shown once, when it is made; a renewed one replaces it, a revoked one is deleted."""

    __tablename__ = "calendar_subscriptions"

    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the secret, hex (the secret has 192 random bits: no salt or slow hash
    needed, and a request is found by one indexed lookup)."""
    include_tasks: Mapped[bool] = mapped_column(default=False)
    """Whether tasks with a due date are in the file too, as events at their due time."""
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the representative gives the address to others: then their private
    appointments are in the file as busy time only."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    """Login of whoever made (or last renewed) it."""
