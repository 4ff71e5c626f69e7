"""What the servers' sign-ins share through the database: failed-login counts and the key
that signs the cockpit's session cookies (every server process sees the same)."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base, UTCDateTime


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
