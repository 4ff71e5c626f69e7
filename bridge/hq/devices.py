"""Device passwords: a password per device's calendar client ("Pixel 8 – DAVx5").

An employee makes one for each phone or computer that syncs their calendars, names it, may
limit it to reading, and revokes it when the device is lost or replaced. The secret is random
(30 letters and digits in groups of five, 150 bits), shown once; only its SHA-256 is kept,
so a sign-in looks it up by that hash: one indexed query, on every request (no cache), so a
revoked password or a deactivated employee is refused at once on every server process.

A device password signs in to the calendar server only, never the cockpit (whose sign-in
checks the directory password alone). When and from which address it was last used is kept,
written only when the address changed or the last write is older than ``LAST_USE_EVERY``;
its first use from an address goes into the audit trail, as do its making and its revoking.

Who may do what: in the cockpit, an employee with calendars (a representative, a manager)
manages their own device passwords (:func:`may_manage`); an HQ user's command line
(`bridge devices`) lists, makes and revokes anyone's.
"""

import enum
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.audit import Event, Kind, record, record_apart
from bridge.hq.authentication import Verdict
from bridge.hq.employees import get_employee
from bridge.hq.errors import NotFound
from bridge.hq.roles import Staff
from bridge.hq.throttle import Throttle
from bridge.infra.db import transaction
from bridge.infra.directory import Accepted, Directory, Refused, Unavailable
from bridge.models import AuditEvent, DevicePassword, Employee

logger = logging.getLogger("bridge.sign_in")

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
"""32 symbols (5 bits each) without the look-alikes l, o, 0 and 1: easy to type on a phone."""
GROUPS = 6
GROUP = 5
SECRET_LENGTH = GROUPS * GROUP
"""30 symbols: 150 random bits (the issue asks for 128 or more)."""
NAME_LENGTH = 128
MAX_ACTIVE = 20
"""Active device passwords one employee may have (each is a way in: revoke the unused)."""
LAST_USE_EVERY = timedelta(minutes=5)
"""The last use is written when the address changed, else at most this often."""
READ_ONLY_BECAUSE = "this device password is read-only: it reads the calendars, changes nothing"


class CalendarPasswords(enum.StrEnum):
    """Which passwords sign in to the calendar server (``[auth] calendar_passwords``)."""

    ANY = "any"
    """Device passwords and the directory (account) password."""
    DEVICES_ONLY = "devices-only"
    """Device passwords only: the account password signs in to the cockpit alone."""


def calendar_passwords(value: str | None) -> CalendarPasswords:
    """The setting's value (None or empty: ``any``); InvalidInput saying what it may be."""
    text = (value or "").strip().lower() or CalendarPasswords.ANY.value
    try:
        return CalendarPasswords(text)
    except ValueError:
        raise InvalidInput(
            f"[auth] calendar_passwords must be {' or '.join(c.value for c in CalendarPasswords)}"
            f", not {value!r}") from None


# --- rules (pure) ---------------------------------------------------------------------------

def may_manage(staff: Staff, actor: str, login: str) -> bool:
    """In the cockpit: an employee with calendars manages their own device passwords."""
    return actor == login and (staff.is_representative(login) or staff.manages_anyone(login))


def new_secret() -> str:
    """A random secret in groups of five: ``abcde-fghij-…``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return "-".join(symbols[start:start + GROUP] for start in range(0, SECRET_LENGTH, GROUP))


def normalized(password: str) -> str | None:
    """The secret's symbols as kept (case, spaces and dashes do not matter); None: it cannot
    be a device password (then it is not looked up)."""
    symbols = password.replace("-", "").replace(" ", "").lower()
    if len(symbols) != SECRET_LENGTH or not all(symbol in ALPHABET for symbol in symbols):
        return None
    return symbols


def secret_hash(password: str) -> str | None:
    symbols = normalized(password)
    return None if symbols is None else hashlib.sha256(symbols.encode()).hexdigest()


def checked_name(name: str, taken: Sequence[str], active: int) -> str:
    """The name a new device password gets (``taken``: the names of the employee's active
    ones, ``active`` of them); InvalidInput saying why not."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("name the device (for example “Pixel 8 – DAVx5”): the list shows "
                           "which password is which")
    if len(cleaned) > NAME_LENGTH:
        raise InvalidInput(f"a device's name has at most {NAME_LENGTH} characters")
    if cleaned.casefold() in {each.casefold() for each in taken}:
        raise InvalidInput(f"there is an active device password named “{cleaned}” already: "
                           "choose another name, or revoke that one first")
    if active >= MAX_ACTIVE:
        raise InvalidInput(f"at most {MAX_ACTIVE} device passwords can be active at once: "
                           "revoke one that is no longer used")
    return cleaned


