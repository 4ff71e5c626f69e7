"""The cockpit's transactions on the HQ database of the app (``bridge.infra.db``)."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bridge.infra.db import WRITE_WAIT_SECONDS, transaction


def engine() -> Engine:
    found: Engine = current_app.extensions["bridge.engine"]  # (untyped in Flask)
    return found


@contextmanager
def reading() -> Iterator[Session]:
    with transaction(engine(), write=False) as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    """A write, committed whole or not at all; a lock wait longer than the calendar server's
    ends as a conflict (503, try again) instead of a hanging page."""
    with transaction(engine(), wait=WRITE_WAIT_SECONDS) as session:
        yield session
