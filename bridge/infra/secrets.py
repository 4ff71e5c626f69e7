"""Secrets every server process shares, kept in the database (made once, on first use)."""

import secrets

from sqlalchemy import Engine

from bridge.infra.db import transaction, upsert_statement
from bridge.models import ServerKey


def shared_secret(engine: Engine, name: str) -> str:
    """The secret called ``name``: the first process to ask makes it, the others read it."""
    with transaction(engine, write=False) as session:
        found = session.get(ServerKey, name)
        if found is not None:
            return found.value
    with transaction(engine) as session:
        dialect = session.get_bind().dialect.name
        session.execute(upsert_statement(dialect, ServerKey).values(
            name=name, value=secrets.token_urlsafe(48)).on_conflict_do_nothing())
        key = session.get(ServerKey, name)
        assert key is not None
        return key.value
