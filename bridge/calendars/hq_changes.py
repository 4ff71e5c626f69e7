"""HQ changes seen by calendar clients: every change HQ publishes (the import, the HQ commands,
a client's write; :mod:`bridge.hq.published`) is logged here for the changed items, in the
same transaction, so the next sync-collection reports exactly them."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.calendars import changes
from bridge.hq.placement import Projection, customer_href, projection_for
from bridge.hq.published import Change
from bridge.infra.db import among
from bridge.models import DavCollection

ActivityChange = tuple[int, Projection, str]
"""(representative id, the collection kind the activity shows in, its href)"""


CHANNEL_SCOPE = "channel:"
"""The start of a sales channel's change-log scope's name; its id follows."""


def channel_scope_name(channel_id: int | None) -> str:
    return f"{CHANNEL_SCOPE}{channel_id}"


def on_hq_change(session: Session, change: Change) -> None:
    """Log the activities' and customers' items (where they are and where they left)."""
    log_activities(session, ((each.representative_id, projection_for(each.kind, each.origin),
                              each.href) for each in change.activities))
    if change.customers:
        log_customers(session, ((each.sales_channel_id, each.number)
                                for each in change.customers))


def log_activities(session: Session, changed: Iterable[ActivityChange]) -> None:
    by_collection: dict[tuple[int, str], list[str]] = defaultdict(list)
    for employee_id, projection, href in changed:
        by_collection[(employee_id, projection.value)].append(href)
    if not by_collection:
        return
    scopes = _projection_scopes(session, {key[0] for key in by_collection})
    changes.record_many(session, {
        scopes[key]: hrefs for key, hrefs in by_collection.items() if key in scopes
    })


_SCOPES = changes.TRANSACTION_CACHE + "projection-scopes"


def _projection_scopes(session: Session, employee_ids: set[int]) -> dict[tuple[int, str], int]:
    """(employee id, projection) → scope id, read once per transaction for each employee
    (an import logs changes chunk after chunk for the same representatives)."""
    known: dict[tuple[int, str], int] = session.info.setdefault(_SCOPES, {})
    looked_up: set[int] = session.info.setdefault(_SCOPES + ".employees", set())
    missing = employee_ids - looked_up
    if missing:
        known.update({
            (row.employee_id, row.projection): row.scope_id
            for row in session.execute(
                select(DavCollection.employee_id, DavCollection.projection,
                       DavCollection.scope_id)
                .where(among(session.connection(), DavCollection.employee_id, missing),
                       DavCollection.projection.is_not(None)))
        })
        looked_up |= missing
    return known


def log_customers(session: Session, changed: Iterable[tuple[int | None, str]]) -> None:
    """(sales channel id, customer number) of changed customers."""
    by_channel: dict[int | None, list[str]] = defaultdict(list)
    for channel_id, number in changed:
        by_channel[channel_id].append(customer_href(number))
    changes.record_many(session, {
        changes.scope_id(session, channel_scope_name(channel_id)): hrefs
        for channel_id, hrefs in by_channel.items()
    })