def use_due(last_used_at: datetime | None, last_used_from: str | None, address: str,
            now: datetime) -> bool:
    """Whether a sign-in from ``address`` at ``now`` writes the last use."""
    return last_used_at is None or last_used_from != address or \
        now - last_used_at >= LAST_USE_EVERY


# --- making, listing, revoking --------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    """A device password as the lists show it (never its secret)."""

    id: int
    login: str
    name: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    last_used_from: str | None
    revoked_at: datetime | None


def create(session: Session, login: str, name: str, *, read_only: bool, actor: str,
           address: str | None, now: datetime) -> tuple[Device, str]:
    """A new device password of ``login``: the row, and the secret (shown once)."""
    employee = get_employee(session, login)
    if not employee.active:
        raise InvalidInput(f"{login} is not an active employee: their device passwords "
                           "would not sign in")
    taken = list(session.scalars(select(DevicePassword.name).where(
        DevicePassword.employee_id == employee.id, DevicePassword.revoked_at.is_(None))))
    cleaned = checked_name(name, taken, len(taken))
    secret = new_secret()
    row = DevicePassword(employee_id=employee.id, name=cleaned, read_only=read_only,
                         secret_hash=secret_hash(secret), created_at=now)
    session.add(row)
    session.flush()
    record(session, Event(Kind.DEVICE_CREATED, login, address, _other(actor, login),
                          detail=cleaned + (" (read-only)" if read_only else "")), now)
    return _device(row, login), secret


def devices(session: Session, login: str | None = None, *,
            revoked: bool = False) -> list[Device]:
    """``login``'s device passwords (everyone's: None), newest first; the revoked too with
    ``revoked``."""
    query = (select(DevicePassword, Employee.login)
             .join(Employee, Employee.id == DevicePassword.employee_id)
             .order_by(DevicePassword.created_at.desc(), DevicePassword.id.desc()))
    if login is not None:
        query = query.where(Employee.login == login)
    if not revoked:
        query = query.where(DevicePassword.revoked_at.is_(None))
    return [_device(row, owner) for row, owner in session.execute(query)]


def device(session: Session, device_id: int) -> Device:
    found = session.execute(select(DevicePassword, Employee.login)
                            .join(Employee, Employee.id == DevicePassword.employee_id)
                            .where(DevicePassword.id == device_id)).first()
    if found is None:
        raise NotFound(f"no device password {device_id}")
    return _device(*found)


def revoke(session: Session, device_id: int, *, actor: str, address: str | None,
           now: datetime) -> Device | None:
    """Revoke the device password (it stops at once); None if it was revoked already."""
    found = device(session, device_id)
    revoked = session.execute(update(DevicePassword).where(
        DevicePassword.id == device_id, DevicePassword.revoked_at.is_(None)
    ).values(revoked_at=now))
    if not getattr(revoked, "rowcount", 0):
        return None
    record(session, Event(Kind.DEVICE_REVOKED, found.login, address,
                          _other(actor, found.login), detail=found.name), now)
    return device(session, device_id)


def _device(row: DevicePassword, login: str) -> Device:
    return Device(row.id, login, row.name, row.read_only, row.created_at, row.last_used_at,
                  row.last_used_from, row.revoked_at)


def _other(actor: str, login: str) -> str | None:
    return None if actor == login else actor


# --- signing in -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """The active device password a sign-in used."""

    id: int
    name: str
    read_only: bool


@dataclass(frozen=True)
class _Found:
    id: int
    name: str
    read_only: bool
    last_used_at: datetime | None
    last_used_from: str | None
    active: bool
    """Neither revoked nor of a deactivated employee."""


@dataclass(frozen=True)
class Stopped:
    """A device password that was revoked, or whose employee was deactivated."""


STOPPED = Stopped()


