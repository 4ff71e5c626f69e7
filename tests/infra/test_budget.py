"""A request's budget of work (``bridge.infra.budget``): checks that stop work once it is
spent, a transaction rolled back by it, waiting not counted, stuck work found."""

import gc
import itertools
import logging
import time

import pytest
from sqlalchemy import Engine, text

from bridge.infra import budget
from bridge.infra.db import transaction


def spin(seconds: float) -> None:
    """Work (not waiting) for ``seconds`` of this thread's CPU time."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_without_a_budget_checks_do_nothing() -> None:
    budget.check()
    assert list(budget.bounded(range(3))) == [0, 1, 2]
    assert budget.current() is None and budget.remaining() is None
    with budget.limited(None) as limit:
        assert limit is None
        spin(0.01)
        budget.check()


def test_an_endless_iterator_ends_once_the_budget_is_spent() -> None:
    with budget.limited(0.05, "PUT /x") as limit, pytest.raises(budget.OverBudget) as raised:
        for _ in budget.bounded(itertools.count()):
            pass
    assert limit is not None and limit.exceeded
    assert "PUT /x took more than 0.05 s of work" in str(raised.value)
    assert budget.current() is None  # (the budget ends with its block)


def test_a_spent_budget_is_not_taken_for_an_error_of_the_data() -> None:
    """``except Exception`` (Radicale's handlers, parsers) does not swallow it; once spent,
    every later check raises again."""
    with budget.limited(0.01):
        spin(0.02)
        with pytest.raises(budget.OverBudget):
            try:
                budget.check()
            except Exception:  # noqa: BLE001  (what the test is about)
                pytest.fail("OverBudget was caught as an Exception")
        assert budget.exceeded()
        with pytest.raises(budget.OverBudget):
            budget.check()


def test_a_write_transaction_whose_budget_runs_out_is_rolled_back(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE budget_probe (n INTEGER)"))
    with budget.limited(0.05), pytest.raises(budget.OverBudget), \
            transaction(engine) as session:
        session.execute(text("INSERT INTO budget_probe VALUES (1)"))
        for _ in budget.bounded(itertools.count()):
            pass
    try:
        with transaction(engine, wait=1) as session:  # (the write lock is free)
            assert session.scalar(text("SELECT count(*) FROM budget_probe")) == 0
    finally:  # (PostgreSQL's test database is emptied between tests, not dropped)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE budget_probe"))


def test_waiting_is_not_work() -> None:
    with budget.limited(0.2) as limit:
        with budget.paused():
            time.sleep(0.4)
            budget.check()  # (while waiting: never)
        budget.check()
        assert limit is not None and limit.spent() < 0.2
        assert not budget.overdue()


@pytest.mark.skipif(not hasattr(time, "pthread_getcpuclockid"), reason="no CPU clock")
def test_time_its_thread_does_not_run_is_not_work() -> None:
    """(Blocked in the database, or waiting for the interpreter lock while other requests
    run: a loaded server does not refuse what an idle one answers.)"""
    with budget.limited(0.1) as limit:
        time.sleep(0.3)
        budget.check()
        assert limit is not None and limit.spent() < 0.1


def test_a_full_garbage_collection_is_not_the_request_s_work() -> None:
    """(It walks every object of the process, whatever the request: seconds, in a large one.)"""
    heap = [[] for _ in range(1_000_000)]  # (objects the collection walks)
    with budget.limited(60) as limit:
        assert limit is not None
        before = limit.spent()
        started = time.thread_time()
        gc.collect()
        collecting = time.thread_time() - started
        assert collecting > 0.01  # (a collection long enough to tell)
        assert limit.spent() - before < collecting / 2
    assert len(heap) == 1_000_000


def test_work_past_its_hard_limit_is_found_and_reported_once_with_its_place(
        caplog: pytest.LogCaptureFixture) -> None:
    with budget.limited(0.01, "REPORT /bwilson/appointments/", "bwilson", hard_limit=4) as limit:
        spin(0.03)
        assert budget.overdue() == []
        spin(0.02)
        assert budget.overdue() == [limit]
        with caplog.at_level(logging.CRITICAL, logger="bridge.budget"):
            budget.report_stuck(limit, "the process is replaced")  # type: ignore[arg-type]
            budget.report_stuck(limit, "the process is replaced")  # type: ignore[arg-type]
    assert budget.overdue() == []
    [record] = caplog.records
    message = record.getMessage()
    assert message.startswith("REPORT /bwilson/appointments/ by bwilson has run")
    assert "more than 4 times its budget of 0.01 s" in message
    assert "the process is replaced" in message
    assert "in test_work_past_its_hard_limit_is_found_and_reported_once" in message


def test_no_hard_limit_when_it_is_zero() -> None:
    with budget.limited(0.001, hard_limit=0):
        spin(0.01)
        assert budget.overdue() == []
