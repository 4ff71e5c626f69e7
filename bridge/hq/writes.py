"""Every change to HQ activities and customers is written here.

The HQ commands, the import (its status sweep included) and the calendar clients' write-back
decide *what* changes under their own rules; this module applies it and, in the same
transaction, does what every change needs: the activity's revision grows (its ETag changes)
and the change is published (:mod:`bridge.hq.published`) — where the activity left too, when
it moved to another representative — to whoever keeps something of it.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge.hq.published import Change, CustomerWritten, Written, publish
from bridge.hq.rules.status import NOT_PROCESSED_NOTE
from bridge.infra.bulk import NewRows, insert_new
from bridge.infra.db import among
from bridge.models import (
    Activity,
    ClientCopy,
    Customer,
    Kind,
    Origin,
    Status,
    utcnow,
)

# --- one activity at a time (HQ commands, calendar clients) -------------------------------

def create_activity(session: Session, activity: Activity) -> Activity:
    """Add a new activity (its fields, revision 1 and times set by the caller)."""
    session.add(activity)
    session.flush()
    publish(session, Change(activities=[_written(activity)]))
    return activity


def activity_changed(session: Session, activity: Activity, now: datetime,
                     previous_representative_id: int | None = None) -> None:
    """Record a change the caller made to ``activity``: a new revision, logged (also in the
    calendar of ``previous_representative_id`` if it moved from there)."""
    activity.revision += 1
    activity.modified_at = now
    session.flush()
    written = _written(activity)
    moved = ([written._replace(representative_id=previous_representative_id)]
             if previous_representative_id not in (None, activity.representative_id) else [])
    publish(session, Change(activities=[written, *moved]))


def save_client_copy(session: Session, activity: Activity, text: str, whole: bool) -> None:
    """The iCalendar text a client sent for the activity: what HQ does not model survives in
    what the calendars serve; if it is ``whole`` (HQ took the write as it was), it is served
    as it is until HQ changes the activity."""
    copy = session.get(ClientCopy, activity.id)
    revision = activity.revision if whole else None
    if copy is None:
        session.add(ClientCopy(activity_id=activity.id, text=text, revision=revision))
    else:
        copy.text, copy.revision = text, revision
    publish(session, Change(client_copies=[activity.id]))


# --- many at a time (the import) ----------------------------------------------------------

def insert_activities(session: Session, new: NewRows, customer_numbers: Mapping[int, str]
                      ) -> list[int]:
    """New activities (:func:`bridge.infra.bulk.new_rows` of column values, revision 1),
    and the number of each customer they name; their ids, in order."""
    rows = new.rows
    if not rows:
        return []
    insert_new(session, new)
    numbers = [row["number"] for row in rows]
    connection = session.connection()
    by_number = {number: id_ for number, id_ in connection.execute(
        select(Activity.number, Activity.id).where(among(connection, Activity.number, numbers)))}
    ids = [by_number[number] for number in numbers]
    stored = new.stored()
    for id_, row in zip(ids, stored, strict=True):  # (fresh dicts: completed in place)
        row.update(id=id_, customer_number=customer_numbers.get(row["customer_id"]))
    publish(session, Change(
        activities=[_written_row(id_, row) for id_, row in zip(ids, rows, strict=True)],
        inserted=stored))
    return ids


def update_activities(session: Session, rows: Sequence[dict[str, Any]],
                      representatives_before: Mapping[int, int]) -> None:
    """Changed column values by id (``revision`` raised by the caller); the representative
    each had before, by id, to log those that moved."""
    if not rows:
        return
    session.execute(update(Activity), rows)
    written = [_written_row(row["id"], row) for row in rows]
    publish(session, Change(activities=[*written, *(
        each._replace(representative_id=representatives_before[each.id]) for each in written
        if representatives_before.get(each.id, each.representative_id)
        != each.representative_id)]))


def sweep_overdue(session: Session, now: datetime) -> int:
    """Appointments whose processing period elapsed without completion become Delayed;
    mobile ones are frozen too (the import no longer changes them). How many changed."""
    overdue = update(Activity).where(
        Activity.kind == Kind.APPOINTMENT,
        Activity.status == Status.PLANNED,
        Activity.end_at < now,
        Activity.deleted_at.is_(None),
    )
    changes = {"status": Status.DELAYED, "revision": Activity.revision + 1,
               "modified_at": utcnow()}
    options = {"synchronize_session": False}
    columns = (Activity.id, Activity.representative_id, Activity.kind, Activity.origin,
               Activity.href)
    mobile = session.execute(
        overdue.where(Activity.origin == Origin.MOBILE).values(
            frozen=True,
            status_note=NOT_PROCESSED_NOTE,
            description=Activity.description + "\n" + NOT_PROCESSED_NOTE,
            **changes,
        ).returning(*columns),
        execution_options=options,
    ).all()
    others = session.execute(
        overdue.where(Activity.origin != Origin.MOBILE).values(**changes).returning(*columns),
        execution_options=options,
    ).all()
    publish(session, Change(activities=[Written(*row) for row in (*mobile, *others)]))
    return len(mobile) + len(others)


def _written(activity: Activity) -> Written:
    return Written(activity.id, activity.representative_id, activity.kind, activity.origin,
                   activity.href)


def _written_row(id_: int, row: Mapping[str, Any]) -> Written:
    return Written(id_, row["representative_id"], row["kind"], row["origin"], row["href"])


# --- customers ----------------------------------------------------------------------------

def insert_customers(session: Session, new: NewRows) -> None:
    """New customers (:func:`bridge.infra.bulk.new_rows` of column values, revision 1)."""
    rows = new.rows
    if not rows:
        return
    insert_new(session, new)
    connection = session.connection()
    ids = {number: id_ for number, id_ in connection.execute(
        select(Customer.number, Customer.id).where(
            among(connection, Customer.number, [row["number"] for row in rows])))}
    publish(session, Change(customers=[
        CustomerWritten(ids[row["number"]], row["number"], row["sales_channel_id"])
        for row in rows]))


def update_customers(session: Session, rows: Sequence[dict[str, Any]],
                     channels_before: Mapping[int, int | None]) -> None:
    """Changed column values by id (``revision`` raised, ``number`` given, by the caller);
    the sales channel each had before, by id: its address books lose the customer."""
    if not rows:
        return
    session.execute(update(Customer), [
        {key: value for key, value in row.items() if key != "number"} for row in rows])
    publish(session, Change(customers=[
        *(CustomerWritten(row["id"], row["number"], row["sales_channel_id"]) for row in rows),
        *(CustomerWritten(row["id"], row["number"], channels_before[row["id"]])
          for row in rows)]))
