"""The cockpit's start page: activities per week by status, and the latest import runs."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bridge.hq.filtering import WHEN, day_start
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
                    after: int = 4, zone: str = "UTC") -> list[Week]:
    """Activities (not deleted) of the representatives in ``reach`` per week (Monday to
    Sunday in ``zone``), by status: ``before`` weeks before this one, this one and ``after``
    more."""
    first = today - timedelta(days=today.weekday() + 7 * before)
    mondays = [first + timedelta(weeks=index) for index in range(before + 1 + after)]
    starts = [day_start(monday, zone) for monday in mondays]
    end = day_start(mondays[-1] + timedelta(weeks=1), zone)
    week = case(*((WHEN < later, index) for index, later in enumerate([*starts[1:], end])))
    query = (select(week, Activity.status, func.count())
             .where(Activity.deleted_at.is_(None), WHEN >= starts[0], WHEN < end)
             .group_by(week, Activity.status))
    if not reach.everyone:
        query = query.join(Employee, Activity.representative_id == Employee.id).where(
            Employee.login.in_(sorted(reach.logins)))
    counts: dict[date, dict[Status, int]] = defaultdict(lambda: dict.fromkeys(Status, 0))
    for index, status, count in session.execute(query):
        counts[mondays[index]][Status(status)] += count
    return [Week(monday, counts[monday]) for monday in mondays]


def latest_runs(session: Session, limit: int = 5) -> list[ImportRun]:
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))
