"""Rendered texts: each HQ activity's iCalendar object and each customer's vCard, rendered
once per change and stored, so that reading a calendar is a row fetch.

Every change HQ publishes (:mod:`bridge.hq.published`) marks its rows here; their texts are rendered
before the transaction commits (or earlier, when a long import calls :func:`refresh` after
each chunk), from the rows as they are then — all the changes of the transaction included.
A text whose revision is not its row's is never served: the row is rendered on read instead.

A calendar client's write holds its owner's write lock: there, an activity whose text merges a
client's copy (whose size and shape are the client's) is rendered after the commit instead
(:func:`render_after_commit`, :func:`keep_later`), outside any lock.

A long import renders in a helper process (:func:`helper_process`): rendering is a third of
its work, and the machine has another core. The texts are kept in the same transaction,
before it commits, as when rendered here.
"""

import functools
import multiprocessing
import os
import threading
import time
from collections import deque, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, event, or_, select
from sqlalchemy.orm import Session

from bridge.calendars.changes import TRANSACTION_CACHE
from bridge.hq.placement import customer_uid
from bridge.hq.published import Change
from bridge.ical.render import activity_calendar
from bridge.ical.vcard import customer_vcard
from bridge.infra import locks
from bridge.infra.bulk import insert_rows, upsert_rows
from bridge.infra.db import among, transaction
from bridge.models import (
    Activity,
    ClientCopy,
    Customer,
    RenderedActivity,
    RenderedCustomer,
    SalesChannel,
)

_ACTIVITIES = TRANSACTION_CACHE + "rendered.activities"
_CUSTOMERS = TRANSACTION_CACHE + "rendered.customers"
_LATER = "bridge.rendered.later"
"""Activities left for :func:`keep_later` (not a transaction cache: read after the commit)."""
CHUNK = 500


def on_hq_change(session: Session, change: Change) -> None:
    """Mark the changed rows for rendering; keep the texts of activities just inserted."""
    inserted = {row["id"] for row in change.inserted}
    mark_activities(session, [*(each.id for each in change.activities if each.id not in inserted),
                              *change.client_copies])
    if change.inserted:
        keep_new_activities(session, change.inserted)
    mark_customers(session, (each.id for each in change.customers))


def mark_activities(session: Session, ids: Iterable[int]) -> None:
    session.info.setdefault(_ACTIVITIES, set()).update(ids)


