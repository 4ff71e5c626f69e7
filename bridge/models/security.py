"""What the servers' sign-ins share through the database: failed-login counts, the key that
signs the cockpit's session cookies (every server process sees the same), device passwords
and the audit trail."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base, UTCDateTime, utcnow


class LoginFailures(Base):
    """Recent failed sign-ins of one login or from one address (``scope`` says which)."""

    __tablename__ = "login_failures"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServerKey(Base):
    """A secret the server processes share (made once, on first use)."""

    __tablename__ = "server_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class DevicePassword(Base):
    """A password an employee made for one device's calendar client (random, shown once,
    kept as a SHA-256 hash: it has 128+ bits of its own, no slow hash needed). It signs in to
    the calendar server only, never the cockpit."""

    __tablename__ = "device_passwords"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_from: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One thing that happened to who may sign in where: a sign-in, a device password made,
    used from a new address or revoked, a session ended, a setting changed. Never a password
    or a secret."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    login: Mapped[str | None] = mapped_column(String(64), index=True)
    """Whose account it concerns (as typed, for a failed sign-in of an unknown login)."""
    actor: Mapped[str | None] = mapped_column(String(64))
    """Who did it, when not ``login`` themselves (an HQ user revoking, ending a session)."""
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(500), default="")
