"""A manager's view of their team's calendars.

Every collection of every representative a manager manages (directly or not) appears in the
manager's own calendar home as ``/{manager}/team-{login}-{collection}/``, read-only, so that a
calendar client finds the team's calendars the way it finds the manager's own: by listing the
home (Thunderbird, Outlook's CalDav Synchronizer, DAVx5, Apple Calendar, the ``caldav``
library). Each view shows the representative's collection itself: the same items, ETags and
sync tokens. Who manages whom is ``bridge.hq.roles.Staff``; who may read it is
``bridge.calendars.access``.
"""

from sqlalchemy.orm import Session

from bridge.hq.placement import Projection
from bridge.hq.roles import Staff

PREFIX = "team-"


def read_only_because(login: str) -> str:
    """Why a manager cannot change ``login``'s collections, as their client is told."""
    return f"you see the calendars of {login} read-only, as their manager"


def view_name(login: str, projection: Projection) -> str:
    return f"{PREFIX}{login}-{projection.value}"


def parse_view(name: str) -> tuple[str, Projection] | None:
    """The representative and collection a view's name shows, if it is a view's name."""
    if not name.startswith(PREFIX):
        return None
    login, _, projection = name[len(PREFIX):].rpartition("-")
    try:
        return (login, Projection(projection)) if login else None
    except ValueError:
        return None


def team_logins(session: Session, manager: str) -> list[str]:
    """The representatives ``manager`` manages, directly or not, in login order."""
    return Staff.load(session).team(manager)


def view_of(path: str) -> tuple[str, str, Projection] | None:
    """(manager, representative, collection) for a view's path ``{manager}/{view}``."""
    manager, _, name = path.partition("/")
    parsed = parse_view(name) if name and "/" not in name else None
    return None if parsed is None else (manager, *parsed)
