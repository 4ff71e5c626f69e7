"""Transactions: how long a writer waits for another writer's lock."""

import threading
import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from bridge.infra.conflicts import conflict_of
from bridge.infra.db import make_engine, transaction
from bridge.infra.locks import IMPORT_LOCK


@pytest.fixture
def one_connection(database_url: str) -> Engine:
    """An engine whose pool holds one connection: every transaction reuses it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's busy timeout stays with its connection")
    return make_engine(database_url, pool_size=1, max_overflow=0)


def test_a_transaction_that_would_not_wait_leaves_the_next_one_its_full_wait(
        one_connection: Engine, database_url: str) -> None:
    with transaction(one_connection, wait=0):  # as `bridge runs list` looks for dead runs
        pass
    other = make_engine(database_url)
    holding, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with transaction(other):
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert holding.wait(5)
    threading.Timer(0.5, release.set).start()
    with transaction(one_connection) as session:  # waits for the holder, never "locked"
        assert session.execute(text("SELECT 1")).scalar() == 1
    holder.join()
    other.dispose()
    one_connection.dispose()


def test_a_writer_that_would_not_wait_is_refused_at_once_while_another_holds_its_lock(
        database_url: str) -> None:
    engine = make_engine(database_url)
    holding, release = threading.Event(), threading.Event()

    def hold_the_import_lock() -> None:
        with transaction(engine, take=[IMPORT_LOCK]):
            holding.set()
            release.wait(20)

    holder = threading.Thread(target=hold_the_import_lock)
    holder.start()
    assert holding.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError) as refused, \
                transaction(engine, take=[IMPORT_LOCK], wait=0):
            pass
        assert conflict_of(refused.value.orig) is not None
        assert time.monotonic() - started < 5  # (not when the holder is done)
    finally:
        release.set()
        holder.join()
        engine.dispose()
