"""The change log behind sync tokens tells this process's listeners of each commit that
logged a change (what wakes the push dispatcher at once), and of nothing else."""

from sqlalchemy import Engine

from bridge.calendars import changes
from bridge.infra.db import transaction
from tests.conftest import Bridge


def test_a_commit_that_logged_a_change_is_told_and_no_other(hq: Bridge, engine: Engine) -> None:
    told: list[str] = []
    stop = changes.on_committed(lambda: told.append("committed"))
    try:
        with transaction(engine) as session:
            changes.record(session, changes.scope_id(session, "tests"), ["a.ics", "b.ics"])
        assert told == ["committed"]
        with transaction(engine) as session:  # a commit of nothing logged
            changes.scope_id(session, "tests")
        with transaction(engine, write=False) as session:
            changes.stand(session)
        try:
            with transaction(engine) as session:  # logged, then rolled back
                changes.record(session, changes.scope_id(session, "tests"), ["c.ics"])
                raise LookupError("rolled back")
        except LookupError:
            pass
        assert told == ["committed"]
    finally:
        stop()
    with transaction(engine) as session:
        changes.record(session, changes.scope_id(session, "tests"), ["d.ics"])
    assert told == ["committed"]  # (stopped)
