"""The cockpit's activities: the table (Cockpit: Activities), the detail page with its tabs
(Activities), and HQ-side work on HQ and client activities through ``bridge.hq.editing``."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from bridge.errors import InvalidInput
from bridge.hq.editing import (
    ActivityFields,
    LocalTime,
    add_activity,
    complete_activity,
    delete_activity,
    edit_activity,
    local_time,
    reopen_activity,
    restore_activity,
)
from bridge.hq.errors import NotFound
from bridge.hq.filtering import (
    ActivityFilter,
    ActivityView,
    activity_view,
    count_activities,
    list_activities,
)
from bridge.hq.settings import zone_named
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
from bridge.web.zones import server_zone, time_zones, zone_of, zones_of

blueprint = Blueprint("activities", __name__)


@blueprint.route("/activities")
def table() -> Any:
    view = parse_view(request.args)
    who = viewer()
    with reading() as db:
        rows = list(list_activities(db, within_reach(page_filter(view))))
        total = count_activities(db, within_reach(view.wanted), COUNT_UP_TO + 1)
        people = people_in_reach(db, who)
        teams = _teams(db, who)
    return render_template(
        "activities.html", view=view, rows=rows[:view.size], more=len(rows) > view.size,
        total=total, capped=total > COUNT_UP_TO, up_to=COUNT_UP_TO, columns=COLUMNS,
        sort_link=sort_link,
        page_sizes=PAGE_SIZES, people=people, teams=teams)


def within_reach(wanted: ActivityFilter) -> ActivityFilter:
    """``wanted`` as the viewer may see it: their representatives, days in their zone, others'
    private activities as busy time only."""
    who = viewer()
    return replace(wanted, reach=who.reach, time_zone=who.time_zone, viewer=who.login)


def people_in_reach(db: Session, who: Viewer) -> list[tuple[str, str]]:
    """The representatives the viewer may filter by (login, name)."""
    rows = db.execute(select(Employee.login, Employee.name)
                      .where(Employee.eligible).order_by(Employee.login)).all()
    return [(login, name) for login, name in rows if who.reach.covers(login)]


def _teams(db: Session, who: Viewer) -> list[tuple[str, str]]:
    """The managers whose team the viewer may filter by (login, name): their own, and those
    below them."""
    logins = {login for login in who.staff.people
              if who.staff.manages_anyone(login)
              and (login == who.login or who.reach.covers(login))}
    if not logins:
        return []
    names = {login: name for login, name in db.execute(
        select(Employee.login, Employee.name).where(Employee.login.in_(logins)))}
    return [(login, names.get(login, login)) for login in sorted(logins)]


@blueprint.route("/activities/<path:number>")
def detail(number: str) -> Any:
    with reading() as db:
        view = _visible(db, number)
        tasks = _employee(db, view)
    return render_template("activity.html", view=view, employee=tasks,
                           tab=request.args.get("tab", "general"),
                           why=read_only_because(view))


def _visible(db: Session, number: str) -> ActivityView:
    """The activity, if the viewer may see it: else 404, as if it did not exist (a URL
    edited to another representative's activity tells nothing)."""
    view = activity_view(db, number, viewer().login)
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
    _saved(f"Created {saved.number}.", saved.notes)
    return redirect(url_for("activities.detail", number=saved.number))


@blueprint.route("/activities/<path:number>/edit", methods=["GET", "POST"])
def edit(number: str) -> Any:
    with reading() as db:
        view = _writable(db, number)
    if request.method == "GET":
        return _form(view, view.activity.kind)

    def change(db: Session, fields: ActivityFields) -> Activity:
        _writable(db, number)
        return edit_activity(db, number, fields, _now())

    saved = _submitted(change, view.representative_login)
    if saved is None:
        return _form(view, view.activity.kind, request.form), 400
    _saved(f"Saved {number} (revision {saved.revision}); calendars show it at their next "
           "sync.", saved.notes)
    return redirect(url_for("activities.detail", number=number))


@dataclass(frozen=True)
class Saved:
    number: str
    revision: int
    notes: list[str]
    """What the user is told about the times they gave (which of two was taken)."""


def _saved(message: str, notes: list[str]) -> None:
    flash(" ".join([message, *(note[:1].upper() + note[1:] + "." for note in notes)]), "info")


def _submitted(change: Callable[[Session, ActivityFields], Activity],
               representative: str | None = None) -> Saved | None:
    """The form's fields applied by ``change`` in one transaction (the times in the form's
    time zone, else the representative's), or None (and the reason shown) if a rule
    refused them."""
    try:
        with writing() as db:
            chosen = request.form.get("representative") or representative or viewer().login
            _check_representative(chosen)
            fields, notes = _fields(request.form, _zone(db, request.form, chosen))
            activity = change(db, fields)
            return Saved(activity.number, activity.revision, notes)
    except (InvalidInput, NotFound) as error:
        flash(str(error), "error")
        return None


def _zone(db: Session, form: Any, representative: str) -> str:
    given = form.get("time_zone", "").strip()
    return zone_named(given) if given else zone_of(db, representative)


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
            completed = _instant(request.form, "completed_on", viewer().time_zone)
            complete_activity(db, number, completed.instant if completed else now,
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
    why = read_only_because(view)
    if why:
        raise Forbidden(why)
    return view


def read_only_because(view: ActivityView) -> str | None:
    """Why the viewer may not change the activity here (None: they may)."""
    if view.hidden:
        return (f"activity {view.activity.number} is private: only its representative "
                f"({view.representative_login}) sees and changes it")
    return view.activity.read_only_because


def _check_representative(login: str | None) -> None:
    if login and not viewer().reach.covers(login):
        raise InvalidInput(f"you may not give activities to {login}")


def _form(view: ActivityView | None, kind: Kind, given: Any = None) -> Any:
    who = viewer()
    with reading() as db:
        people = people_in_reach(db, who)
        if view is not None and view.representative_login not in dict(people):
            people.insert(0, (view.representative_login, view.representative_name))
        zones = zones_of(db, dict(people))
    activity: Activity | None = view.activity if view else None
    values = dict(given) if given is not None else _values(view, people, zones)
    return render_template("activity_form.html", view=view, activity=activity, kind=kind,
                           values=values, people=people, their_zones=zones,
                           time_zones=time_zones())


def _values(view: ActivityView | None, people: list[tuple[str, str]],
            zones: dict[str, str]) -> dict[str, str]:
    """A form's first values: the times on the representative's clock, in their zone."""
    if view is None:
        login = viewer().login
        representative = login if login in dict(people) else next(iter(dict(people)), "")
        return {"priority": "5", "representative": representative,
                "time_zone": zones.get(representative, server_zone())}
    a, zone = view.activity, zones[view.representative_login]
    return {
        "name": a.name, "description": a.description or "", "priority": str(a.priority),
        "start": _wall(a.start_at, zone), "end": _wall(a.end_at, zone), "time_zone": zone,
        "customer": view.customer_number or "", "representative": view.representative_login,
        "private": "on" if a.private else "",
    }


def _wall(value: datetime | None, zone: str) -> str:
    """A datetime-local field's value: the instant on the clocks of ``zone``."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if value else ""


def _fields(form: Any, zone: str) -> tuple[ActivityFields, list[str]]:
    priority = form.get("priority", "").strip()
    if priority and not priority.isdigit():
        raise InvalidInput(f"Priority: {priority!r} is not a number from 1 to 9")
    start, end = _instant(form, "start", zone), _instant(form, "end", zone)
    fields = ActivityFields(
        name=form.get("name", ""),
        start=start.instant if start else None,
        end=end.instant if end else None,
        priority=int(priority) if priority else None,
        description=form.get("description", "").replace("\r\n", "\n"),
        customer=form.get("customer", "").strip(),
        representative=form.get("representative") or None,
        private=bool(form.get("private")),
    )
    return fields, [given.note for given in (start, end) if given and given.note]


LABELS = {"start": "Start time", "end": "End time", "completed_on": "Completed on"}


def _instant(form: Any, name: str, zone: str) -> LocalTime | None:
    """A datetime-local field, on the clocks of ``zone``."""
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        wall = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{LABELS[name]}: {value!r} is not a date and time") from None
    if wall.tzinfo is not None:  # (an instant already: a script's ISO time with its offset)
        return LocalTime(wall.astimezone(ZoneInfo(zone)))
    return local_time(wall, zone)


def _now() -> datetime:
    return datetime.now(UTC)
