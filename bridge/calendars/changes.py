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
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from sqlalchemy import and_, delete, event, func, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from bridge.infra.bulk import upsert_rows
from bridge.infra.db import among
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


_COMMITTED: list[Callable[[], None]] = []


def on_committed(listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener`` after each commit in this process that logged a change (the push
    dispatcher's nudge: it need not wait for its next look at the log); returns what stops
    it. ``listener`` must return at once."""
    _COMMITTED.append(listener)
    return lambda: _COMMITTED.remove(listener)


@event.listens_for(Session, "after_commit")
def _tell_committed(session: Session) -> None:
    if session.info.get(_BUMPED):
        for listener in list(_COMMITTED):
            listener()


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
    return bump_many(session, [scope])[scope]


def bump_many(session: Session, scopes: Iterable[int]) -> dict[int, int]:
    """:func:`bump` for several scopes, those not raised yet in one statement. Their rows
    are locked in the order of their ids: two writers never wait for each other in a cycle."""
    scopes = list(scopes)
    bumped: dict[int, int] = session.info.setdefault(_BUMPED, {})
    new = sorted(set(scopes) - bumped.keys())
    if new:
        session.flush()  # (the statements below go past the session)
        connection = session.connection()
        if len(new) > 1 and connection.dialect.name == "postgresql":  # (SQLite: one writer)
            connection.execute(select(SyncScope.id).where(among(connection, SyncScope.id, new))
                               .order_by(SyncScope.id).with_for_update())
        raised = connection.execute(
            update(SyncScope).where(among(connection, SyncScope.id, new))
            .values(seq=SyncScope.seq + 1, modified_at=utcnow())
            .returning(SyncScope.id, SyncScope.seq)).all()
        if len(raised) != len(new):
            raise LookupError(f"no change-log scope {set(new) - {id_ for id_, _ in raised}}")
        connection.execute(insert(SyncPoint), [
            {"scope_id": id_, "seq": seq, "mark": secrets.token_hex(4)} for id_, seq in raised])
        for id_, seq in raised:
            if seq % 1000 == 0:
                connection.execute(delete(SyncPoint).where(SyncPoint.scope_id == id_,
                                                           SyncPoint.seq <= seq - POINTS_KEPT))
            bumped[id_] = seq
    return {scope: bumped[scope] for scope in scopes}


def record(session: Session, scope: int, hrefs: Iterable[str]) -> None:
    """Log that ``hrefs`` changed (were added, modified or removed) in ``scope``."""
    record_many(session, {scope: hrefs})


def record_many(session: Session, changed: Mapping[int, Iterable[str]]) -> None:
    """:func:`record` for several scopes in a few statements (the import's hot path)."""
    unique = {scope: list(dict.fromkeys(hrefs)) for scope, hrefs in changed.items()}
    unique = {scope: hrefs for scope, hrefs in unique.items() if hrefs}
    seqs = bump_many(session, unique)
    upsert_rows(session, SyncChange, [
        {"scope_id": scope, "href": href, "seq": seqs[scope]}
        for scope, hrefs in unique.items() for href in hrefs], ["scope_id", "href"], ["seq"])


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
            for row in session.execute(_POINTS.where(
                among(session.connection(), SyncScope.name, list(names))))}


def stand(session: Session) -> tuple[int, int]:
    """Where the change log as a whole stands: it moves with every change of any scope."""
    row = session.execute(select(func.count(SyncScope.id),
                                 func.coalesce(func.sum(SyncScope.seq), 0))).one()
    return int(row[0]), int(row[1])


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
