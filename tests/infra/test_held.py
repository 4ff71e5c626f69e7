"""A write transaction held long is logged with where its thread is."""

import logging
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bridge.infra import held
from bridge.infra.db import transaction


def a_slow_step_inside_a_write() -> None:
    time.sleep(2.5)


def test_a_write_held_longer_than_the_limit_is_logged_once_with_its_place(
        engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
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


def test_a_hold_that_ends_in_the_same_thread_does_not_hide_one_still_open(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """One thread may hold two: a transaction left open in a suspended generator, and the
    next one it begins (the registry once knew a thread's latest only)."""
    monkeypatch.setattr(held, "LONG_SECONDS", 1.0)
    held.watch()
    with caplog.at_level(logging.WARNING, logger="bridge.transactions"), held.holding():
        with held.holding():
            pass
        a_slow_step_inside_a_write()
    [record] = caplog.records
    assert "in a_slow_step_inside_a_write" in record.getMessage()


def _run(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by Python as a process of its own, from the project's directory."""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parents[2], check=False)


def test_a_process_that_stopped_running_is_logged_with_every_threads_stack() -> None:
    """A native call that keeps Python's interpreter lock stops every thread of the server
    (a paused machine looks the same): the watcher says for how long, and where each was."""
    script = textwrap.dedent("""
        import ctypes, logging, time
        from bridge.infra import held
        held.STALL_SECONDS = 2.0
        logging.basicConfig()
        held.watch()
        time.sleep(1.5)
        ctypes.PyDLL(None).sleep(3)  # libc's sleep, called with the interpreter lock held
        time.sleep(1.5)
    """)
    done = _run(script)
    assert done.returncode == 0, done.stderr
    assert re.search(r"this process \(\d+\) did not run for \d s", done.stderr), done.stderr
    assert 'File "<string>", line 8 in <module>' in done.stderr  # the main thread, in the call


def test_a_process_that_ends_slowly_is_not_reported_as_stopped() -> None:
    """While a process ends, its watcher thread is stopped for good: that is no stall."""
    script = textwrap.dedent("""
        import logging, time
        from bridge.infra import held
        held.STALL_SECONDS = 2.0
        logging.basicConfig()
        held.watch()
        time.sleep(1.5)
        class SlowEnd:
            def __del__(self):
                time.sleep(3)  # tidied up at the very end, after the threads stopped
        slow = SlowEnd()
    """)
    done = _run(script)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_process_forked_from_a_watched_one_ends() -> None:
    """A process forked from a watched one (a server forking its workers after it began
    watching) inherits no armed stall report: it ends instead of waiting for ever for the
    report's thread, which did not come along."""
    script = textwrap.dedent("""
        import os, time
        from bridge.infra import held
        held.watch()
        time.sleep(1.5)
        child = os.fork()
        if child == 0:
            raise SystemExit(0)  # (a normal end: its exit handlers run)
        for _ in range(100):
            if os.waitpid(child, os.WNOHANG) != (0, 0):
                raise SystemExit(0)
            time.sleep(0.1)
        os.kill(child, 9)
        raise SystemExit("the forked process did not end")
    """)
    done = _run(script)
    assert done.returncode == 0, done.stderr
