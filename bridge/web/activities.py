"""The cockpit's activities: the table (Cockpit: Activities), the detail page with its tabs
(Activities), and HQ-side work on HQ and client activities through ``bridge.hq.editing``."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from bridge.hq.cockpit import (
    ActivityFilter,
    ActivityView,
    activity_view,
    count_activities,
    list_activities,
)
from bridge.hq.editing import (
    ActivityFields,
    add_activity,
    complete_activity,
    delete_activity,
    edit_activity,
    reopen_activity,
    restore_activity,
)
from bridge.infra.errors import InvalidInput, NotFound
from bridge.models import Activity, Employee, Kind
from bridge.web.database import reading, writing
from bridge.web.listing import (
    COLUMNS,
    COUNT_UP_TO,
    PAGE_SIZES,
    page_filter,
    parse_view,
    sort_link,
)
from bridge.web.signin import Viewer, viewer

blueprint = Blueprint("activities", __name__)


@blueprint.route("/activities")
def table() -> Any:
    view = parse_view(request.args)
    wanted = page_filter(view)
    who = viewer()
    with reading() as db:
        rows = [(row, row.as_record()) for row in
                list_activities(db, _within_reach(wanted))]
        total = count_activities(db, _within_reach(view.wanted), COUNT_UP_TO + 1)
        people = _people(db, who)
    return render_template(
        "activities.html", view=view, rows=rows[:view.size], more=len(rows) > view.size,
        total=total, capped=total > COUNT_UP_TO, up_to=COUNT_UP_TO, columns=COLUMNS,
        sort_link=sort_link,
        page_sizes=PAGE_SIZES, people=people, teams=_teams(who))


def _within_reach(wanted: ActivityFilter) -> ActivityFilter:
    return replace(wanted, reach=viewer().reach)


def _people(db: Session, who: Viewer) -> list[tuple[str, str]]:
    """The representatives the viewer may filter by (login, name)."""
    rows = db.execute(select(Employee.login, Employee.name)
                      .where(Employee.eligible).order_by(Employee.login)).all()
    return [(login, name) for login, name in rows if who.reach.covers(login)]


def _teams(who: Viewer) -> list[str]:
    """The managers whose team the viewer may filter by: their own, and those below them."""
    return sorted(login for login in who.staff.people
                  if who.staff.manages_anyone(login)
                  and (login == who.login or who.reach.covers(login)))


@blueprint.route("/activities/<path:number>")
def detail(number: str) -> Any:
    with reading() as db:
        view = _visible(db, number)
        tasks = _employee(db, view)
    return render_template("activity.html", view=view, record=view.as_record(),
                           employee=tasks, tab=request.args.get("tab", "general"),
                           why=view.activity.read_only_because)


def _visible(db: Session, number: str) -> ActivityView:
    """The activity, if the viewer may see it: else 404, as if it did not exist (a URL
    edited to another representative's activity tells nothing)."""
    view = activity_view(db, number)
    if view is None or not viewer().reach.covers(view.representative_login):
        abort(404, f"there is no activity {number} you may see")
    return view


def _employee(db: Session, view: ActivityView) -> Employee | None:
    return db.scalars(select(Employee).where(
        Employee.login == view.representative_login)).one_or_none()


@blueprint.route("/activities/new", methods=["GET", "POST"])
def new() -> Any:
    kind = _kind(request.values.get("kind", "appointment"))
    if request.method == "GET":
        return _form(None, kind)
    saved = _submitted(lambda db, fields: add_activity(db, kind, fields, _now()))
    if saved is None:
        return _form(None, kind, request.form), 400
    flash(f"Created {saved[0]}.", "info")
    return redirect(url_for("activities.detail", number=saved[0]))


@blueprint.route("/activities/<path:number>/edit", methods=["GET", "POST"])
def edit(number: str) -> Any:
    with reading() as db:
        view = _writable(db, number)
    if request.method == "GET":
        return _form(view, view.activity.kind)

    def change(db: Session, fields: ActivityFields) -> Activity:
        _writable(db, number)
        return edit_activity(db, number, fields, _now())

    saved = _submitted(change)
    if saved is None:
        return _form(view, view.activity.kind, request.form), 400
    flash(f"Saved {number} (revision {saved[1]}); calendars show it at their next sync.",
          "info")
    return redirect(url_for("activities.detail", number=number))


def _submitted(change: Callable[[Session, ActivityFields], Activity]) -> tuple[str, int] | None:
    """The form's fields applied by ``change`` in one transaction: the activity's number and
    revision, or None (and the reason shown) if a rule refused them."""
    try:
        with writing() as db:
            fields = _fields(request.form)
            _check_representative(fields.representative)
            activity = change(db, fields)
            return activity.number, activity.revision
    except (InvalidInput, NotFound) as error:
        flash(str(error), "error")
        return None


def _kind(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise InvalidInput(f"kind: {value!r} is neither appointment nor task") from None


@blueprint.route("/activities/<path:number>/<any(complete, reopen, delete, restore):action>",
                 methods=["POST"])
def act(number: str, action: str) -> Any:
    now = _now()
    with writing() as db:
        _writable(db, number, deleted=action == "restore")
        if action == "complete":
            complete_activity(db, number, _instant(request.form, "completed_on") or now,
                              viewer().login, unprocessed="unprocessed" in request.form)
        elif action == "reopen":
            reopen_activity(db, number, now)
        elif action == "delete":
            delete_activity(db, number, now)
        else:
            restore_activity(db, number, now)
    flash({"complete": f"Completed {number}.", "reopen": f"Reopened {number}.",
           "delete": f"Deleted {number}; it can be restored from the deleted activities.",
           "restore": f"Restored {number}."}[action], "info")
    return redirect(url_for("activities.detail", number=number))


def _writable(db: Session, number: str, deleted: bool = False) -> ActivityView:
    view = _visible(db, number)
    if view.activity.deleted_at is not None and not deleted:
        abort(404, f"activity {number} is deleted: restore it first")
    why = view.activity.read_only_because
    if why:
        raise Forbidden(why)
    return view


def _check_representative(login: str | None) -> None:
    if login and not viewer().reach.covers(login):
        raise InvalidInput(f"you may not give activities to {login}")


def _form(view: ActivityView | None, kind: Kind, given: Any = None) -> Any:
    who = viewer()
    with reading() as db:
        people = _people(db, who)
    if view is not None and view.representative_login not in dict(people):
        people.insert(0, (view.representative_login, view.representative_name))
    activity: Activity | None = view.activity if view else None
    values = dict(given) if given is not None else _values(view)
    return render_template("activity_form.html", view=view, activity=activity, kind=kind,
                           values=values, people=people)


def _values(view: ActivityView | None) -> dict[str, str]:
    if view is None:
        return {"priority": "5", "offset": "+00:00", "representative": viewer().login}
    a = view.activity
    start, end = a.local_start, a.local_end
    return {
        "name": a.name, "description": a.description or "", "priority": str(a.priority),
        "start": start.strftime("%Y-%m-%dT%H:%M") if start else "",
        "end": end.strftime("%Y-%m-%dT%H:%M") if end else "",
        "offset": _offset(start or end),
        "customer": view.customer_number or "", "representative": view.representative_login,
    }


def _offset(value: datetime | None) -> str:
    if value is None:
        return "+00:00"
    minutes = int(value.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _fields(form: Any) -> ActivityFields:
    priority = form.get("priority", "").strip()
    if priority and not priority.isdigit():
        raise InvalidInput(f"Priority: {priority!r} is not a number from 1 to 9")
    return ActivityFields(
        name=form.get("name", ""),
        start=_instant(form, "start"),
        end=_instant(form, "end"),
        priority=int(priority) if priority else None,
        description=form.get("description", "").replace("\r\n", "\n"),
        customer=form.get("customer", "").strip(),
        representative=form.get("representative") or None,
    )


def _instant(form: Any, name: str) -> datetime | None:
    """A datetime-local field at the form's UTC offset."""
    value = form.get(name, "").strip()
    if not value:
        return None
    offset = form.get("offset", "+00:00").strip() or "+00:00"
    try:
        parsed = datetime.fromisoformat(value + offset)
    except ValueError:
        raise InvalidInput(f"{name.replace('_', ' ').capitalize()}: {value!r} at UTC offset "
                           f"{offset!r} is not a date and time") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"UTC offset: {offset!r} is not an offset such as +01:00")
    return parsed


def _now() -> datetime:
    return datetime.now(UTC)
