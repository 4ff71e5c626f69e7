"""Checking an HQ login and password (for the calendar server; the cockpit reads the
stored hash here too)."""

import hashlib
import threading
import time

from sqlalchemy import Engine, select

from bridge.models import Employee
from bridge.hq.passwords import verify_password


def stored_hash(engine: Engine, login: str) -> str | None:
    """The password hash of an active employee (None: no such employee, or no password)."""
    with engine.connect() as connection:
        return connection.scalar(select(Employee.password_hash).where(
            Employee.login == login, Employee.active.is_(True)))


class Authenticator:
    """Verifies against the employee's Argon2 hash; a success is remembered for a while so a
    syncing client is not slowed down by the deliberately slow hash on every request. A
    changed password or a deactivated employee takes effect at once (the stored hash and the
    active flag are read on every request)."""

    def __init__(self, engine: Engine, remember_seconds: float = 300.0) -> None:
        self._engine = engine
        self._remember = remember_seconds
        self._lock = threading.Lock()
        self._verified: dict[tuple[str, str, str], float] = {}

    def login(self, login: str, password: str) -> bool:
        if not login or not password:
            return False
        stored = stored_hash(self._engine, login)
        if not stored:
            return False
        key = (login, stored, hashlib.sha256(password.encode()).hexdigest())
        now = time.monotonic()
        with self._lock:
            if self._verified.get(key, float("-inf")) > now:
                return True
        if not verify_password(stored, password):
            return False
        with self._lock:
            self._verified[key] = now + self._remember
        return True
