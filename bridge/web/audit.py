"""The audit trail page (HQ users): who signed in where and when, what failed, device
passwords, ended sessions and changed settings, newest first, with a filter; and ending a
person's cockpit sessions."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from bridge.errors import InvalidInput
from bridge.hq.audit import Filter, Kind, events
from bridge.hq.sessions import end_sessions
from bridge.web.database import reading, writing
from bridge.web.listing import day_parameter
from bridge.web.signin import requires_hq, viewer

blueprint = Blueprint("audit", __name__)

SHOWN = 200
"""Events a page shows (the filter narrows them down)."""


@blueprint.route("/audit")
@requires_hq
def trail() -> Any:
    wanted = _filter(request.args)
    with reading() as db:
        found = events(db, wanted)
    return render_template("audit.html", events=found, kinds=list(Kind),
                           values=request.args, shown=SHOWN)


@blueprint.route("/audit/end-sessions", methods=["POST"])
@requires_hq
def end() -> Any:
    login = request.form.get("login", "").strip()
    if not login:
        raise InvalidInput("login: whose sessions to end?")
    with writing() as db:
        end_sessions(db, login, datetime.now(UTC), actor=viewer().login,
                     address=request.remote_addr)
    flash(f"The cockpit sessions of {login} have ended: they sign in again.", "info")
    return redirect(url_for("audit.trail", login=login))


def _filter(args: Any) -> Filter:
    """The filter the query string asks for (days in the viewer's time zone)."""
    kind = args.get("kind") or None
    if kind is not None and kind not in {each.value for each in Kind}:
        raise InvalidInput(f"kind: there is no kind of event {kind!r}")
    zone = ZoneInfo(viewer().time_zone)
    since, until = day_parameter(args.get("from"), "from"), day_parameter(args.get("to"), "to")
    return Filter(login=(args.get("login") or "").strip() or None,
                  kind=Kind(kind) if kind else None,
                  since=_midnight(since, zone) if since else None,
                  until=_midnight(until + timedelta(days=1), zone) if until else None,
                  limit=SHOWN)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)
