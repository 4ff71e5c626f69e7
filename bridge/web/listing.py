"""The activities table's view — filter, sort, page, columns — read from and written to the
URL, so that a view can be bookmarked and shared (pure functions of the query string)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from bridge.errors import InvalidInput
from bridge.hq.filtering import SORT_FIELDS, ActivityFilter
from bridge.models import Kind, Origin, Status


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None
    """The sort field (``bridge.hq.filtering.SORT_FIELDS``) of the column, if it sorts."""
    instant: str | None = None
    """The activity's attribute the column shows, if it is a time (shown in the page's
    time zone, which its header names)."""


COLUMNS = {column.key: column for column in (
    Column("number", "Number", "number"),
    Column("name", "Name", "name"),
    Column("kind", "Kind", "kind"),
    Column("origin", "Origin", "origin"),
    Column("status", "Status", "status"),
    Column("start", "Start", "start", "start_at"),
    Column("end", "End", "end", "end_at"),
    Column("priority", "Priority", "priority"),
    Column("customer", "Customer", "customer"),
    Column("customer_name", "Customer name", "customer_name"),
    Column("representative", "Representative", "representative"),
    Column("sales_channel", "Sales channel", "channel"),
    Column("mobile_status", "Mobile status", None),
    Column("completed_on", "Completed on", None, "completed_on"),
    Column("modified_at", "Modified", "modified", "modified_at"),
)}
DEFAULT_COLUMNS = ("number", "name", "status", "start", "customer_name", "representative")
DEFAULT_SORT = "-start"
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_SIZE = 50
COUNT_UP_TO = 1_000
"""Matches are counted up to this many (then shown as "more than")."""


@dataclass(frozen=True)
class TableView:
    wanted: ActivityFilter
    sort: str
    page: int
    size: int
    columns: tuple[str, ...]

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (with ``changes``), for a link."""
        return to_query(replace(self, **changes))


def parse_view(args: Mapping[str, Any]) -> TableView:
    """The view a query string asks for; InvalidInput naming the parameter if it is wrong."""
    values = args if isinstance(args, MultiDict) else MultiDict(args)
    sort = values.get("sort") or DEFAULT_SORT
    keys = [key.strip() for key in sort.split(",") if key.strip()] or [DEFAULT_SORT]
    for key in keys:
        if key.lstrip("+-") not in SORT_FIELDS:
            raise InvalidInput(f"sort: cannot sort by {key.lstrip('+-')!r}")
    columns = tuple(values.getlist("col")) or DEFAULT_COLUMNS
    unknown = [column for column in columns if column not in COLUMNS]
    if unknown:
        raise InvalidInput(f"col: there is no column {unknown[0]!r}")
    wanted = ActivityFilter(
        representatives=_list(values, "rep"),
        team=values.get("team") or None,
        statuses=[_choice(Status, value, "status") for value in _list(values, "status")],
        origins=[_choice(Origin, value, "origin") for value in _list(values, "origin")],
        kinds=[_choice(Kind, value, "kind") for value in _list(values, "kind")],
        customers=_list(values, "customer"),
        channels=_list(values, "channel"),
        start_from=day_parameter(values.get("from"), "from"),
        start_to=day_parameter(values.get("to"), "to"),
        text=(values.get("q") or "").strip() or None,
        deleted=values.get("deleted") in ("1", "on", "true"),
        sort=keys,
    )
    size = _number(values.get("size"), DEFAULT_SIZE, "size")
    if size not in PAGE_SIZES:
        raise InvalidInput(f"size: choose one of {', '.join(map(str, PAGE_SIZES))}")
    return TableView(wanted, ",".join(keys), max(1, _number(values.get("page"), 1, "page")),
                     size, columns)


def to_query(view: TableView) -> dict[str, Any]:
    """The query string of ``view``: only what differs from the defaults."""
    wanted = view.wanted
    query: dict[str, Any] = {
        "rep": list(wanted.representatives), "team": wanted.team,
        "status": [status.value for status in wanted.statuses],
        "origin": [origin.value for origin in wanted.origins],
        "kind": [kind.value for kind in wanted.kinds],
        "customer": list(wanted.customers), "channel": list(wanted.channels),
        "from": wanted.start_from.isoformat() if wanted.start_from else None,
        "to": wanted.start_to.isoformat() if wanted.start_to else None,
        "q": wanted.text, "deleted": "1" if wanted.deleted else None,
        "sort": None if view.sort == DEFAULT_SORT else view.sort,
        "page": view.page if view.page > 1 else None,
        "size": view.size if view.size != DEFAULT_SIZE else None,
        "col": list(view.columns) if view.columns != DEFAULT_COLUMNS else None,
    }
    return {key: value for key, value in query.items() if value}


def page_filter(view: TableView) -> ActivityFilter:
    """The filter of the page shown: one more row than fits, to know whether one follows."""
    return replace(view.wanted, limit=view.size + 1, offset=(view.page - 1) * view.size)


def sort_link(view: TableView, column: Column) -> str | None:
    """The sort a column header's link asks for: this column ascending, or descending when
    it is already sorted ascending."""
    if column.sort is None:
        return None
    return f"-{column.sort}" if view.sort == column.sort else column.sort


def _list(values: MultiDict[str, str], name: str) -> list[str]:
    """Every value of ``name``, each a comma-separated list."""
    return [part.strip() for value in values.getlist(name) for part in value.split(",")
            if part.strip()]


def _choice(kind: Any, value: str, name: str) -> Any:
    for member in kind:
        if member.value.lower() == value.strip().lower():
            return member
    raise InvalidInput(f"{name}: {value!r} is not one of {', '.join(m.value for m in kind)}")


def day_parameter(value: str | None, name: str) -> date | None:
    """The day a query parameter ``name`` gives (None: none); InvalidInput naming it."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _number(value: str | None, default: int, name: str) -> int:
    if not value:
        return default
    if not value.isdigit():
        raise InvalidInput(f"{name}: {value!r} is not a number")
    return int(value)
