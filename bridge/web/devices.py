"""Device passwords in the cockpit (``bridge.hq.devices``): an employee with calendars makes
one per device's calendar client, names it, may limit it to reading, sees when and from where
each was last used, and revokes it. Only their own: nobody sees another's here (an HQ user
lists and revokes anyone's with `bridge devices`).

A new password reaches the page after the POST's redirect in the session (the signed,
HttpOnly cookie of the cockpit's own paths), which the page's next answer drops: a reload
shows it no more. Only its hash is kept.
"""

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from bridge.errors import InvalidInput
from bridge.hq.devices import NAME_LENGTH, Device, create, device, devices, may_manage, revoke
from bridge.hq.errors import NotFound
from bridge.web.database import reading, writing
from bridge.web.signin import viewer

blueprint = Blueprint("devices", __name__)

SHOWN_ONCE = "device_password_made"
"""The session's key of a new device password until the page has shown it."""


@blueprint.route("/devices", methods=["GET", "POST"])
def own() -> Any:
    me = _manager()
    if request.method == "POST":
        name = request.form.get("name", "")
        try:
            with writing() as db:
                made, secret = create(db, me, name, read_only="read_only" in request.form,
                                      actor=me, address=request.remote_addr,
                                      now=datetime.now(UTC))
        except InvalidInput as refused:
            flash(f"No device password was made: {refused}.", "error")
            return _page(me, name=name), 400
        session[SHOWN_ONCE] = {"login": me, "id": made.id, "secret": secret}
        return redirect(url_for("devices.own"))
    return _page(me)


@blueprint.route("/devices/<int:device_id>/revoke", methods=["GET", "POST"])
def stop(device_id: int) -> Any:
    me = _manager()
    found = _own(me, device_id)
    if found.revoked_at is not None:
        flash(f"The device password “{found.name}” was revoked already.", "info")
        return redirect(url_for("devices.own"))
    if request.method == "GET":
        return render_template("device_revoke.html", device=found)
    with writing() as db:
        revoke(db, device_id, actor=me, address=request.remote_addr, now=datetime.now(UTC))
    flash(f"The device password “{found.name}” is revoked: it no longer signs in.", "info")
    return redirect(url_for("devices.own"))


def _page(login: str, name: str = "") -> Any:
    with reading() as db:
        listed = devices(db, login)
    shown = session.pop(SHOWN_ONCE, None)
    new = None
    if shown and shown.get("login") == login:
        new = next(((each, shown["secret"]) for each in listed if each.id == shown.get("id")),
                   None)
    return render_template("devices.html", devices=listed, new=new, login=login, name=name,
                           name_length=NAME_LENGTH)


def _manager() -> str:
    """The viewer, if they have calendars (and so device passwords); 404 for anyone else."""
    me = viewer()
    if not may_manage(me.staff, me.login, me.login):
        abort(404, "Device passwords sign calendar clients in; only representatives and "
                   "managers have calendars.")
    return me.login


def _own(login: str, device_id: int) -> Device:
    """The viewer's device password ``device_id`` (404 for another's: whether it exists is
    not told)."""
    try:
        with reading() as db:
            found = device(db, device_id)
    except NotFound:
        found = None
    if found is None or found.login != login:
        abort(404, f"you have no device password {device_id}")
    return found
