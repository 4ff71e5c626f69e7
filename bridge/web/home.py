"""The start page: the viewer's activities per week by status, the latest import runs, and
the client values HQ did not take that wait for a decision."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template

from bridge.hq.lost import open_summary
from bridge.hq.overview import latest_runs, weeks_by_status
from bridge.web.charts import COLOURS, stacked_weeks
from bridge.web.database import reading
from bridge.web.signin import viewer

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
def start() -> Any:
    now = datetime.now(ZoneInfo(viewer().time_zone))
    today = now.date()
    with reading() as db:
        weeks = weeks_by_status(db, viewer().reach, today, zone=viewer().time_zone)
        runs = latest_runs(db)
        lost = open_summary(db, viewer().reach, viewer().login)
    age = _age(lost.oldest, now) if lost.count and lost.oldest else ""
    return render_template("home.html", weeks=weeks, chart=stacked_weeks(weeks, today),
                           colours=COLOURS, runs=runs, lost=lost, now=now, lost_age=age)


def _age(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was, by calendar days in ``now``'s time zone: "today",
    "yesterday", "3 days ago"."""
    if then.tzinfo is None:  # (a database without time zones keeps UTC)
        then = then.replace(tzinfo=UTC)
    days = (now.date() - then.astimezone(now.tzinfo).date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"
