"""The viewer's own account: change the password (HQ's own; a directory's is changed where it
lives), sign out everywhere."""

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from bridge.hq.authentication import Authenticator
from bridge.hq.passwords import MIN_LENGTH
from bridge.hq.sessions import change_password
from bridge.web.database import writing
from bridge.web.signin import viewer

blueprint = Blueprint("account", __name__)


DIRECTORY_PASSWORD = ("Your password is your company account's, which the sign-in directory "
                      "checks: change it where you change that one (on your computer, or as "
                      "your IT department says), not here.")


@blueprint.route("/account")
def page() -> Any:
    return _page()


@blueprint.route("/account/password", methods=["POST"])
def password() -> Any:
    """A new password for the viewer, after the current one (checked and throttled as a
    sign-in): every session of theirs ends, this browser's too."""
    authenticator: Authenticator = current_app.extensions["bridge.authenticator"]
    if authenticator.by_directory:
        return _refused(DIRECTORY_PASSWORD, 409)
    current, new = request.form.get("current", ""), request.form.get("new", "")
    if new != request.form.get("repeat", ""):
        return _refused("The new password and its repetition differ.", 400)
    verdict = authenticator.check(viewer().login, current, request.remote_addr or "",
                                  datetime.now(UTC))
    if verdict.locked_until is not None:
        return _refused("Too many wrong passwords: try again later.", 429)
    if not verdict.accepted:
        return _refused("The current password is wrong.", 403)
    with writing() as db:
        change_password(db, viewer().login, new, datetime.now(UTC),
                        address=request.remote_addr)
    session.clear()
    flash("Your password is changed, and every session of yours has ended: sign in with the "
          "new password.", "info")
    return redirect(url_for("signin.sign_in"))


def _refused(reason: str, status: int) -> Any:
    flash(reason, "error")
    return _page(), status


def _page() -> str:
    authenticator: Authenticator = current_app.extensions["bridge.authenticator"]
    return render_template("account.html", min_length=MIN_LENGTH,
                           directory_password=DIRECTORY_PASSWORD
                           if authenticator.by_directory else None)
