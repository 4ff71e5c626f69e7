"""The cockpit's start page: activities per week by status, and the latest import runs."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge.hq.cockpit import WHEN
from bridge.hq.roles import Reach
from bridge.models import Activity, Employee, ImportRun, Status


@dataclass(frozen=True)
class Week:
    monday: date
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def weeks_by_status(session: Session, reach: Reach, today: date, before: int = 8,
                    after: int = 4) -> list[Week]:
    """Activities (not deleted) of the representatives in ``reach`` per week (Monday to
    Sunday, UTC), by status: ``before`` weeks before this one, this one and ``after`` more."""
    first = today - timedelta(days=today.weekday() + 7 * before)
    end = first + timedelta(weeks=before + 1 + after)
    day = _utc_day(session)
    query = (select(day, Activity.status, func.count())
             .where(Activity.deleted_at.is_(None), WHEN >= _midnight(first),
                    WHEN < _midnight(end))
             .group_by(day, Activity.status))
    if not reach.everyone:
        query = query.join(Employee, Activity.representative_id == Employee.id).where(
            Employee.login.in_(sorted(reach.logins)))
    counts: dict[date, dict[Status, int]] = defaultdict(lambda: dict.fromkeys(Status, 0))
    for on, status, count in session.execute(query):
        when = date.fromisoformat(str(on)[:10])
        counts[when - timedelta(days=when.weekday())][Status(status)] += count
    return [Week(monday, counts[monday]) for monday in
            (first + timedelta(weeks=index) for index in range(before + 1 + after))]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _utc_day(session: Session) -> Any:
    """The UTC day of an activity, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", WHEN))
    return func.date(WHEN)


def latest_runs(session: Session, limit: int = 5) -> list[ImportRun]:
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))
