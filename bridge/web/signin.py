"""Signing in to the cockpit with the HQ login and password, and who is signed in.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax); it holds the login and the
employee's session version when it began (``bridge.hq.sessions``), so signing out everywhere,
a changed password, an HQ user ending the sessions or a deactivated employee ends every
session at its next request, on every server process. Failed sign-ins are throttled per login
and per address (``bridge.hq.throttle``).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from bridge.hq.authentication import Authenticator
from bridge.hq.roles import Reach, Role, Staff
from bridge.hq.sessions import end_sessions, session_version
from bridge.infra.catalog import Catalog, Database
from bridge.infra.db import transaction
from bridge.models import Employee
from bridge.web.zones import zone_of

blueprint = Blueprint("signin", __name__)
OPEN_ENDPOINTS = {"signin.sign_in", "static"}


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, and what they may see and change."""

    login: str
    name: str
    role: Role
    reach: Reach
    staff: Staff
    time_zone: str
    """The zone their pages show times in (``bridge.web.zones``)."""

    @property
    def hq(self) -> bool:
        return self.role is Role.HQ

    @property
    def representative(self) -> bool:
        """An active sales representative (who has calendars, and a calendar subscription)."""
        return self.staff.is_representative(self.login)


def viewer() -> Viewer:
    found: Viewer = g.viewer  # (untyped in Flask)
    return found


def load_viewer() -> Any:
    """(Before every request.) The signed-in viewer; to the sign-in page without one."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    login = session.get("login")
    found = _viewer(login, session.get("version")) \
        if login and session.get("database") == _database().name else None
    if found is None:
        session.clear()
        asked = request.script_root + request.full_path.rstrip("?")
        return redirect(url_for("signin.sign_in", next=asked))
    g.viewer = found
    return None


def _viewer(login: str, version: int | None) -> Viewer | None:
    with transaction(current_app.extensions["bridge.engine"], write=False) as db:
        employee = db.scalars(select(Employee).where(
            Employee.login == login, Employee.active.is_(True))).one_or_none()
        if employee is None or employee.session_version != version:
            return None
        staff = Staff.load(db)
        role = staff.role(login)
        if role is None:
            return None
        return Viewer(login, employee.name, role, staff.reach(login), staff,
                      zone_of(db, login))


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("sign_in.html", next=target, others=_others())
    login, realm = _catalog().realm(request.form.get("login", "").strip())
    password = request.form.get("password", "")
    if realm is not None and realm != _database():
        flash(f"That login signs in to the database {realm.title}: choose it below.", "error")
        return render_template("sign_in.html", next=target, login=login, others=_others()), 401
    verdict = _authenticator().check(login, password, request.remote_addr or "",
                                     datetime.now(UTC))
    if verdict.locked_until is not None:
        wait = max(1, round((verdict.locked_until - datetime.now(UTC)).total_seconds()))
        flash(f"Too many failed sign-ins: try again in {wait} seconds.", "error")
        return render_template("sign_in.html", next=target, login=login,
                               others=_others()), 429
    if verdict.unavailable:
        flash("The sign-in directory cannot be reached, so your password was not checked: "
              "try again in a few minutes (the server's log says what to fix).", "error")
        return render_template("sign_in.html", next=target, login=login,
                               others=_others()), 503
    with transaction(current_app.extensions["bridge.engine"], write=False) as db:
        version = session_version(db, login) if verdict.accepted else None
    if version is None:
        flash("Wrong login or password.", "error")
        return render_template("sign_in.html", next=target, login=login,
                               others=_others()), 401
    session.clear()
    session.permanent = True
    session["login"], session["version"] = login, version
    session["database"] = _database().name  # a copy of the database has the same key
    return redirect(target)


@blueprint.route("/sign-out", methods=["POST"])
def sign_out() -> Any:
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("signin.sign_in"))


@blueprint.route("/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere() -> Any:
    """End every cockpit session of the viewer, in every browser (not their calendars)."""
    with transaction(current_app.extensions["bridge.engine"]) as db:
        end_sessions(db, viewer().login, datetime.now(UTC), address=request.remote_addr)
    session.clear()
    flash("You are signed out everywhere: every browser signs in again.", "info")
    return redirect(url_for("signin.sign_in"))


def _catalog() -> Catalog:
    found: Catalog = current_app.extensions["bridge.catalog"]  # (untyped in Flask)
    return found


def _database() -> Database:
    found: Database = current_app.extensions["bridge.database"]  # (untyped in Flask)
    return found


def _others() -> list[tuple[str, str]]:
    """The other databases' cockpits (title, address) for the sign-in page."""
    catalog, here = _catalog(), _database()
    root = request.script_root.removesuffix("/cockpit").removesuffix(catalog.mount(here))
    return [(database.title, f"{root}{catalog.mount(database)}/cockpit/")
            for database in catalog.databases if database != here]


def _authenticator() -> Authenticator:
    found: Authenticator = current_app.extensions["bridge.authenticator"]  # (untyped in Flask)
    return found


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this cockpit only (never another site)."""
    home = url_for("home.start")
    if not target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    root = request.script_root or ""
    return target if target.startswith(root + "/") else home


def requires_hq(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only HQ users (who see everything) may open ``view``."""
    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not viewer().hq:
            raise Forbidden("only HQ users may do this")
        return view(*args, **kwargs)
    return checked
