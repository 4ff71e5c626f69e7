"""The change log behind sync tokens.

Each scope (a collection, or a sales channel for the customers address books) has a counter.
A transaction that changes items of a scope raises its counter once, and stamps every changed
href with the new value; the counter row stays locked until the transaction ends, so values
are handed out in commit order and a client never misses a change.

Each value the counter takes gets a random mark (a :class:`Point`): a token names both, so a
token from another history of the database — restored from a backup, or rebuilt — is
recognised as foreign even when the counter has passed its value again. Marks of values more
than :data:`POINTS_KEPT` changes old are forgotten (a client that old syncs afresh).
"""

import secrets
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from bridge.infra.bulk import upsert_rows
from bridge.models import SyncChange, SyncPoint, SyncScope, utcnow

POINTS_KEPT = 10_000


class Point(NamedTuple):
    """A value of a scope's counter and its mark ("" for 0, the value before any change)."""

    seq: int
    mark: str

    def __str__(self) -> str:
        return f"{self.seq}_{self.mark}" if self.mark else str(self.seq)

    @classmethod
    def parse(cls, text: str) -> "Point":
        """A point as :meth:`__str__` writes it; ValueError for anything else."""
        seq, _, mark = text.partition("_")
        if not seq.isdigit() or (mark and not mark.isalnum()):
            raise ValueError(f"not a change-log point: {text!r}")
        return cls(int(seq), mark)

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
    """This transaction's counter value for ``scope`` (raised, and marked, on first use)."""
    bumped: dict[int, int] = session.info.setdefault(_BUMPED, {})
    if scope not in bumped:
        seq = session.execute(
            update(SyncScope).where(SyncScope.id == scope)
            .values(seq=SyncScope.seq + 1, modified_at=utcnow())
            .returning(SyncScope.seq),
            execution_options={"synchronize_session": False},
        ).scalar_one()
        session.execute(insert(SyncPoint).values(scope_id=scope, seq=seq,
                                                 mark=secrets.token_hex(4)))
        if seq % 1000 == 0:
            session.execute(delete(SyncPoint).where(SyncPoint.scope_id == scope,
                                                    SyncPoint.seq <= seq - POINTS_KEPT))
        bumped[scope] = seq
    return bumped[scope]


def record(session: Session, scope: int, hrefs: Iterable[str]) -> None:
    """Log that ``hrefs`` changed (were added, modified or removed) in ``scope``."""
    record_many(session, {scope: hrefs})


def record_many(session: Session, changed: Mapping[int, Iterable[str]]) -> None:
    """:func:`record` for several scopes in one statement (the import's hot path)."""
    rows: list[dict[str, Any]] = []
    # Counters raised in one order: two writers never wait for each other in a cycle.
    for scope, hrefs in sorted(changed.items()):
        unique = dict.fromkeys(hrefs)
        if unique:
            seq = bump(session, scope)
            rows += ({"scope_id": scope, "href": href, "seq": seq} for href in unique)
    upsert_rows(session, SyncChange, rows, ["scope_id", "href"], ["seq"])


_POINTS = (select(SyncScope.id, SyncScope.name, SyncScope.seq, SyncPoint.mark)
           .outerjoin(SyncPoint, and_(SyncPoint.scope_id == SyncScope.id,
                                      SyncPoint.seq == SyncScope.seq)))


def current(session: Session, scope: int) -> Point:
    """Where the scope's change log stands."""
    row = session.execute(_POINTS.where(SyncScope.id == scope)).first()
    return Point(row.seq, row.mark or "") if row else Point(0, "")


def current_named(session: Session, names: Iterable[str]) -> dict[str, tuple[int, Point]]:
    """Scope id and point of each named scope that exists yet, in one query."""
    return {row.name: (row.id, Point(row.seq, row.mark or ""))
            for row in session.execute(_POINTS.where(SyncScope.name.in_(list(names))))}


def known(session: Session, scope: int | None, point: Point) -> bool:
    """Whether ``point`` is one this scope's change log went through (and still remembers);
    of a scope not created yet (None), only the start."""
    if point == (0, ""):
        return True
    return scope is not None and session.scalar(select(SyncPoint.seq).where(
        SyncPoint.scope_id == scope, SyncPoint.seq == point.seq,
        SyncPoint.mark == point.mark)) is not None


def changed_since(session: Session, scope: int, seq: int) -> list[str]:
    return list(session.scalars(
        select(SyncChange.href).where(SyncChange.scope_id == scope, SyncChange.seq > seq)
    ))
