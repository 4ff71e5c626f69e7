"""A request that fails on a database error: the log says which request, what the database
said and an error id — never the SQL's parameters (customer data) — and the client's 500
answer carries the same id."""

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bridge.infra.db import transaction
from tests.storage_plugin.conftest import EVENT, Server

REFUSING = {
    "sqlite": ["CREATE TRIGGER refuse BEFORE INSERT ON activities "
               "BEGIN SELECT RAISE(ABORT, 'activities are refused today'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'activities are refused today'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON activities "
        "FOR EACH ROW EXECUTE FUNCTION refuse()"],
}


@pytest.fixture
def refusing_database(engine: Engine) -> Iterator[None]:
    """A database that fails every new activity (as a full disk or a broken table would)."""
    with transaction(engine) as session:
        for statement in REFUSING[engine.dialect.name]:
            session.execute(text(statement))
    yield
    with transaction(engine) as session:
        session.execute(text("DROP TRIGGER refuse" +
                             (" ON activities" if engine.dialect.name == "postgresql" else "")))
        if engine.dialect.name == "postgresql":
            session.execute(text("DROP FUNCTION refuse()"))


def test_a_database_error_is_logged_with_an_error_id_and_without_customer_data(
        server: Server, refusing_database: None, caplog: pytest.LogCaptureFixture) -> None:
    url = server.url + "bwilson/appointments/secret.ics"
    event = EVENT.format(uid="secret", summary="Acme Trading takeover talks", description="")
    response = server.http("bwilson").put(url, data=event)
    assert response.status_code == 500
    [error_id] = re.findall(r"error id ([0-9a-f]{8})", response.text)
    [logged] = [record.getMessage() for record in caplog.records
                if f"error id {error_id}" in record.getMessage()]
    assert "PUT" in logged and "/bwilson/appointments/secret.ics" in logged
    assert "activities are refused today" in logged
    assert "Acme Trading" not in caplog.text and "takeover" not in caplog.text
    assert "INSERT INTO" not in caplog.text
