"""Time zones in the cockpit: every page shows its times in one zone, the signed-in user's,
and names it; forms take a wall-clock time and a time zone from a picker.

A person's time zone is a representative's (their synchronization settings: the zone their
calendar reads times without a zone in), else their own (``Employee.time_zone``), else the
server's (``[storage] time_zone``). The "your time zone" page changes it.
"""

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, current_app, flash, g, redirect, render_template, request
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.filtering import shown_in
from bridge.hq.settings import SERVER_ZONE, SettingsChange, change_settings, zone_named
from bridge.models import Employee, SyncSettings
from bridge.web import signin  # (signin asks zone_of of whoever signs in)
from bridge.web.database import writing

blueprint = Blueprint("zones", __name__)

NOT_ZONES = {"Factory", "localtime", "posixrules"}
"""Names tzdata installs that are no place's time zone."""


@functools.cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zones a picker offers, sorted."""
    return tuple(sorted(available_timezones() - NOT_ZONES))


def server_zone() -> str:
    """The server's time zone ([storage] time_zone), for whoever has none of their own."""
    found: str = current_app.extensions["bridge.server_zone"]  # (untyped in Flask)
    return found


PERSONAL_ZONE = func.coalesce(SyncSettings.time_zone, Employee.time_zone)


def zones_of(db: Session, logins: Iterable[str]) -> dict[str, str]:
    """Each login's time zone (the server's for those who have none)."""
    rows = db.execute(
        select(Employee.login, PERSONAL_ZONE)
        .outerjoin(SyncSettings, and_(SyncSettings.employee_id == Employee.id,
                                      Employee.sales_representative))
        .where(Employee.login.in_(sorted(set(logins))))).all()
    return {login: zone or server_zone() for login, zone in rows}


def zone_of(db: Session, login: str) -> str:
    return zones_of(db, [login]).get(login, server_zone())


def page_zone() -> str:
    """The zone of the page being rendered: the signed-in user's, else the server's."""
    who = g.get("viewer")
    return who.time_zone if who is not None else server_zone()


def shown(value: datetime | str | None, seconds: bool = False) -> str:
    """(Template filter.) An instant — or an ISO time — on the page zone's wall clock."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return shown_in(value, page_zone(), seconds=seconds) or "–"


@blueprint.route("/time-zone", methods=["GET", "POST"])
def choose() -> Any:
    who = g.viewer
    if request.method == "GET":
        return _form(who.time_zone)
    chosen = request.form.get("time_zone", "").strip() or SERVER_ZONE
    try:
        with writing() as db:
            _set(db, who.login, chosen)
    except InvalidInput as error:
        flash(str(error), "error")
        return _form(chosen), 400
    flash(f"Times are now shown in {chosen if chosen != SERVER_ZONE else server_zone()}.",
          "info")
    return redirect(signin.safe_next(request.values.get("back")))


def _set(db: Session, login: str, name: str) -> None:
    """A representative's zone is that of their settings (their calendar's too); anyone
    else's is their own."""
    employee = db.scalars(select(Employee).where(Employee.login == login)).one()
    if employee.sales_representative:
        change_settings(db, login, SettingsChange(time_zone=name), datetime.now(UTC),
                        actor=login, address=request.remote_addr)
    else:
        employee.time_zone = None if name == SERVER_ZONE else zone_named(name)


def _form(current: str) -> Any:
    return render_template("time_zone.html", current=current, zones=time_zones(),
                           server=server_zone(), back=signin.safe_next(request.values.get("back")))
