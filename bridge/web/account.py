"""The viewer's own account: change the password, sign out everywhere."""

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


@blueprint.route("/account")
def page() -> Any:
    return render_template("account.html", min_length=MIN_LENGTH)


@blueprint.route("/account/password", methods=["POST"])
def password() -> Any:
    """A new password for the viewer, after the current one (checked and throttled as a
    sign-in): every session of theirs ends, this browser's too."""
    current, new = request.form.get("current", ""), request.form.get("new", "")
    if new != request.form.get("repeat", ""):
        return _refused("The new password and its repetition differ.", 400)
    authenticator: Authenticator = current_app.extensions["bridge.authenticator"]
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
    return render_template("account.html", min_length=MIN_LENGTH), status
