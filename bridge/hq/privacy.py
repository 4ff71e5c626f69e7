"""Private activities: what a private activity is about only its representative sees.

Anyone else — their manager, a colleague, an HQ user, an operator's listing or export — sees
it as busy time only: its number, kind, origin, status and times, never its name,
description, customer, address or sales channel; a search by text, customer or sales channel
never finds it. Only its representative changes it in the cockpit.

An activity is private when its representative (or an HQ user) says so in the cockpit, when
the mobile export marks it so, or when a calendar client sends it with ``CLASS:PRIVATE`` or
``CLASS:CONFIDENTIAL``; calendar texts carry it as ``CLASS:PRIVATE``, and the calendar server
shows such texts to others as busy time by the same rule (``bridge.ical.privacy``).
"""

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import InstrumentedAttribute

from bridge.ical.privacy import SHOWN_AS
from bridge.models import Activity

KEPT = ("id", "number", "kind", "origin", "status", "start_at", "start_offset", "end_at",
        "end_offset", "timezone", "all_day", "priority", "representative_id", "completed_on",
        "completed_by", "mobile_id", "uid", "href", "frozen", "private", "deleted_at",
        "created_at", "modified_at", "revision")
"""What others see of a private activity: when it is and how it stands, not what it is."""


def hidden_from(activity: Activity, representative: str, viewer: str | None) -> bool:
    """Whether ``viewer`` (a login; None: nobody's, as an operator's listing) sees
    ``activity`` of ``representative`` as busy time only."""
    return activity.private and viewer != representative


def busy_only(activity: Activity) -> Activity:
    """A copy of ``activity`` (never added to a session) as others see it."""
    return Activity(**{name: getattr(activity, name) for name in KEPT}, name=SHOWN_AS,
                    description="")


def hidden_clause(login: InstrumentedAttribute[str], viewer: str | None,
                  private: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """SQL: the activity (or what ``private`` says is private) is private to someone other
    than ``viewer`` (``login``: the representative's login column in the query)."""
    if private is None:
        private = Activity.private.is_(True)
    return private if viewer is None else and_(private, login != viewer)

