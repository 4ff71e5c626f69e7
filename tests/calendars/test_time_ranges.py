"""A search by time (a calendar-query's time-range, free/busy) finds in a representative's
calendar exactly the activities whose [first, last] instants overlap the range strictly —
undated ones too — whatever is missing: the start, the end or both; asked of the plain
columns (``ActivitySource.in_range``), so that the database reads a range of its index,
not every activity of the calendar."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bridge.calendars.sources import FIRST, LAST, ActivitySource
from bridge.calendars.store import CalendarStore
from bridge.hq.windows import overlapping
from bridge.infra.db import transaction
from bridge.models import Activity
from tests.clock import iso
from tests.conftest import NOW, Bridge, WriteExport, appointment, import_appointments

DAY = timedelta(days=1)
BASE = datetime(NOW.year, NOW.month, NOW.day, tzinfo=UTC) + 10 * DAY
"""Midnight (UTC) of the day the ranges below are laid around."""
SHAPES: dict[str, tuple[datetime | None, datetime | None]] = {
    "inside": (BASE + timedelta(hours=9), BASE + timedelta(hours=10)),
    "spanning": (BASE - 40 * DAY, BASE + 40 * DAY),
    "ends-at-start": (BASE - DAY, BASE),
    "starts-at-end": (BASE + DAY, BASE + 2 * DAY),
    "before": (BASE - 3 * DAY, BASE - 2 * DAY),
    "after": (BASE + 3 * DAY, BASE + 4 * DAY),
    "start-only-inside": (BASE + timedelta(hours=12), None),
    "start-only-at-start": (BASE, None),
    "start-only-before": (BASE - DAY, None),
    "end-only-inside": (None, BASE + timedelta(hours=12)),
    "end-only-at-start": (None, BASE),
    "end-only-at-end": (None, BASE + DAY),
    "end-only-after": (None, BASE + 2 * DAY),
    "undated": (None, None),
}
RANGES = [(BASE, BASE + DAY), (BASE - DAY, BASE), (BASE + DAY, BASE + 2 * DAY),
          (BASE + timedelta(hours=9, minutes=30), BASE + timedelta(hours=9, minutes=31)),
          (BASE - 100 * DAY, BASE + 100 * DAY), (BASE - 40 * DAY, BASE - 39 * DAY)]


def test_a_search_by_time_finds_what_overlaps_whatever_instants_are_missing(
        hq: Bridge, write_export: WriteExport, engine: Engine) -> None:
    import_appointments(hq, write_export, *(
        appointment(f"TR-{n}", start=iso(n % 5 + 2, "09:00"), end=iso(n % 5 + 2, "10:00"))
        for n in range(len(SHAPES))))
    with transaction(engine) as session:
        hrefs = sorted(session.scalars(select(Activity.href).where(
            Activity.mobile_id.like("TR-%"))))
        assert len(hrefs) == len(SHAPES)
        for href, (start, end) in zip(hrefs, SHAPES.values(), strict=True):
            session.execute(update(Activity).where(Activity.href == href)
                            .values(start_at=start, end_at=end))
        shape_of = dict(zip(hrefs, SHAPES, strict=True))

    with transaction(engine, write=False) as session:
        store = CalendarStore(session, NOW)
        collection = store.collection("bwilson/mobile")
        assert collection is not None
        source = store.source(collection)
        assert isinstance(source, ActivitySource)
        for begin, finish in RANGES:
            found = {item.href for item in source.in_range(
                "VEVENT", int(begin.timestamp()), int(finish.timestamp()))}
            expected = set(session.scalars(select(Activity.href).where(
                *source.filters, source.window.selects(FIRST, LAST),
                overlapping(FIRST, LAST, begin, finish, strict=True))))
            assert found == expected, (begin, finish)
        first = {shape_of[item.href] for item in source.in_range(
            "VEVENT", int(RANGES[0][0].timestamp()), int(RANGES[0][1].timestamp()))
            if item.href in shape_of}
    assert first == {"inside", "spanning", "start-only-inside", "end-only-inside", "undated"}
