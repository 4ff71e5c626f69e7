"""A representative's calendar subscription in the cockpit (``bridge.hq.subscriptions``):
whether they have one, since when and made by whom; the representative makes or renews it
(its address is shown once, then only a hash of its secret is kept); they, their managers
and HQ users revoke it.

The new address reaches the page after the POST's redirect in the session (the signed,
HttpOnly cookie of the cockpit's own paths), which the page's next answer drops: a reload
shows it no more and sends no second renewal.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from bridge.calendars.feed import address, webcal
from bridge.hq.subscriptions import may_renew, may_revoke, renew, revoke, subscription_of
from bridge.models import Employee
from bridge.web.database import reading, writing
from bridge.web.signin import viewer

blueprint = Blueprint("subscriptions", __name__)

SHOWN_ONCE = "subscription_made"
"""The session's key of a new address until the page has shown it."""
COCKPIT = "/cockpit"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


@dataclass(frozen=True)
class Made:
    """A representative's subscription as the page tells it."""

    created_at: datetime
    created_by: str
    created_by_name: str | None
    include_tasks: bool
    shared: bool


@blueprint.route("/subscription")
def own() -> Any:
    me = viewer()
    if not me.representative:
        abort(404, "Only sales representatives have a calendar subscription; a "
                   "representative's is reached from the synchronization settings.")
    return _page(me.login)


@blueprint.route("/subscription/<login>")
def of(login: str) -> Any:
    if login == viewer().login:
        return redirect(url_for("subscriptions.own"))
    return _page(login)


@blueprint.route("/subscription/<login>/renew", methods=["POST"])
def make(login: str) -> Any:
    me = viewer()
    _visible(login)
    if not may_renew(me.staff, me.login, login):
        raise Forbidden(f"only {login} makes their calendar subscription's address (it is "
                        "theirs to paste into their calendar)")
    with writing() as db:
        secret = renew(db, login, me.login, include_tasks="include_tasks" in request.form,
                       shared="shared" in request.form)
    session[SHOWN_ONCE] = {"login": login, "secret": secret}
    return redirect(_back(login))


@blueprint.route("/subscription/<login>/revoke", methods=["GET", "POST"])
def stop(login: str) -> Any:
    me = viewer()
    if not may_revoke(me.staff, me.login, login):
        abort(404, f"there is no representative {login} whose subscription you may see")
    if request.method == "GET":
        with reading() as db:
            found = subscription_of(db, login)
            name = db.scalar(select(Employee.name).where(Employee.login == login))
        if found is None:
            flash(f"{_whose(login)} no calendar subscription.", "info")
            return redirect(_back(login))
        return render_template("subscription_revoke.html", login=login, name=name,
                               own=login == me.login, back=_back(login))
    with writing() as db:
        revoked = revoke(db, login)
    flash(f"The calendar subscription of {login} is revoked: its address no longer answers."
          if revoked else f"{_whose(login)} no calendar subscription.", "info")
    return redirect(_back(login))


def _page(login: str) -> Any:
    me = viewer()
    employee = _visible(login)
    with reading() as db:
        found = subscription_of(db, login)
        made = None if found is None else Made(
            found.created_at, found.created_by,
            db.scalar(select(Employee.name).where(Employee.login == found.created_by)),
            found.include_tasks, found.shared)
    shown = session.pop(SHOWN_ONCE, None)
    url = None
    if shown and shown.get("login") == login and made is not None:
        url = address(server_url(), shown["secret"])
    return render_template(
        "subscription.html", employee=employee, own=login == me.login, made=made, url=url,
        webcal=webcal(url) if url else None,
        may_renew=may_renew(me.staff, me.login, login),
        may_revoke=may_revoke(me.staff, me.login, login))


def _visible(login: str) -> Employee:
    """The active representative ``login`` whose subscription the viewer sees (404 for
    anyone else: whether they exist is not told)."""
    me = viewer()
    if not me.reach.covers(login):
        abort(404, f"there is no representative {login} whose subscription you may see")
    with reading() as db:
        employee = db.scalars(select(Employee).where(Employee.login == login)).one_or_none()
    if employee is None or not me.staff.is_representative(login):
        abort(404, f"{login} is not an active sales representative: only they have a "
                   "calendar subscription")
    return employee


def _back(login: str) -> str:
    return url_for("subscriptions.own") if login == viewer().login \
        else url_for("subscriptions.of", login=login)


def _whose(login: str) -> str:
    return "You have" if login == viewer().login else f"{login} has"


def server_url() -> str:
    """The server's address as the browser reached the cockpit: its scheme and host (as a
    reverse proxy names them in X-Forwarded-Proto and X-Forwarded-Host, else as the request
    came; https whenever the cockpit is served over HTTPS only), and the path in front of
    ``/cockpit`` (a proxy's prefix, a database's mount): the feeds are beside the cockpit.

    (The forwarded headers are taken from whoever sends them: the address goes back to the
    sender only.)"""
    scheme = _forwarded("X-Forwarded-Proto").lower()
    if scheme not in ("http", "https"):
        secure = request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE")
        scheme = "https" if secure else request.scheme
    host = _forwarded("X-Forwarded-Host")
    if not _HOST.match(host):
        host = request.host
    return f"{scheme}://{host}{request.script_root.removesuffix(COCKPIT)}"


def _forwarded(header: str) -> str:
    """The first (the client's side) value of a forwarded header."""
    return request.headers.get(header, "").split(",")[0].strip()
