"""A chunk's writes run behind the next chunk's decisions: the import ends exactly as if
each chunk were written before the next is read, and a write that fails fails the run whole."""

import sys
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bridge.importing.activities import ActivityImport
from bridge.importing.customers import CustomerImport
from bridge.importing.pipeline import WriteBehind
from bridge.infra.db import transaction
from tests.conftest import (
    NOW_ISO,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    customer,
    later_version,
)

RECORDS = [
    appointment("MA-1"), appointment("MA-2"),
    # chunk 2 updates what chunk 1 admitted
    appointment("MA-3"), later_version("MA-1", name="Renamed"),
    # chunk 3 asks for a number chunk 2 gave away
    appointment("MA-4", number="APP/MA-3"), appointment("MA-5"),
    # chunk 4 depends on nothing before it
    appointment("MA-6"), appointment("MA-7"),
    # chunk 5 moves MA-3 to a new number; chunk 6 takes the number it had
    later_version("MA-3", number="APP/NEW-3"), appointment("MA-8"),
    later_version("MA-5", name="Moved on"), appointment("MA-9", number="APP/MA-3"),
]


@pytest.fixture(params=[1000, 2], ids=["one chunk", "chunks of two"])
def chunk_size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(ActivityImport, "chunk_size", request.param)
    monkeypatch.setattr(CustomerImport, "chunk_size", request.param)
    return request.param


def test_chunks_see_what_the_chunks_before_them_wrote(
        hq: Bridge, write_export: WriteExport, chunk_size: int) -> None:
    result = hq("import", "activities", write_export("appointments", RECORDS), "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    assert "imported 8, updated 3, unchanged 0, skipped 1" in result.output
    assert ("MA-4 / APP/MA-3: field 'number': skipped: number APP/MA-3 is already used"
            in result.output)
    by_id = {a["mobile_id"]: a for a in activities_json(hq)}
    assert sorted(by_id) == ["MA-1", "MA-2", "MA-3", "MA-5", "MA-6", "MA-7", "MA-8", "MA-9"]
    assert by_id["MA-1"]["name"] == "Renamed"
    assert by_id["MA-3"]["number"] == "APP/NEW-3"
    assert by_id["MA-9"]["number"] == "APP/MA-3"


def test_customers_in_chunks_see_the_chunks_before_them(
        hq: Bridge, write_export: WriteExport, chunk_size: int) -> None:
    customers = [customer("C-7001"), customer("C-7002", sales_channel="West"),
                 customer("C-7001", name="Renamed"), customer("C-7003", sales_channel="West")]
    result = hq("import", "customers", write_export("customers", customers), "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    assert "imported 3, updated 1, unchanged 0" in result.output
    hq("import", "activities", write_export("appointments", [
        appointment("MA-1", customer="C-7001"),
        appointment("MA-2", customer="C-7003", sales_channel="West")]), "--now", NOW_ISO)
    by_id = {a["mobile_id"]: a for a in activities_json(hq)}
    assert by_id["MA-1"]["customer_name"] == "Renamed"
    assert by_id["MA-2"]["sales_channel"] == "West"


@pytest.fixture
def refused_number(engine: Engine) -> Iterator[str]:
    """A rule in the database that refuses one activity number (a write failing there),
    dropped afterwards (a server database outlives the test)."""
    number = "APP/MA-7"
    postgresql = engine.dialect.name == "postgresql"
    with transaction(engine) as session:
        if postgresql:
            session.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.number = '{number}' THEN RAISE EXCEPTION 'refused by the test'; "
                "END IF; RETURN NEW; END $$"))
            session.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON activities "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse()"))
        else:
            session.execute(text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON activities WHEN NEW.number = "
                f"'{number}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))
    yield number
    with transaction(engine) as session:
        if postgresql:
            session.execute(text("DROP TRIGGER refuse ON activities"))
            session.execute(text("DROP FUNCTION refuse()"))
        else:
            session.execute(text("DROP TRIGGER refuse"))


def test_a_write_failing_behind_fails_the_run_whole(
        hq: Bridge, write_export: WriteExport, refused_number: str, chunk_size: int) -> None:
    result = hq("import", "activities", write_export("appointments", RECORDS), "--now", NOW_ISO)
    assert result.exit_code != 0
    assert "refused by the test" in result.output
    assert activities_json(hq) == []
    assert "failed" in hq("runs", "list").output


def test_writes_run_in_order_one_at_a_time() -> None:
    done: list[int] = []
    running = threading.Lock()

    def write(number: int) -> None:
        assert running.acquire(blocking=False), "two writes at once"
        time.sleep(0.01)
        done.append(number)
        running.release()

    with WriteBehind() as writer:
        for number in range(5):
            writer.submit(lambda number=number: write(number))
    assert done == [0, 1, 2, 3, 4]


def test_a_writes_error_is_raised_at_the_next_wait() -> None:
    def fail() -> None:
        raise ValueError("disk full")

    with WriteBehind() as writer:
        writer.submit(fail)
        with pytest.raises(ValueError, match="disk full"):
            writer.wait()
        writer.wait()  # raised once


def test_leaving_on_an_error_waits_for_the_write_under_way() -> None:
    started, finished = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        time.sleep(0.2)
        finished.set()

    with pytest.raises(KeyError), WriteBehind() as writer:
        writer.submit(slow)
        started.wait()
        raise KeyError("the reader failed")
    assert finished.is_set()


def test_threads_switch_often_while_a_writer_runs_and_as_before_after() -> None:
    before = sys.getswitchinterval()
    with WriteBehind() as writer:
        writer.submit(lambda: None)
        assert sys.getswitchinterval() == WriteBehind.SWITCH_INTERVAL
    assert sys.getswitchinterval() == before
