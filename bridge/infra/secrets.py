"""Secrets every server process shares, kept in the database (made once, on first use)."""

import secrets
from collections.abc import Callable

from sqlalchemy import Engine

from bridge.infra.db import transaction, upsert_statement
from bridge.models import ServerKey


def _random() -> str:
    return secrets.token_urlsafe(48)


def shared_secret(engine: Engine, name: str, make: Callable[[], str] = _random) -> str:
    """The secret called ``name``: the first process to ask makes it (``make``: at most 255
    characters), the others read it."""
    with transaction(engine, write=False) as session:
        found = session.get(ServerKey, name)
        if found is not None:
            return found.value
    with transaction(engine) as session:
        dialect = session.get_bind().dialect.name
        session.execute(upsert_statement(dialect, ServerKey).values(
            name=name, value=make()).on_conflict_do_nothing())
        key = session.get(ServerKey, name)
        assert key is not None
        return key.value
