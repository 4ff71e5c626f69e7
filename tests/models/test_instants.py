"""Instants are stored in UTC and read back timezone-aware (``bridge.models.base.UTCDateTime``)."""

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from bridge.models.base import UTCDateTime
from tests.clock import NOW, day

INSTANTS = [
    NOW,
    datetime.combine(day(-270), time(23, 59, 59, 999999), timezone(timedelta(hours=2))),
    datetime(1, 1, 1, 0, 0, 0, 5, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_sqlite_text_is_the_one_sqlalchemy_writes_and_reads_back_as_the_same_instant(
        instant: datetime) -> None:
    """SQLite compares instants as text: every writer must write the same text."""
    dialect = sqlite.dialect()
    ours = UTCDateTime().bind_processor(dialect)(instant)
    sqlalchemys = sqlite.DATETIME().bind_processor(dialect)(
        instant.astimezone(UTC).replace(tzinfo=None))
    assert ours == sqlalchemys
    assert UTCDateTime().result_processor(dialect, None)(ours) == instant


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().bind_processor(sqlite.dialect())(NOW.replace(tzinfo=None))
