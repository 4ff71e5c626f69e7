"""The audit trail: what happened to who may sign in where — sign-ins that succeeded or
failed, device passwords made, used from a new address or revoked, sessions ended, settings
changed. Kept in the database for HQ users (the cockpit's audit page, ``bridge audit list``).

Never a password or a secret: a detail is a short sentence such as the device's name or the
setting's new value, cut to what the column holds."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bridge.infra.db import transaction
from bridge.models import AuditEvent


class Kind(enum.StrEnum):
    SIGN_IN = "sign-in"
    SIGN_IN_FAILED = "sign-in failed"
    SIGN_IN_REFUSED = "sign-in refused"
    """Refused unchecked: the login or the address was locked after failures."""
    DEVICE_CREATED = "device password created"
    DEVICE_NEW_ADDRESS = "device password used from a new address"
    DEVICE_REVOKED = "device password revoked"
    SESSIONS_ENDED = "sessions ended"
    PASSWORD_CHANGED = "password changed"
    SETTINGS_CHANGED = "settings changed"
    EMPLOYEE_ADDED = "employee added"
    """An HQ user added at their first sign-in, as a member of the directory's HQ group."""


@dataclass(frozen=True)
class Event:
    kind: Kind
    login: str | None
    address: str | None = None
    actor: str | None = None
    detail: str = ""


def record(session: Session, event: Event, at: datetime) -> None:
    """Keep ``event`` (in the caller's transaction: it is kept if the change is)."""
    session.add(AuditEvent(at=at, kind=event.kind.value, login=_cut(event.login, 64),
                           actor=_cut(event.actor, 64), address=_cut(event.address, 64),
                           detail=event.detail[:500]))


def record_apart(engine: Engine, event: Event, at: datetime) -> None:
    """Keep ``event`` in a transaction of its own (a sign-in, which changes nothing else)."""
    with transaction(engine) as session:
        record(session, event, at)


@dataclass(frozen=True)
class Filter:
    login: str | None = None
    kind: Kind | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def events(session: Session, wanted: Filter) -> Sequence[AuditEvent]:
    """The newest events first that ``wanted`` lets through."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if wanted.login:
        query = query.where(AuditEvent.login == wanted.login)
    if wanted.kind is not None:
        query = query.where(AuditEvent.kind == wanted.kind.value)
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at < wanted.until)
    return session.scalars(query.limit(max(1, min(wanted.limit, 10_000)))).all()


def _cut(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]
