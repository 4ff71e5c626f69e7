"""A poll reads in one query what the separate look-ups read: who signs in, the collection,
where its change log stands and the representative's window settings."""

import pytest
from sqlalchemy import Engine

from bridge.calendars import changes
from bridge.calendars.collections import get_collections
from bridge.calendars.polls import CHANNELS, POLL, read_poll
from bridge.calendars.sources import settings_and_point
from bridge.calendars.store import CalendarStore
from bridge.hq.authentication import standing
from bridge.hq.settings import window_settings
from bridge.infra.db import transaction
from tests.clock import NOW
from tests.conftest import Bridge, WriteExport, appointment


@pytest.fixture
def provisioned(hq: Bridge, write_export: WriteExport) -> None:
    """bwilson's collections, provisioned by an import of one of his appointments."""
    assert hq("import", "activities", write_export("appointments", [
        appointment("MA-1")])).exit_code == 0
    assert hq("employees", "set-password", "bwilson", "--password-stdin",
              input="a password\n").exit_code == 0


@pytest.mark.parametrize("projection", ["appointments", "mobile", "tasks", "customers"])
@pytest.mark.parametrize("login", ["bwilson", "cdavis", "nobody"])
def test_a_poll_reads_what_the_look_ups_read(provisioned: None, engine: Engine,
                                             projection: str, login: str) -> None:
    path = f"bwilson/{projection}"
    with transaction(engine, write=False) as session:
        reading = read_poll(session.connection(), login, path)
        collection = get_collections(session, [path])[path]
        assert reading is not None
        assert reading.standing == standing(engine, login, session.connection)
        assert reading.collection == collection
        assert reading.point == changes.current(session, collection.scope_id)
        assert collection.employee_id is not None
        settings, point = settings_and_point(session, collection.employee_id,
                                             collection.scope_id)
        assert point == reading.point
        assert reading.settings is not None
        for name in ("calendar_start", "calendar_end", "task_start", "task_end", "time_zone"):
            assert getattr(reading.settings, name) == getattr(settings, name) == getattr(
                window_settings(session, collection.employee_id), name)


@pytest.mark.parametrize("projection", ["appointments", "mobile", "tasks", "customers"])
def test_a_poll_s_ctag_and_sync_token_are_the_collection_s(provisioned: None, engine: Engine,
                                                          projection: str) -> None:
    path = f"bwilson/{projection}"
    with transaction(engine, write=False) as session:
        store = CalendarStore(session, NOW)
        reading = read_poll(session.connection(), "bwilson", path)
        collection = store.collection(path)
        assert reading is not None and collection is not None
        assert reading.values(store.now) == (store.ctag(collection),
                                             store.sync_token(collection))


def test_a_poll_of_no_collection_reads_nothing(provisioned: None, engine: Engine) -> None:
    with transaction(engine, write=False) as session:
        assert read_poll(session.connection(), "bwilson", "bwilson/nothing") is None


def test_the_driver_reads_what_sqlalchemy_reads(provisioned: None, engine: Engine) -> None:
    """(``DriverQuery``: the same values, of the same types, as SQLAlchemy's own result.)"""
    parameters = {"login": "bwilson", "path": "bwilson/mobile"}
    with transaction(engine, write=False) as session:
        connection = session.connection()
        ours = POLL.first(connection, parameters)
        theirs = connection.execute(POLL.statement, parameters).first()
        collection = get_collections(session, ["bwilson/customers"])["bwilson/customers"]
        channels = {"employee": collection.employee_id}
        assert [row._asdict() for row in CHANNELS.all(connection, channels)] == [
            row._asdict() for row in connection.execute(CHANNELS.statement, channels)] != []
    assert theirs is not None
    assert ours._asdict() == theirs._asdict()
    assert [type(value) for value in ours] == [type(value) for value in theirs]
