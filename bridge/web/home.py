"""The start page: the viewer's activities per week by status, the latest import runs, and
the client values HQ did not take that wait for a decision."""

from datetime import datetime
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
    return render_template("home.html", weeks=weeks, chart=stacked_weeks(weeks, today),
                           colours=COLOURS, runs=runs, lost=lost, now=now)
