"""Who may do what in the calendar server.

- A representative reads and writes their own collections: the appointments calendar and the
  task list are writable, the mobile calendar and the customers address book read-only, and
  collections they create themselves are theirs. Provisioned collections cannot be deleted
  or replaced.
- A manager reads — never writes — the collections of everyone they manage (directly or not),
  at their own paths and as views in the manager's home (``bridge.calendars.team``). A
  manager who is not a representative has a calendar home only to reach their team's.
- Nobody else has a calendar home: HQ users who are not representatives (and manage nobody)
  work in HQ's own tools; their requests for a home are refused (403).

Letters as Radicale's rights use them: R/W principal collections, r/w calendars and address
books, d/o deny deleting/replacing a collection.
"""

import threading
import time

from sqlalchemy import Engine

from bridge.calendars import team
from bridge.calendars.layout import SPECS
from bridge.hq.placement import Projection
from bridge.hq.roles import Staff
from bridge.infra.db import transaction

PROJECTION_NAMES = {projection.value: projection for projection in Projection}


class Directory:
    """Employees and who manages whom (``bridge.hq.roles.Staff``), re-read from HQ every few
    seconds."""

    def __init__(self, engine: Engine, ttl: float = 5.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._lock = threading.Lock()
        self._staff = Staff(())
        self._loaded_at = float("-inf")
        self._answers: dict[tuple[str, str], str] = {}

    def staff(self) -> Staff:
        with self._lock:
            if time.monotonic() - self._loaded_at > self._ttl:
                with transaction(self._engine, write=False) as session:
                    self._staff = Staff.load(session)
                self._loaded_at = time.monotonic()
                self._answers = {}
            return self._staff

    def manages(self, manager: str, login: str) -> bool:
        return self.staff().manages(manager, login)

    def manages_anyone(self, login: str) -> bool:
        return self.staff().manages_anyone(login)

    def is_representative(self, login: str) -> bool:
        return self.staff().is_representative(login)

    def permissions(self, user: str, path: str) -> str:
        """Radicale permission letters of ``user`` on the collection at ``path`` (remembered
        as long as the snapshot of employees they were derived from)."""
        self.staff()
        key = (user, path)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._permissions(user, path)
        return answer

    def _permissions(self, user: str, path: str) -> str:
        if not user:
            return ""
        parts = _segments(path)
        if not parts:
            return "R"
        owner = parts[0]
        if len(parts) > 2 or owner not in self.staff().people:
            return ""
        if user == owner:
            view = team.parse_view(parts[1]) if len(parts) > 1 else None
            if view is not None:
                return "r" if self.manages(owner, view[0]) else ""
            if not self.is_representative(owner):
                return "R" if len(parts) == 1 and self.manages_anyone(owner) else ""
            # The home itself is never deleted. Radicale checks its "deny deleting" letter in
            # upper case for collections that are not calendars or address books: "D".
            return "RWD" if len(parts) == 1 else self._own(owner, parts[1])
        if self.manages(user, owner):
            return "R" if len(parts) == 1 else "r"
        return ""

    def refusal(self, user: str, path: str) -> str:
        """Why ``user`` may not change what is at ``path``, in words a representative reads
        in their calendar client."""
        parts = _segments(path)
        if not parts:
            return "the server root holds the calendar homes and cannot be changed"
        owner = parts[0]
        if user != owner:
            if self.manages(user, owner):
                return team.read_only_because(owner)
            return f"/{owner[:100]}/ is not your calendar home"
        view = team.parse_view(parts[1]) if len(parts) > 1 else None
        if view is not None:
            return team.read_only_because(view[0])
        if not self.is_representative(owner):
            if self.manages_anyone(owner):
                return "as a manager you see your team's calendars read-only"
            return ("only sales representatives have calendars: HQ users work in HQ's cockpit")
        if len(parts) == 1:
            return "your calendar home itself cannot be changed or deleted"
        projection = PROJECTION_NAMES.get(parts[1])
        if projection is not None and SPECS[projection].read_only_because:
            return SPECS[projection].read_only_because
        return f"/{'/'.join(parts[:2])}/ cannot be changed"

    def _own(self, owner: str, name: str) -> str:
        projection = PROJECTION_NAMES.get(name)
        if projection is None:
            return "rw"
        return "rwdo" if SPECS[projection].writable else "r"


def _segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]
