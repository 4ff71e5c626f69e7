"""A write that meets another writer's lock is never a 500: a lost deadlock is run again whole,
a lock held past the server's ``write_wait`` is answered 503 with Retry-After, and neither
changes anything half-way."""

import threading
import time

import pytest
from sqlalchemy import Engine, text

from bridge.hq.editing import find_activity
from bridge.infra.db import transaction
from bridge.infra.locks import owner_lock, take
from tests.clock import day
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import EVENT, VISIT_DAYS, Server, serving
from tests.storage_plugin.conftest import moved_a_day as moved


def test_a_write_kept_waiting_past_write_wait_gets_503_and_changes_nothing(
        hq: Bridge, staff_passwords: None, database_url: str, engine: Engine,
        caplog: pytest.LogCaptureFixture) -> None:
    with serving(database_url, storage={"write_wait": "1"}) as server:
        url = server.url + "bwilson/appointments/visit.ics"
        http = server.http("bwilson")
        text = EVENT.format(uid="visit", summary="Visit", description="")
        assert http.put(url, data=text).status_code == 201
        etag = http.get(url).headers["ETag"]
        with transaction(engine) as session:  # an HQ change to it, still at work
            find_activity(session, "CL-000001", for_update=True)
            started = time.monotonic()
            response = http.put(url, data=moved(text), headers={"If-Match": etag})
            waited = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert "try again" in response.text
        assert 1 <= waited < 10
        # The log has the 503 and why, not a failure with SQL and a traceback.
        assert "PUT /bwilson/appointments/visit.ics refused with 503" in caplog.text
        assert "Traceback" not in caplog.text and "500" not in caplog.text
        assert http.get(url).headers["ETag"] == etag
        assert activities_json(hq)[0]["start"].startswith(day(VISIT_DAYS).isoformat())
        retried = http.put(url, data=moved(text), headers={"If-Match": etag})
        assert retried.status_code == 204


def test_a_request_that_loses_a_deadlock_is_run_again(
        server: Server, hq: Bridge, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: writers cannot deadlock")
    url = server.url + "bwilson/appointments/visit.ics"
    http = server.http("bwilson")
    event = EVENT.format(uid="visit", summary="Visit", description="")
    assert http.put(url, data=event).status_code == 201
    etag = http.get(url).headers["ETag"]
    answers = []
    with transaction(engine) as session:
        # This transaction looks for deadlocks late: the request finds the cycle and loses.
        session.execute(text("SET LOCAL deadlock_timeout = '20s'"))
        find_activity(session, "CL-000001", for_update=True)
        thread = threading.Thread(target=lambda: answers.append(
            http.put(url, data=moved(event), headers={"If-Match": etag})))
        thread.start()
        _wait_until_a_request_waits_for_a_lock(engine)
        take(session.connection(), [owner_lock("bwilson")])  # the request holds it: a cycle
    thread.join(timeout=30)
    assert answers[0].status_code == 204
    assert "met a deadlock; running it again" in caplog.text
    assert activities_json(hq)[0]["start"].startswith(day(VISIT_DAYS + 1).isoformat())


def _wait_until_a_request_waits_for_a_lock(engine: Engine) -> None:
    deadline = time.monotonic() + 10
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar_one()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the request never waited for the row lock")
