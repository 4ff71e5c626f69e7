"""WebDAV-Push subscriptions (draft-bitfire-webdav-push-00): a device's Web Push
subscription to one collection's changes, registered by its calendar client
(``bridge.calendars.push``), and what the dispatcher sent it. The server's VAPID key pair
and the secret its push topics are made with are ``ServerKey`` rows
(``bridge.infra.vapid``)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base, UTCDateTime, utcnow


class PushSubscription(Base):
    """One registration: the push resource a collection's changes are sent to, with the keys
    the messages are encrypted for, until it expires."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("collection_id", "push_resource"),
        Index("ix_push_subscriptions_employee_expires", "employee_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration: Mapped[str] = mapped_column(String(32), unique=True)
    """The random last segment of the registration URL (its ``Location``)."""
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    """Who registered it: only they may remove it; the cap counts theirs."""
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("dav_collections.id", ondelete="CASCADE"), index=True)
    """The collection whose changes wake it (a manager's team view: the representative's
    collection it shows)."""
    push_resource: Mapped[str] = mapped_column(String(2048))
    """The push service's URL of the device (checked by ``bridge.infra.push_urls``)."""
    public_key: Mapped[str] = mapped_column(String(255))
    """The subscription's P-256 ECDH public key (``p256dh``), base64url."""
    auth_secret: Mapped[str] = mapped_column(String(64))
    """The subscription's authentication secret, base64url."""
    content_update: Mapped[bool] = mapped_column(default=True)
    property_update: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    known_token: Mapped[str | None] = mapped_column(String(512))
    """The collection's sync token the device last heard of (by a message, its registration
    or its own change): a different one wakes it."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When a message last reached its push service (bursts are merged after it)."""
    failures: Mapped[int] = mapped_column(default=0)
    """Deliveries failed in a row (404/410 remove it at once; others are retried later)."""
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServerLease(Base):
    """Work one server process at a time may do (across workers and machines): held by
    ``holder`` until ``expires_at`` unless renewed (``bridge.infra.leases``)."""

    __tablename__ = "server_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