def _known(session: Session, login: str, password: str) -> _Found | None:
    """``login``'s device password that ``password`` is, revoked or not."""
    hashed = secret_hash(password) if login else None
    if hashed is None:
        return None
    found = session.execute(
        select(DevicePassword.id, DevicePassword.name, DevicePassword.read_only,
               DevicePassword.last_used_at, DevicePassword.last_used_from,
               DevicePassword.revoked_at.is_(None) & Employee.active.is_(True))
        .join(Employee, Employee.id == DevicePassword.employee_id)
        .where(DevicePassword.secret_hash == hashed, Employee.login == login)).first()
    return None if found is None else _Found(*found)


def _used(session: Session, login: str, found: _Found, address: str, now: datetime) -> None:
    """Write the last use — only if no parallel request wrote it since it was read: one of
    several requests from a new address tells the audit trail."""
    written = session.execute(update(DevicePassword).where(
        DevicePassword.id == found.id,
        DevicePassword.last_used_at.is_(None) if found.last_used_at is None
        else DevicePassword.last_used_at == found.last_used_at,
        DevicePassword.last_used_from.is_(None) if found.last_used_from is None
        else DevicePassword.last_used_from == found.last_used_from,
    ).values(last_used_at=now, last_used_from=address))
    if not getattr(written, "rowcount", 0) or found.last_used_from == address:
        return
    seen = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.login == login, AuditEvent.kind == Kind.DEVICE_NEW_ADDRESS.value,
        AuditEvent.address == address, AuditEvent.detail == found.name))
    if not seen:
        record(session, Event(Kind.DEVICE_NEW_ADDRESS, login, address, detail=found.name),
               now)


ASK_DIRECTORY_EVERY = 60.0
"""Seconds the directory's word that an account is enabled holds for its device passwords:
an account disabled (or removed) in the directory has its device passwords stop within it."""


class DeviceSignIn:
    """The calendar server's check of device passwords (``storage_plugin.auth``); with a
    ``directory``, only those of an account the directory has enabled."""

    def __init__(self, engine: Engine, place: str, directory: Directory | None = None) -> None:
        self._engine = engine
        self._place = place
        self._throttle = Throttle(engine)
        self._directory = directory
        self._lock = threading.Lock()
        self._enabled: dict[str, tuple[float, bool]] = {}

    def matching(self, login: str, password: str, address: str,
                 now: datetime) -> Match | Stopped | None:
        """The active device password ``password`` is; :data:`STOPPED` for a revoked one or
        one of a deactivated employee (refused, but not counted as a guess: it is no guess,
        and a revoked phone that keeps syncing must not lock its owner out); None: it is no
        device password of ``login`` (nothing counted here)."""
        if not login or secret_hash(password) is None:
            return None
        with transaction(self._engine, write=False) as session:
            found = _known(session, login, password)
        if found is None:
            return None
        if not found.active or not self._directory_allows(login):
            return STOPPED
        if use_due(found.last_used_at, found.last_used_from, address[:64], now):
            with transaction(self._engine) as session:
                _used(session, login, found, address[:64], now)
        return Match(found.id, found.name, found.read_only)

    def _directory_allows(self, login: str) -> bool:
        """Whether the directory has ``login``'s account enabled (asked at most every
        :data:`ASK_DIRECTORY_EVERY` seconds; while it cannot be asked, its last word stands,
        and without one the device password's own state decides)."""
        if self._directory is None:
            return True
        with self._lock:
            known = self._enabled.get(login)
        if known is not None and known[0] > time.monotonic():
            return known[1]
        outcome = self._directory.enabled(login)
        if isinstance(outcome, Unavailable):
            logger.warning("device password of %r: the directory was not asked whether the "
                           "account is enabled: %s", login, outcome.problem)
            return known[1] if known is not None else True
        allowed = isinstance(outcome, Accepted)
        if isinstance(outcome, Refused):
            logger.warning("device password of %r refused: %s", login, outcome.reason.value)
        with self._lock:
            self._enabled[login] = (time.monotonic() + ASK_DIRECTORY_EVERY, allowed)
        return allowed

    def refused(self, login: str, address: str, now: datetime) -> Verdict:
        """A password that is no device password where only they sign in: counted as a failed
        sign-in (the throttle's), and told to the audit trail."""
        if not login:
            return Verdict(False)
        locked = self._throttle.attempt(login, address, now)
        kind = Kind.SIGN_IN_FAILED if locked is None else Kind.SIGN_IN_REFUSED
        record_apart(self._engine, Event(kind, login, address,
                                         detail=f"{self._place} (device passwords only)"), now)
        return Verdict(False, locked_until=None if locked is None else locked.until)
