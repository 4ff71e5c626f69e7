"""A write transaction held long is logged with where its thread is."""

import logging
import time

import pytest

from bridge.infra import held
from bridge.infra.db import transaction


def a_slow_step_inside_a_write() -> None:
    time.sleep(2.5)


def test_a_write_held_longer_than_the_limit_is_logged_once_with_its_place(
        engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(held, "LONG_SECONDS", 1.0)
    held.watch()
    with caplog.at_level(logging.WARNING, logger="bridge.transactions"):
        with transaction(engine, write=False):
            a_slow_step_inside_a_write()  # (a reader is never reported)
        with transaction(engine):
            a_slow_step_inside_a_write()
    [record] = caplog.records
    assert "a write transaction has held its lock for" in record.getMessage()
    assert "in a_slow_step_inside_a_write" in record.getMessage()
