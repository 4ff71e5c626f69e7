"""What lost, kept: the client values HQ did not take, per representative; apply one to its
activity or dismiss it (``bridge.hq.lost``)."""

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from bridge.hq.lost import apply_lost, dismiss_lost, find_lost, list_lost
from bridge.web.activities import people_in_reach
from bridge.web.database import reading, writing
from bridge.web.signin import viewer

blueprint = Blueprint("lost", __name__)


@blueprint.route("/lost")
def overview() -> Any:
    representative = request.args.get("rep") or None
    resolved = request.args.get("resolved") == "1"
    with reading() as db:
        views = list_lost(db, viewer().reach, viewer().login, resolved=resolved,
                          representative=representative)
        people = people_in_reach(db, viewer())
    return render_template("lost.html", views=views, resolved=resolved,
                           representative=representative, people=people)


@blueprint.route("/lost/<int:lost_id>/<any(apply, dismiss):action>", methods=["POST"])
def decide(lost_id: int, action: str) -> Any:
    with writing() as db:
        view = find_lost(db, lost_id, viewer().reach, viewer().login)
        if action == "apply":
            activity = apply_lost(db, view, viewer().login, datetime.now(UTC))
            message = (f"Applied the {view.lost.field} to {activity.number}; calendars show "
                       "it at their next sync.")
        else:
            dismiss_lost(view, viewer().login, datetime.now(UTC))
            message = f"Dismissed the lost {view.lost.field}."
    flash(message, "info")
    return redirect(url_for("lost.overview", rep=request.form.get("rep") or None))
