"""Activity synchronization settings of each representative, as `bridge settings`."""

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bridge.errors import InvalidInput
from bridge.hq.settings import (
    SERVER_ZONE,
    SettingsChange,
    change_settings,
    default_settings,
)
from bridge.models import CalendarSubscription, Employee, SyncSettings, TextPriority
from bridge.web.database import reading, writing
from bridge.web.signin import viewer

blueprint = Blueprint("settings", __name__)


@blueprint.route("/settings")
def overview() -> Any:
    with reading() as db:
        rows = db.execute(select(Employee, SyncSettings, CalendarSubscription.created_at)
                          .outerjoin(SyncSettings, SyncSettings.employee_id == Employee.id)
                          .outerjoin(CalendarSubscription,
                                     CalendarSubscription.employee_id == Employee.id)
                          .where(Employee.eligible).order_by(Employee.login)).all()
    shown = [(employee, settings or default_settings(), subscribed)
             for employee, settings, subscribed in rows
             if viewer().reach.covers(employee.login)]
    return render_template("settings.html", rows=shown)


@blueprint.route("/settings/<login>", methods=["GET", "POST"])
def edit(login: str) -> Any:
    if not viewer().reach.covers(login):
        abort(404, f"there is no representative {login} whose settings you may see")
    if request.method == "POST":
        try:
            with writing() as db:
                change_settings(db, login, _change(request.form), datetime.now(UTC),
                                actor=viewer().login, address=request.remote_addr)
        except InvalidInput as error:
            flash(str(error), "error")
            return _form(login, request.form), 400
        flash(f"Saved the settings of {login}; their calendars follow at the next sync.",
              "info")
        return redirect(url_for("settings.overview"))
    return _form(login, None)


def _form(login: str, given: Any) -> Any:
    with reading() as db:
        employee = db.scalars(select(Employee).where(Employee.login == login)).one_or_none()
        if employee is None or not employee.eligible:
            abort(404, f"{login} is not an active sales representative")
        settings = db.get(SyncSettings, employee.id) or default_settings()
    values = dict(given) if given is not None else {
        "calendar_start": settings.calendar_start, "calendar_end": settings.calendar_end,
        "task_start": settings.task_start, "task_end": settings.task_end,
        "transfer_appointments": "on" if settings.transfer_appointments else "",
        "transfer_tasks": "on" if settings.transfer_tasks else "",
        "text_priority": settings.text_priority.value,
        "time_zone": settings.time_zone or "",
    }
    return render_template("settings_form.html", employee=employee, values=values,
                           priorities=[priority.value for priority in TextPriority])


def _change(form: Any) -> SettingsChange:
    priority = form.get("text_priority", "")
    if priority not in {p.value for p in TextPriority}:
        raise InvalidInput(f"Text priority: {priority!r} is not hq or client")
    return SettingsChange(
        calendar_start=form.get("calendar_start", "").strip(),
        calendar_end=form.get("calendar_end", "").strip(),
        task_start=form.get("task_start", "").strip(),
        task_end=form.get("task_end", "").strip(),
        transfer_appointments="transfer_appointments" in form,
        transfer_tasks="transfer_tasks" in form,
        text_priority=TextPriority(priority),
        time_zone=form.get("time_zone", "").strip() or SERVER_ZONE,
    )
