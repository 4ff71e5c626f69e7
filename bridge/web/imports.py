"""Import runs and their reports, and an upload of an export file: a dry run first, whose
preview shows every record's outcome, then the import when the user confirms it."""

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import case, func, select

from bridge.errors import BridgeError, InvalidInput
from bridge.hq.definitions import APPOINTMENT_SYNCHRONIZE
from bridge.hq.errors import DefinitionInactive
from bridge.importing.runs import INTERRUPTED, find_run, list_runs
from bridge.importing.staging import Staging
from bridge.models import ImportRun, Level, RunMessage, RunStatus
from bridge.web.database import engine, reading
from bridge.web.signin import requires_hq, viewer

blueprint = Blueprint("imports", __name__)
RUNS_PER_PAGE = 50
LINES_PER_PAGE = 500
KINDS = {Level.ERROR.value: "Errors", Level.WARNING.value: "Warnings",
         Level.INFO.value: "Information"}
"""The kinds of a run's messages, in the order they are shown, and their headings."""
INACTIVE = (f"imports are switched off: the activity definition {APPOINTMENT_SYNCHRONIZE} is "
            "inactive, and nothing was imported. An administrator of the server activates it.")
"""Said instead of the command line that activates it (the cockpit shows no commands)."""


def _staging() -> Staging:
    found: Staging = current_app.extensions["bridge.staging"]  # (untyped in Flask)
    return found


def _page() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


@blueprint.route("/imports")
@requires_hq
def runs() -> Any:
    page = _page()
    found = list_runs(engine(), RUNS_PER_PAGE + 1, offset=(page - 1) * RUNS_PER_PAGE)
    with reading() as db:
        total = db.scalar(select(func.count()).select_from(ImportRun)) or 0
    return render_template("runs.html", runs=found[:RUNS_PER_PAGE], page=page,
                           more=len(found) > RUNS_PER_PAGE,
                           pages=max(1, -(-total // RUNS_PER_PAGE)))


@blueprint.route("/imports/<int:run_id>")
@requires_hq
def run(run_id: int) -> Any:
    """A run: its counts, its summary lines (the run's own messages, per sales channel), then
    the messages about records, grouped by kind (errors, warnings, information) and filtered
    by one kind with ``?kind=``."""
    page = _page()
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    found = find_run(engine(), run_id)
    ours = RunMessage.run_id == run_id
    about_records = RunMessage.record.is_not(None)
    order = case({level: rank for rank, level in enumerate(KINDS)}, value=RunMessage.level,
                 else_=len(KINDS))
    with reading() as db:
        summary = list(db.scalars(select(RunMessage).where(ours, RunMessage.record.is_(None))
                                  .order_by(RunMessage.id).limit(LINES_PER_PAGE)))
        counts: dict[str, int] = {
            level: number for level, number in db.execute(
                select(RunMessage.level, func.count()).where(ours, about_records)
                .group_by(RunMessage.level))}
        chosen = [ours, about_records] + ([RunMessage.level == kind] if kind else [])
        messages = list(db.scalars(
            select(RunMessage).where(*chosen).order_by(order, RunMessage.id)
            .limit(LINES_PER_PAGE).offset((page - 1) * LINES_PER_PAGE)))
    total = counts.get(kind, 0) if kind else sum(counts.values())
    return render_template("run.html", run=found, summary=summary, messages=messages,
                           total=total, counts=counts, kinds=KINDS, kind=kind, page=page,
                           pages=max(1, -(-total // LINES_PER_PAGE)),
                           more=page * LINES_PER_PAGE < total,
                           interrupted=INTERRUPTED if found.status == RunStatus.INTERRUPTED
                           else None)


@blueprint.route("/imports/upload", methods=["POST"])
@requires_hq
def upload() -> Any:
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash("Choose an export file to upload.", "error")
        return redirect(url_for("imports.runs"))
    token = _staging().stage(sent.stream, sent.filename, viewer().login, datetime.now(UTC))
    try:
        _staging().dry_run(token, viewer().login, datetime.now(UTC))
    except DefinitionInactive:
        _staging().discard(token, viewer().login)
        flash(f"{sent.filename}: {INACTIVE}", "error")
        return redirect(url_for("imports.runs"))
    except BridgeError as error:
        _staging().discard(token, viewer().login)
        flash(f"{sent.filename}: {error}", "error")
        return redirect(url_for("imports.runs"))
    return redirect(url_for("imports.preview", token=token))


@blueprint.route("/imports/preview/<token>")
@requires_hq
def preview(token: str) -> Any:
    page = _page()
    staged = _staging().preview(token, viewer().login)
    outcomes = _staging().outcomes(token, viewer().login, (page - 1) * LINES_PER_PAGE,
                                   LINES_PER_PAGE)
    return render_template("preview.html", preview=staged, outcomes=outcomes, page=page,
                           more=page * LINES_PER_PAGE < staged.records,
                           pages=max(1, -(-staged.records // LINES_PER_PAGE)))


@blueprint.route("/imports/preview/<token>/<any(confirm, discard):action>", methods=["POST"])
@requires_hq
def decide(token: str, action: str) -> Any:
    if action == "discard":
        _staging().discard(token, viewer().login)
        flash("The upload was discarded: nothing was imported.", "info")
        return redirect(url_for("imports.runs"))
    try:
        report = _staging().confirm(token, viewer().login, datetime.now(UTC))
    except DefinitionInactive:
        flash(INACTIVE, "error")
        return redirect(url_for("imports.preview", token=token))
    except InvalidInput as error:
        flash(str(error), "error")
        return redirect(url_for("imports.preview", token=token))
    flash(f"Imported: run {report.run_id}.", "info")
    return redirect(url_for("imports.run", run_id=report.run_id))
