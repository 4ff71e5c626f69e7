"""The change log behind sync tokens.

Each scope (a collection, or a sales channel for the customers address books) has a counter.
A transaction that changes items of a scope raises its counter once, and stamps every changed
href with the new value; the counter row stays locked until the transaction ends, so values
are handed out in commit order and a client never misses a change.
"""

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from bridge.db import upsert_statement
from bridge.models import SyncChange, SyncScope, utcnow

_BUMPED = "bridge.sync.bumped"  # see TRANSACTION_CACHE


TRANSACTION_CACHE = "bridge.sync."
"""Prefix of ``session.info`` keys that hold for one transaction only."""


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_caches(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in [key for key in session.info if str(key).startswith(TRANSACTION_CACHE)]:
            del session.info[key]


def new_scope(session: Session, name: str | None = None) -> int:
    scope = SyncScope(name=name, seq=0, modified_at=utcnow())
    session.add(scope)
    session.flush()
    return scope.id


def find_scope(session: Session, name: str) -> int | None:
    """The id of the named scope, if anything was logged in it yet."""
    return session.scalar(select(SyncScope.id).where(SyncScope.name == name))


def scope_id(session: Session, name: str) -> int:
    """The id of the named scope, created on first use (by a writer)."""
    found = find_scope(session, name)
    return found if found is not None else new_scope(session, name)


def bump(session: Session, scope: int) -> int:
    """This transaction's counter value for ``scope`` (raised on first use)."""
    bumped: dict[int, int] = session.info.setdefault(_BUMPED, {})
    if scope not in bumped:
        seq = session.execute(
            update(SyncScope).where(SyncScope.id == scope)
            .values(seq=SyncScope.seq + 1, modified_at=utcnow())
            .returning(SyncScope.seq),
            execution_options={"synchronize_session": False},
        ).scalar_one()
        bumped[scope] = seq
    return bumped[scope]


def record(session: Session, scope: int, hrefs: Iterable[str]) -> None:
    """Log that ``hrefs`` changed (were added, modified or removed) in ``scope``."""
    record_many(session, {scope: hrefs})


def record_many(session: Session, changed: Mapping[int, Iterable[str]]) -> None:
    """:func:`record` for several scopes in one statement (the import's hot path)."""
    rows = [  # counters raised in one order: two writers never wait for each other in a cycle
        {"scope_id": scope, "href": href, "seq": bump(session, scope)}
        for scope, hrefs in sorted(changed.items())
        for href in dict.fromkeys(hrefs)
    ]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)


@functools.cache
def _upsert(dialect: str) -> Any:
    """Log rows: insert, or move an href's existing row to the new counter value."""
    statement = upsert_statement(dialect, SyncChange)
    return statement.on_conflict_do_update(
        index_elements=[SyncChange.scope_id, SyncChange.href],
        set_={"seq": statement.excluded.seq},
    )


def current(session: Session, scope: int) -> int:
    return session.scalar(select(SyncScope.seq).where(SyncScope.id == scope)) or 0


def changed_since(session: Session, scope: int, seq: int) -> list[str]:
    return list(session.scalars(
        select(SyncChange.href).where(SyncChange.scope_id == scope, SyncChange.seq > seq)
    ))
