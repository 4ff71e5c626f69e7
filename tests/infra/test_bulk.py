"""Many rows at once (COPY on PostgreSQL): stored exactly as an INSERT stores them; a few
rows (an INSERT) and many (a COPY) alike."""

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bridge.infra import conflicts
from bridge.infra.bulk import COPY_FROM_ROWS, insert_new, insert_rows, new_rows, upsert_rows
from bridge.infra.db import make_engine, transaction
from bridge.models import Activity, RenderedActivity, Status
from tests.clock import day
from tests.conftest import Bridge, WriteExport, appointment, import_appointments

DEFAULTED = ("all_day", "frozen", "revision", "created_at", "modified_at")
"""Columns the rows below leave out: their defaults are set in Python."""

START = datetime.combine(day(6), time(10), timezone(timedelta(hours=2)))
"""The copies' start, given in +02:00 (08:00 UTC)."""

OWN = ("id", "number", "mobile_id", "uid", "href", "created_at", "modified_at")
"""Columns that differ between two rows made from one another."""

FEW_AND_MANY = pytest.mark.parametrize("count", [2, COPY_FROM_ROWS], ids=["few", "many"])


@pytest.fixture
def imported(hq: Bridge, write_export: WriteExport,
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
                  start_at=START,
                  status=Status.DELAYED)
    return values


