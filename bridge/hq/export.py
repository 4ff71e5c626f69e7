"""Writing a list of activities as a table, CSV, JSON, iCalendar or Excel (the cockpit's
export), piece by piece: an export of any size streams, to a file or to a browser."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import IO, BinaryIO

from bridge.errors import InvalidInput
from bridge.hq.filtering import ActivityView, shown_in
from bridge.ical.render import calendar_stream, render_activity

FORMATS = ("table", "csv", "json", "ics")
TABLE_COLUMNS = (
    ("number", 16), ("name", 24), ("kind", 11), ("origin", 6), ("status", 21),
    ("start", 16), ("customer", 10), ("representative", 14),
)
"""The table's columns and their widths; the start is shown in one time zone, which its
header names."""
CSV_COLUMNS = (
    "number", "name", "kind", "origin", "status", "start", "end", "priority", "customer",
    "customer_name", "representative", "sales_channel", "mobile_status", "completed_on",
    "completed_by", "mobile_id", "private", "description",
)
EXCEL_ROWS = 1_048_576
"""Rows of an Excel worksheet (the header takes one)."""


class Counted:
    """The views, counted as they pass."""

    def __init__(self, views: Iterable[ActivityView]) -> None:
        self._views = views
        self.count = 0

    def __iter__(self) -> Iterator[ActivityView]:
        for view in self._views:
            self.count += 1
            yield view


def write_activities(views: Iterable[ActivityView], fmt: str, out: IO[str],
                     zone: str = "UTC") -> int:
    """Write every view to ``out`` in ``fmt`` (a table's times in ``zone``; the other
    formats carry each time's offset); returns how many were written."""
    counted = Counted(views)
    for chunk in export_chunks(counted, fmt, zone):
        out.write(chunk)
    if fmt == "table":
        out.write(f"({counted.count} activit{'y' if counted.count == 1 else 'ies'})\n")
    return counted.count


def export_chunks(views: Iterable[ActivityView], fmt: str, zone: str = "UTC") -> Iterator[str]:
    """The export in ``fmt`` (one of :data:`FORMATS`), in pieces."""
    if fmt == "table":
        return _table(views, zone)
    return {"csv": _csv, "json": _json, "ics": _ics}[fmt](views)


def _table(views: Iterable[ActivityView], zone: str) -> Iterator[str]:
    """A table for reading, its start times on the clocks of ``zone`` (its header says so)."""
    headers = {name: name.upper() for name, _ in TABLE_COLUMNS} | {"start": f"START ({zone})"}
    widths = {name: max(width, len(headers[name])) for name, width in TABLE_COLUMNS}
    yield "  ".join(headers[name].ljust(widths[name]) for name in widths).rstrip() + "\n"
    for view in views:
        record = view.as_record() | {"start": shown_in(view.activity.start_at, zone)}
        cells = (_cell(record[name], width) for name, width in widths.items())
        yield "  ".join(cells).rstrip() + "\n"


def _cell(value: object, width: int) -> str:
    text = "" if value is None else str(value)
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def _csv(views: Iterable[ActivityView]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for index, view in enumerate(views):
        writer.writerow(view.as_record())
        if index % 500 == 499:
            yield _drained(buffer)
    yield _drained(buffer)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _json(views: Iterable[ActivityView]) -> Iterator[str]:
    """A JSON array, written element by element."""
    first = True
    yield "["
    for view in views:
        yield ("\n  " if first else ",\n  ") + json.dumps(view.as_record(), ensure_ascii=False)
        first = False
    yield "]\n" if first else "\n]\n"


def _ics(views: Iterable[ActivityView]) -> Iterator[str]:
    components = (render_activity(view.activity, view.customer_number) for view in views)
    for chunk in calendar_stream(components):
        yield chunk.decode("utf-8")


def write_excel(views: Iterable[ActivityView], out: BinaryIO) -> int:
    """An Excel workbook of the CSV columns, built row by row on disk (xlsxwriter's
    constant-memory mode); more rows than a worksheet holds are refused."""
    import xlsxwriter  # (loaded at a first Excel export: a server process spared it)

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "remove_timezone": True,
                                         "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("Activities")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, CSV_COLUMNS, bold)
    sheet.freeze_panes(1, 0)
    row = 0
    for view in views:
        row += 1
        if row >= EXCEL_ROWS:
            workbook.close()
            raise InvalidInput(too_many_for_excel())
        record = view.as_record()
        sheet.write_row(row, 0, [_excel_cell(record[name]) for name in CSV_COLUMNS])
    workbook.close()
    return row


def too_many_for_excel() -> str:
    return (f"the view has more activities than an Excel worksheet holds "
            f"({EXCEL_ROWS - 1:,} rows besides the header): export it as CSV, or narrow the "
            "filter")


def _excel_cell(value: object) -> object:
    return "" if value is None else value
