"""After an import that wrote many rows, PostgreSQL's planner statistics are refreshed at once
(not when autovacuum gets to it), so the calendar server's queries are planned for the
tables as they now are — unless the statistics already know a table larger than what the
import wrote."""

from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from bridge.importing import job
from tests.conftest import Bridge, WriteExport, appointment, import_appointments


def last_analyzed(engine: Engine) -> datetime | None:
    with engine.connect() as connection:
        return connection.scalar(text(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'activities'"))


def test_a_large_import_refreshes_the_planner_statistics(
        hq: Bridge, write_export: WriteExport, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no planner statistics to refresh")
    monkeypatch.setattr(job, "ANALYZE_AFTER", 3)
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-2"))
    assert last_analyzed(engine) is None  # (2 rows: below the threshold)
    import_appointments(hq, write_export, *(appointment(f"MA-{n}") for n in range(3, 6)))
    assert last_analyzed(engine) is not None


def test_an_import_smaller_than_the_table_leaves_the_statistics_to_autovacuum(
        hq: Bridge, write_export: WriteExport, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no planner statistics to refresh")
    monkeypatch.setattr(job, "ANALYZE_AFTER", 3)
    import_appointments(hq, write_export, *(appointment(f"MA-{n}") for n in range(1, 7)))
    analyzed = last_analyzed(engine)  # the statistics know 6 activities
    import_appointments(hq, write_export, *(appointment(f"MA-{n}") for n in range(7, 12)))
    assert last_analyzed(engine) == analyzed  # 5 more: plans for 6 rows stay right
    import_appointments(hq, write_export, *(appointment(f"MA-{n}") for n in range(12, 30)))
    assert last_analyzed(engine) > analyzed  # 18 more: the table more than doubled
