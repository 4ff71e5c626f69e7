"""Export of exactly the filtered, sorted view of the activities table — CSV, Excel, JSON or
iCalendar — streamed as it is read (Excel is built on disk first: a workbook is a zip)."""

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from flask import Blueprint, Response, render_template, request

from bridge.hq.export import EXCEL_ROWS, export_chunks, too_many_for_excel, write_excel
from bridge.hq.filtering import ActivityFilter, count_activities, list_activities
from bridge.infra.db import transaction
from bridge.web.activities import within_reach
from bridge.web.database import engine, reading
from bridge.web.listing import parse_view

blueprint = Blueprint("exports", __name__)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ics": "text/calendar; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 64 * 1024


@blueprint.route("/activities/export.<any(csv, json, ics, xlsx):fmt>")
def export(fmt: str) -> Any:
    view = parse_view(request.args)
    wanted = within_reach(view.wanted)
    name = f"activities-{datetime.now(UTC):%Y%m%d-%H%M}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if fmt == "xlsx":
        with reading() as db:
            if count_activities(db, wanted, EXCEL_ROWS) >= EXCEL_ROWS:
                return render_template("refused.html", reason=too_many_for_excel(),
                                       csv=view.query()), 413
        return Response(_file_parts(_workbook(wanted)), headers=headers,
                        mimetype=MEDIA_TYPES[fmt])
    return Response(_text_parts(wanted, fmt), headers=headers, mimetype=MEDIA_TYPES[fmt])


def _text_parts(wanted: ActivityFilter, fmt: str) -> Iterator[bytes]:
    database = engine()

    def parts() -> Iterator[bytes]:
        with transaction(database, write=False) as db:
            pending: list[str] = []
            size = 0
            for chunk in export_chunks(list_activities(db, wanted), fmt):
                pending.append(chunk)
                size += len(chunk)
                if size >= CHUNK:
                    yield "".join(pending).encode()
                    pending, size = [], 0
            yield "".join(pending).encode()
    return parts()


def _workbook(wanted: ActivityFilter) -> IO[bytes]:
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it when sent)
    try:
        with reading() as db:
            write_excel(list_activities(db, wanted), out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _file_parts(out: IO[bytes]) -> Iterator[bytes]:
    with out:
        while part := out.read(CHUNK):
            yield part
