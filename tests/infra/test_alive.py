"""A process's lock: held while the process lives, free once it ends — killed or not."""

import signal
import subprocess
import sys

from sqlalchemy import Engine

from bridge.infra import alive

HOLDER = """
import sys, time
from bridge.infra import alive
from bridge.infra.db import make_engine
with alive.holding(make_engine(sys.argv[1]), int(sys.argv[2])):
    print("held", flush=True)
    time.sleep(120)
"""


def gone(engine: Engine, keys: set[int]) -> set[int]:
    with engine.connect() as connection:
        return alive.gone(connection, keys)


def holder(database_url: str, key: int) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, database_url, str(key)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    return process


def test_a_lock_is_held_while_its_process_lives_and_free_once_it_is_killed(
        engine: Engine, database_url: str) -> None:
    first, second = holder(database_url, 7), holder(database_url, 8)
    try:
        assert gone(engine, {7, 8, 9}) == {9}  # 9: nobody ever took it
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert gone(engine, {7, 8}) == {7}
    finally:
        for process in (first, second):
            process.kill()
            process.wait(10)
    assert gone(engine, {7, 8}) == {7, 8}


def test_a_lock_is_free_once_its_block_ends(engine: Engine) -> None:
    with alive.holding(engine, 5):
        with alive.holding(engine, 6):
            assert gone(engine, {5, 6}) == set()
        assert gone(engine, {5, 6}) == {6}
    assert gone(engine, {5, 6}) == {5, 6}
