"""Many rows at once (COPY on PostgreSQL): stored exactly as an INSERT stores them."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine, insert, select

from bridge.infra.bulk import insert_rows, upsert_rows
from bridge.infra.db import make_engine, transaction
from bridge.models import Activity, KeptActivity, Status
from tests.conftest import appointment, import_appointments

DEFAULTED = ("all_day", "frozen", "revision", "created_at", "modified_at")
"""Columns the rows below leave out: their defaults are set in Python."""

OWN = ("id", "number", "mobile_id", "uid", "href", "created_at", "modified_at")
"""Columns that differ between two rows made from one another."""


@pytest.fixture
def imported(hq: Callable[..., Result], write_export: Callable[..., Path],
             engine: Engine) -> dict[str, Any]:
    """The columns of an activity the import admitted."""
    import_appointments(hq, write_export, appointment("MA-1"))
    with transaction(engine) as session:
        return dict(session.execute(select(*Activity.__table__.columns)).one()._mapping)


def _copy_of(row: dict[str, Any], n: int) -> dict[str, Any]:
    """A new activity's values made from ``row``: its own keys, a start given in +02:00, a
    status (an enum), and the defaulted columns left out."""
    values = {key: value for key, value in row.items() if key not in ("id", *DEFAULTED)}
    values.update(number=f"N-{n}", mobile_id=f"M-{n}", uid=f"u-{n}", href=f"h-{n}.ics",
                  start_at=datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))),
                  status=Status.DELAYED)
    return values


def test_inserted_rows_are_stored_as_an_insert_stores_them(
        engine: Engine, imported: dict[str, Any]) -> None:
    with transaction(engine) as session:
        session.execute(insert(Activity.__table__), [_copy_of(imported, 1)])
        insert_rows(session, Activity, [_copy_of(imported, 2), _copy_of(imported, 3)])
    with transaction(engine) as session:
        rows = {row.number: dict(row._mapping) for row in session.execute(
            select(*Activity.__table__.columns).where(Activity.number.like("N-%")))}
    assert sorted(rows) == ["N-1", "N-2", "N-3"]
    as_inserted = {key: value for key, value in rows["N-1"].items() if key not in OWN}
    assert as_inserted["start_at"] == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert as_inserted["status"] is Status.DELAYED and as_inserted["revision"] == 1
    for number in ("N-2", "N-3"):
        assert {key: value for key, value in rows[number].items()
                if key not in OWN} == as_inserted
        assert rows[number]["created_at"] is not None


def test_an_upsert_adds_new_keys_and_updates_the_existing_ones(
        engine: Engine, imported: dict[str, Any]) -> None:
    activity = imported["id"]
    with transaction(engine) as session:
        insert_rows(session, Activity, [_copy_of(imported, 1)])
        other = session.scalar(select(Activity.id).where(Activity.number == "N-1"))
        upsert_rows(session, KeptActivity, [{"activity_id": activity, "revision": 7,
                                             "text": "seventh"}], ["activity_id"],
                    ["revision", "text"])
        upsert_rows(session, KeptActivity, [
            {"activity_id": activity, "revision": 8, "text": "eighth"},
            {"activity_id": other, "revision": 1, "text": "first"}],
            ["activity_id"], ["revision", "text"])
    with transaction(engine) as session:
        kept = dict(session.execute(select(KeptActivity.activity_id, KeptActivity.text)).all())
    assert kept[activity] == "eighth" and kept[other] == "first"


def test_rows_of_a_rolled_back_upsert_are_not_merged_by_the_next_one(
        database_url: str, imported: dict[str, Any]) -> None:
    """On PostgreSQL the rows wait in a temporary table of the connection; the next
    transaction on that connection must find it empty (or made again)."""
    one_connection = make_engine(database_url, pool_size=1, max_overflow=0)
    activity = imported["id"]
    with pytest.raises(RuntimeError), transaction(one_connection) as session:
        upsert_rows(session, KeptActivity, [{"activity_id": activity, "revision": 9,
                                             "text": "rolled back"}], ["activity_id"],
                    ["revision", "text"])
        raise RuntimeError("the import failed")
    for text in ("kept", "kept again"):
        with transaction(one_connection) as session:
            upsert_rows(session, KeptActivity, [{"activity_id": activity, "revision": 10,
                                                 "text": text}], ["activity_id"],
                        ["revision", "text"])
        with transaction(one_connection) as session:
            assert session.scalar(select(KeptActivity.text).where(
                KeptActivity.activity_id == activity)) == text
    one_connection.dispose()


def test_a_naive_date_time_is_refused_as_an_insert_refuses_it(
        engine: Engine, imported: dict[str, Any]) -> None:
    naive = {**_copy_of(imported, 1), "start_at": datetime(2026, 12, 1, 10, 0)}
    for write in (lambda session: session.execute(insert(Activity.__table__), [naive]),
                  lambda session: insert_rows(session, Activity, [naive])):
        with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
            write(session)
