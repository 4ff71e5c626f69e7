"""What the calendar server keeps of HQ rows: each activity's iCalendar object and each
customer's vCard, rendered once per change, so that reading a calendar is a row fetch.

Whoever changes activities or customers logs the change for the calendars
(:mod:`bridge.calendars.hq_changes`), which marks the rows here; their texts are rendered
before the transaction commits (or earlier, when a long import calls :func:`refresh` after
each chunk), from the rows as they are then — all the changes of the transaction included.
A text whose revision is not its row's is never served: the row is rendered on read instead.
"""

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy import event

from bridge.calendars.changes import TRANSACTION_CACHE
from bridge.infra.db import upsert_statement
from bridge.ical.render import activity_calendar
from bridge.ical.vcard import customer_vcard
from bridge.models import (
    Activity,
    ClientCopy,
    Customer,
    KeptActivity,
    KeptCustomer,
    SalesChannel,
)

_ACTIVITIES = TRANSACTION_CACHE + "kept.activities"
_CUSTOMERS = TRANSACTION_CACHE + "kept.customers"
CHUNK = 500


def mark_activities(session: Session, ids: Iterable[int]) -> None:
    session.info.setdefault(_ACTIVITIES, set()).update(ids)


def mark_customers(session: Session, ids: Iterable[int]) -> None:
    session.info.setdefault(_CUSTOMERS, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    refresh(session)


def refresh(session: Session) -> None:
    """Render the marked rows as they are now, and keep their texts."""
    activities = session.info.pop(_ACTIVITIES, None)
    customers = session.info.pop(_CUSTOMERS, None)
    if not activities and not customers:
        return
    session.flush()
    dialect = session.get_bind().dialect.name
    for chunk in _chunks(activities or ()):
        rows = [{"activity_id": row.id, "revision": row.revision,
                 "text": _render_activity(row)}
                for row in session.execute(ACTIVITY_ROWS.where(Activity.id.in_(chunk)))]
        if rows:
            session.execute(_upsert(dialect, KeptActivity), rows)
    for chunk in _chunks(customers or ()):
        rows = [{"customer_id": row.id, "revision": row.revision,
                 "text": _render_customer(row)}
                for row in session.execute(CUSTOMER_ROWS.where(Customer.id.in_(chunk)))]
        if rows:
            session.execute(_upsert(dialect, KeptCustomer), rows)


ACTIVITY_ROWS = (
    select(*Activity.__table__.columns, Customer.number.label("customer_number"),
           ClientCopy.text.label("client_copy"))
    .outerjoin(Customer, Activity.customer_id == Customer.id)
    .outerjoin(ClientCopy, ClientCopy.activity_id == Activity.id)
)
"""An activity's columns with what its rendering needs besides (plain rows, fast)."""

CUSTOMER_ROWS = (
    select(*Customer.__table__.columns, SalesChannel.name.label("channel"))
    .outerjoin(SalesChannel, Customer.sales_channel_id == SalesChannel.id)
)


def mark_stale(session: Session) -> int:
    """Mark every activity and customer whose kept text is missing or older than its row
    (a database from before texts were kept); how many."""
    activities = list(session.scalars(
        select(Activity.id).outerjoin(KeptActivity).where(
            or_(KeptActivity.revision.is_(None), KeptActivity.revision != Activity.revision))))
    customers = list(session.scalars(
        select(Customer.id).outerjoin(KeptCustomer).where(
            or_(KeptCustomer.revision.is_(None), KeptCustomer.revision != Customer.revision))))
    mark_activities(session, activities)
    mark_customers(session, customers)
    return len(activities) + len(customers)


def activity_text(session: Session, activity_id: int) -> str:
    """The text of an activity as it is now: kept, or rendered if what is kept is older."""
    return _current(session, KeptActivity, Activity, activity_id) or _render_activity(
        session.execute(ACTIVITY_ROWS.where(Activity.id == activity_id)).one())


def customer_text(session: Session, customer_id: int) -> str:
    return _current(session, KeptCustomer, Customer, customer_id) or _render_customer(
        session.execute(CUSTOMER_ROWS.where(Customer.id == customer_id)).one())


def _current(session: Session, kept: Any, model: Any, row_id: int) -> str | None:
    """The kept text of the row, if it is of the row's revision."""
    return session.scalar(select(kept.text).join(model).where(
        model.id == row_id, kept.revision == model.revision))


def _render_activity(row: Any) -> str:
    return activity_calendar(row, row.customer_number, row.client_copy)


def _render_customer(row: Any) -> str:
    return customer_vcard(row, row.channel)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


@functools.cache
def _upsert(dialect: str, model: Any) -> Any:
    statement = upsert_statement(dialect, model)
    key = model.__table__.primary_key.columns.values()[0]
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={"revision": statement.excluded.revision, "text": statement.excluded.text},
    )