def _copies_of(row: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` new activities N-100, N-101, … made from ``row``."""
    return [_copy_of(row, n) for n in range(100, 100 + count)]


@FEW_AND_MANY
def test_inserted_rows_are_stored_as_an_insert_stores_them(
        engine: Engine, imported: dict[str, Any], count: int) -> None:
    with transaction(engine) as session:
        session.execute(insert(Activity.__table__), [_copy_of(imported, 1)])
        insert_rows(session, Activity, _copies_of(imported, count))
    with transaction(engine) as session:
        rows = {row.number: dict(row._mapping) for row in session.execute(
            select(*Activity.__table__.columns).where(Activity.number.like("N-%")))}
    copied = [f"N-{n}" for n in range(100, 100 + count)]
    assert sorted(rows) == sorted(["N-1", *copied])
    as_inserted = {key: value for key, value in rows["N-1"].items() if key not in OWN}
    assert as_inserted["start_at"] == datetime.combine(day(6), time(8), UTC)
    assert as_inserted["status"] is Status.DELAYED and as_inserted["revision"] == 1
    for number in copied:
        assert {key: value for key, value in rows[number].items()
                if key not in OWN} == as_inserted
        assert rows[number]["created_at"] is not None


@FEW_AND_MANY
def test_new_rows_say_how_they_read_back_once_inserted(
        engine: Engine, imported: dict[str, Any], count: int) -> None:
    """What the import shows of new rows is made from ``stored()``, not read back."""
    with transaction(engine) as session:
        new = new_rows(session.get_bind().dialect, Activity, _copies_of(imported, count))
        insert_new(session, new)
        read = {row.number: {key: value for key, value in row._mapping.items() if key != "id"}
                for row in session.execute(select(*Activity.__table__.columns))}
    stored = new.stored()
    assert stored[0]["start_at"] == datetime.combine(day(6), time(8), UTC)
    assert all(value.utcoffset() == timedelta(0) for row in stored for value in row.values()
               if isinstance(value, datetime))  # as read back (equal instants compare equal)
    assert [read[row["number"]] for row in stored] == stored


@FEW_AND_MANY
def test_an_upsert_adds_new_keys_and_updates_the_existing_ones(
        engine: Engine, imported: dict[str, Any], count: int) -> None:
    activity = imported["id"]
    with transaction(engine) as session:
        insert_rows(session, Activity, _copies_of(imported, count - 1))
        others = session.scalars(select(Activity.id).where(Activity.number.like("N-%"))).all()
        upsert_rows(session, RenderedActivity, [{"activity_id": activity, "revision": 7,
                                             "text": "seventh"}], ["activity_id"],
                    ["revision", "text"])
        upsert_rows(session, RenderedActivity, [
            {"activity_id": activity, "revision": 8, "text": "eighth"},
            *({"activity_id": other, "revision": 1, "text": "first"} for other in others)],
            ["activity_id"], ["revision", "text"])
    with transaction(engine) as session:
        kept = dict(session.execute(
            select(RenderedActivity.activity_id, RenderedActivity.text)).all())
    assert kept == {activity: "eighth", **{other: "first" for other in others}}


@pytest.fixture
def activities(engine: Engine, imported: dict[str, Any]) -> list[int]:
    """The ids of the imported activity and of new ones: enough for their texts to be copied."""
    with transaction(engine) as session:
        insert_rows(session, Activity, _copies_of(imported, COPY_FROM_ROWS - 1))
        return [imported["id"], *session.scalars(
            select(Activity.id).where(Activity.number.like("N-%")))]


def _kept(activities: list[int], text: str, revision: int = 1) -> list[dict[str, Any]]:
    return [{"activity_id": activity, "revision": revision, "text": text}
            for activity in activities]


def _texts(session: Any) -> set[str]:
    return set(session.scalars(select(RenderedActivity.text)))


def test_rows_of_a_rolled_back_upsert_are_not_merged_by_the_next_one(
        database_url: str, activities: list[int]) -> None:
    """On PostgreSQL the rows wait in a temporary table of the connection; the next
    transaction on that connection must find it empty (or made again)."""
    one_connection = make_engine(database_url, pool_size=1, max_overflow=0)
    with pytest.raises(RuntimeError), transaction(one_connection) as session:
        upsert_rows(session, RenderedActivity, _kept(activities, "rolled back", 9),
                    ["activity_id"], ["revision", "text"])
        raise RuntimeError("the import failed")
    for text in ("kept", "kept again"):
        with transaction(one_connection) as session:
            upsert_rows(session, RenderedActivity, _kept(activities, text, 10), ["activity_id"],
                        ["revision", "text"])
        with transaction(one_connection) as session:
            assert _texts(session) == {text}
    one_connection.dispose()


def test_an_upsert_after_a_rolled_back_savepoint_stores_its_rows(
        engine: Engine, activities: list[int]) -> None:
    """A stage table made inside a savepoint that is rolled back is gone with it."""
    with transaction(engine) as session:
        savepoint = session.begin_nested()
        upsert_rows(session, RenderedActivity, _kept(activities, "undone"), ["activity_id"],
                    ["revision", "text"])
        savepoint.rollback()
        upsert_rows(session, RenderedActivity, _kept(activities, "stored"), ["activity_id"],
                    ["revision", "text"])
    with transaction(engine) as session:
        assert _texts(session) == {"stored"}


@FEW_AND_MANY
def test_rows_refused_by_the_database_raise_its_error_and_store_nothing(
        engine: Engine, imported: dict[str, Any], count: int) -> None:
    """A refused COPY is reported as any refused statement is (SQLAlchemy's error, no
    parameters quoted), and the transaction stores none of its rows."""
    rows = [*_copies_of(imported, count - 1), _copy_of(imported, 100)]  # (N-100 twice)
    with pytest.raises(IntegrityError) as refused, transaction(engine) as session:
        insert_rows(session, Activity, rows)
    assert "N-100" not in str(refused.value)
    with transaction(engine) as session:
        assert session.scalar(select(Activity.id).where(Activity.number == "N-100")) is None


@FEW_AND_MANY
def test_rows_waiting_for_another_writer_past_the_wait_are_a_conflict(
        engine: Engine, imported: dict[str, Any], count: int) -> None:
    """Copied rows that wait for another transaction's lock longer than the writer's wait are
    a write conflict ("busy, try again"), as an INSERT's would be."""
    with transaction(engine) as holder:
        holder.execute(insert(Activity.__table__), [_copy_of(imported, 100)])
        holder.flush()
        with (conflicts.watch() as seen,
              # the driver's own error (sqlite3's, psycopg's COPY): `seen` says it is the conflict
              pytest.raises(Exception),  # noqa: B017
              transaction(engine, wait=0.5) as session):
            insert_rows(session, Activity, _copies_of(imported, count))
    assert seen and not seen[0].lost


def test_a_naive_date_time_is_refused_as_an_insert_refuses_it(
        engine: Engine, imported: dict[str, Any]) -> None:
    naive = {**_copy_of(imported, 1), "start_at": START.replace(tzinfo=None)}
    for write in (lambda session: session.execute(insert(Activity.__table__), [naive]),
                  lambda session: insert_rows(session, Activity, [naive])):
        with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
            write(session)
