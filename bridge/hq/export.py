"""Writing a list of activities as a table, CSV, JSON or iCalendar (the cockpit's export)."""

import csv
import json
from collections.abc import Iterable
from typing import IO

from bridge.hq.cockpit import ActivityView
from bridge.ical.render import calendar_stream, render_activity

FORMATS = ("table", "csv", "json", "ics")
TABLE_COLUMNS = (
    ("number", 16), ("name", 24), ("kind", 11), ("origin", 6), ("status", 21),
    ("start", 25), ("customer", 10), ("representative", 14),
)
CSV_COLUMNS = (
    "number", "name", "kind", "origin", "status", "start", "end", "priority", "customer",
    "customer_name", "representative", "sales_channel", "mobile_status", "completed_on",
    "completed_by", "mobile_id", "description",
)


def write_activities(views: Iterable[ActivityView], fmt: str, out: IO[str]) -> int:
    """Write every view to ``out`` in ``fmt``; returns how many were written."""
    writer = {"table": _table, "csv": _csv, "json": _json, "ics": _ics}[fmt]
    return writer(views, out)


def _table(views: Iterable[ActivityView], out: IO[str]) -> int:
    out.write("  ".join(name.upper().ljust(width) for name, width in TABLE_COLUMNS).rstrip()
              + "\n")
    count = 0
    for view in views:
        record = view.as_record()
        cells = (_cell(record[name], width) for name, width in TABLE_COLUMNS)
        out.write("  ".join(cells).rstrip() + "\n")
        count += 1
    out.write(f"({count} activit{'y' if count == 1 else 'ies'})\n")
    return count


def _cell(value: object, width: int) -> str:
    text = "" if value is None else str(value)
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def _csv(views: Iterable[ActivityView], out: IO[str]) -> int:
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for view in views:
        writer.writerow(view.as_record())
        count += 1
    return count


def _json(views: Iterable[ActivityView], out: IO[str]) -> int:
    """A JSON array, written element by element."""
    count = 0
    out.write("[")
    for view in views:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(view.as_record(), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _ics(views: Iterable[ActivityView], out: IO[str]) -> int:
    count = 0

    def components():  # type: ignore[no-untyped-def]
        nonlocal count
        for view in views:
            count += 1
            yield render_activity(view.activity, view.customer_number)

    for chunk in calendar_stream(components()):
        out.write(chunk.decode("utf-8"))
    return count