def mark_customers(session: Session, ids: Iterable[int]) -> None:
    session.info.setdefault(_CUSTOMERS, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    refresh(session)


def refresh(session: Session) -> None:
    """Render the marked rows as they are now, and keep their texts (:func:`_render`)."""
    marked = {kind: session.info.pop(kind.marks, None) for kind in KINDS}
    if not any(marked.values()):
        return
    session.flush()
    later: set[int] | None = session.info.get(_LATER)
    for kind, ids in marked.items():
        for chunk in _chunks(ids or ()):
            connection = session.connection()
            rows = connection.execute(
                kind.rows.where(among(connection, kind.model.id, chunk))).all()
            if later is not None and kind is _ACTIVITY:
                later.update(row.id for row in rows if _merges(row))
                rows = [row for row in rows if not _merges(row)]
            _render(session, kind, rows)


def render_after_commit(session: Session) -> None:
    """In this session, activities whose texts merge a client's copy are not rendered before
    a commit: they are left for :func:`keep_later` (:func:`left_for_later` names them)."""
    session.info[_LATER] = set()


def left_for_later(session: Session) -> set[int]:
    return session.info.pop(_LATER, None) or set()


def keep_later(engine: Engine, ids: Iterable[int], take: Iterable[locks.Lock] = (),
               wait: float | None = None) -> None:
    """Render the activities ``ids`` as committed, outside any lock, then keep each text whose
    activity has not changed meanwhile, in a short write transaction taking ``take``. (Until
    then, and if this fails, their texts are rendered on read.)"""
    wanted = sorted(ids)
    with transaction(engine, write=False) as session:
        connection = session.connection()
        rows = [row for chunk in _chunks(wanted) for row in connection.execute(
            ACTIVITY_ROWS.where(among(connection, Activity.id, chunk))).all()]
    texts = {row.id: (row, _render_activity(row)) for row in rows}
    with transaction(engine, take=take, wait=wait) as session:
        connection = session.connection()
        current = {(row_id, revision) for chunk in _chunks(texts)
                   for row_id, revision in connection.execute(
                       select(Activity.id, Activity.revision)
                       .where(among(connection, Activity.id, chunk))).all()}
        unchanged = [each for each in texts.values() if (each[0].id, each[0].revision) in current]
        _keep(session, _ACTIVITY, [row for row, _ in unchanged], [text for _, text in unchanged],
              new=False)


def _merges(row: Any) -> bool:
    """Whether the activity's text is HQ's rendering over a client's copy (which parses it)."""
    return row.client_copy is not None and row.client_revision != row.revision


def keep_new_activities(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Keep the texts of activities just inserted, rendered from their rows as stored
    (:meth:`bridge.infra.bulk.NewRows.stored`, with their ``id`` and ``customer_number``)
    instead of read back: an import inserts thousands at a time. A new activity has no
    client copy yet, nor a rendered text (its text is inserted)."""
    row = _row_type(tuple(column.key for column in ACTIVITY_ROWS.selected_columns))
    _render(session, _ACTIVITY, [row(**each, client_copy=None, client_revision=None)
                                 for each in rows], new=True)


def _render(session: Session, kind: "_Kind", rows: Sequence[Any], new: bool = False) -> None:
    """Render ``rows`` and keep their texts (or hand them to the helper process, if one is
    open, which keeps them later in the same transaction, in order)."""
    helper: _Helper | None = session.info.get(_HELPER)
    if helper is not None:
        helper.render(session, kind, rows, new)
    else:
        _keep(session, kind, rows, [kind.render(row) for row in rows], new)


ACTIVITY_ROWS = (
    select(*Activity.__table__.columns, Customer.number.label("customer_number"),
           ClientCopy.text.label("client_copy"), ClientCopy.revision.label("client_revision"))
    .outerjoin(Customer, Activity.customer_id == Customer.id)
    .outerjoin(ClientCopy, ClientCopy.activity_id == Activity.id)
)
"""An activity's columns with what its rendering needs besides (plain rows, fast)."""

CUSTOMER_ROWS = (
    select(*Customer.__table__.columns, SalesChannel.name.label("channel"))
    .outerjoin(SalesChannel, Customer.sales_channel_id == SalesChannel.id)
)


@dataclass(frozen=True)
class _Kind:
    """Rows whose texts are rendered ahead: where their marks are, how they are read and
    rendered."""

    marks: str
    model: Any
    rows: Select[Any]
    render: Callable[[Any], str]
    table: Any
    key: str


def _keep(session: Session, kind: _Kind, rows: Sequence[Any], texts: Sequence[str],
          new: bool) -> None:
    """Keep the texts of ``rows``: inserted if the rows are ``new``, else replacing those
    of older revisions."""
    texts_of = [{kind.key: row.id, "revision": row.revision, "text": text}
                for row, text in zip(rows, texts, strict=True)]
    if not texts_of:
        return
    if new:
        insert_rows(session, kind.table, texts_of)
    else:
        upsert_rows(session, kind.table, texts_of, [kind.key], ["revision", "text"])


# --- the helper process of a long import ----------------------------------------------------

_HELPER = TRANSACTION_CACHE + "rendered.helper"
AHEAD = 2
"""Batches of rows (:data:`CHUNK` each) handed to the helper and not kept yet, at most
(what waits is held in memory)."""


@contextmanager
def helper_process(session: Session) -> Iterator[None]:
    """While open, what :func:`refresh` renders from the second batch on is rendered by a
    helper process, in parallel with the work that goes on here; when it closes, every text
    is kept (an error stops the helper and leaves the transaction to be rolled back)."""
    helper = _Helper()
    session.info[_HELPER] = helper
    try:
        yield
        refresh(session)
        helper.keep(session, everything=True)
    finally:
        session.info.pop(_HELPER, None)
        helper.close()


def _exit_with(parent: int) -> None:
    """In the helper: end when ``parent`` ends, even killed (the pool's own pipes do not
    tell a helper its parent died: it would wait for work for ever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit with the import").start()


class _Helper:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[_Kind, Sequence[Any], bool, Future[list[str]]]] = deque()
        self._batches = 0

    def render(self, session: Session, kind: _Kind, rows: Sequence[Any], new: bool) -> None:
        self._batches += 1
        if self._batches == 1 or not rows:  # a short import does not start a process
            _keep(session, kind, rows, [kind.render(row) for row in rows], new)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_exit_with, initargs=(os.getpid(),))
        values = [tuple(row) for row in rows]
        future = self._pool.submit(_render_rows, kind.marks, tuple(rows[0]._fields), values)
        self._pending.append((kind, rows, new, future))
        self.keep(session)

    def keep(self, session: Session, everything: bool = False) -> None:
        """Keep what the helper has rendered, in order: all of it, or what is done (waiting
        for the oldest while more than :data:`AHEAD` batches are out)."""
        while self._pending and (everything or len(self._pending) > AHEAD
                                 or self._pending[0][-1].done()):
            kind, rows, new, future = self._pending.popleft()
            _keep(session, kind, rows, future.result(), new)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _render_rows(marks: str, fields: tuple[str, ...], values: list[tuple[Any, ...]]
                 ) -> list[str]:
    """(In the helper process.) The texts of rows given as plain values."""
    kind = next(kind for kind in KINDS if kind.marks == marks)
    row = _row_type(fields)
    return [kind.render(row(*each)) for each in values]


@functools.cache
def _row_type(fields: tuple[str, ...]) -> Any:
    return namedtuple("Row", fields)


def mark_stale(session: Session) -> int:
    """Mark every activity and customer whose rendered text is missing or older than its row
    (a database from before texts were rendered ahead); how many."""
    activities = list(session.scalars(
        select(Activity.id).outerjoin(RenderedActivity).where(
            or_(RenderedActivity.revision.is_(None),
                RenderedActivity.revision != Activity.revision))))
    customers = list(session.scalars(
        select(Customer.id).outerjoin(RenderedCustomer).where(
            or_(RenderedCustomer.revision.is_(None),
                RenderedCustomer.revision != Customer.revision))))
    mark_activities(session, activities)
    mark_customers(session, customers)
    return len(activities) + len(customers)


def activity_text(session: Session, activity_id: int) -> str:
    """The text of an activity as it is now: as rendered ahead, or rendered now if that is older."""
    return _current(session, RenderedActivity, Activity, activity_id) or _render_activity(
        session.execute(ACTIVITY_ROWS.where(Activity.id == activity_id)).one())


def customer_text(session: Session, customer_id: int) -> str:
    return _current(session, RenderedCustomer, Customer, customer_id) or _render_customer(
        session.execute(CUSTOMER_ROWS.where(Customer.id == customer_id)).one())


def _current(session: Session, table: Any, model: Any, row_id: int) -> str | None:
    """The rendered text of the row, if it is of the row's revision."""
    return session.scalar(select(table.text).join(model).where(
        model.id == row_id, table.revision == model.revision))


def _render_activity(row: Any) -> str:
    """A client's copy HQ took whole, while HQ has not changed the activity since; else HQ's
    rendering over the client's copy, if any."""
    if row.client_copy is not None and row.client_revision == row.revision:
        copy: str = row.client_copy
        return copy
    return activity_calendar(row, row.customer_number, row.client_copy)


def _render_customer(row: Any) -> str:
    return customer_vcard(row, row.channel, customer_uid(row.number))


_ACTIVITY = _Kind(_ACTIVITIES, Activity, ACTIVITY_ROWS, _render_activity, RenderedActivity,
                  "activity_id")
_CUSTOMER = _Kind(_CUSTOMERS, Customer, CUSTOMER_ROWS, _render_customer, RenderedCustomer,
                  "customer_id")
KINDS = (_ACTIVITY, _CUSTOMER)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]

