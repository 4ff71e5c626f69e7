"""Items as the calendar server hands them out, and the stored (general) items."""

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from bridge.infra.db import among, upsert_statement
from bridge.models import DavItem

TIMESTAMP_MIN = 0
TIMESTAMP_MAX = 253402300799  # 9999-12-31T23:59:59Z


@dataclass(slots=True)
class ItemInfo:
    """One calendar object or vCard with its metadata; the text may be rendered on demand
    (from data already loaded: rendering never touches the database)."""

    href: str
    uid: str
    etag: str
    component: str
    time_range: tuple[int, int]
    modified_at: datetime
    text: str | None = None
    render: Callable[[], str] | None = field(default=None, repr=False)

    def serialize(self) -> str:
        if self.text is None:
            assert self.render is not None
            self.text = self.render()
        return self.text


@dataclass(frozen=True)
class ItemMeta:
    """Metadata of an uploaded item, computed by the protocol layer when it parsed it."""

    uid: str
    etag: str
    component: str
    time_range: tuple[int, int]


COLUMNS = (DavItem.href, DavItem.uid, DavItem.etag, DavItem.component, DavItem.time_start,
           DavItem.time_end, DavItem.modified_at, DavItem.text)


def _info(row: Any) -> ItemInfo:
    return ItemInfo(row.href, row.uid, row.etag, row.component, (row.time_start, row.time_end),
                    row.modified_at, row.text)


def stored_items(session: Session, collection_id: int,
                 hrefs: Iterable[str] | None = None) -> Iterator[ItemInfo]:
    """Stored items (plain rows: listing thousands must not build ORM objects)."""
    query = select(*COLUMNS).where(DavItem.collection_id == collection_id)
    if hrefs is not None:
        query = query.where(among(session.connection(), DavItem.href, list(hrefs)))
    for row in session.execute(query):
        yield _info(row)


def stored_hrefs(session: Session, collection_id: int) -> list[str]:
    return list(session.scalars(select(DavItem.href).where(DavItem.collection_id == collection_id)))


def stored_in_range(session: Session, collection_id: int, component: str | None,
                    start: int, end: int) -> Iterator[ItemInfo]:
    query = select(*COLUMNS).where(
        DavItem.collection_id == collection_id,
        DavItem.time_start < end, DavItem.time_end > start,
    )
    if component:
        query = query.where(DavItem.component == component)
    for row in session.execute(query):
        yield _info(row)


def stored_uid_exists(session: Session, collection_id: int, uid: str) -> bool:
    return session.scalar(
        select(DavItem.id).where(DavItem.collection_id == collection_id, DavItem.uid == uid)
        .limit(1)
    ) is not None


def store_item(session: Session, collection_id: int, href: str, text: str, meta: ItemMeta,
               now: datetime) -> ItemInfo:
    """Create or replace the item at ``href`` (one statement)."""
    session.execute(_upsert(session.get_bind().dialect.name), [{
        "collection_id": collection_id, "href": href, "uid": meta.uid, "etag": meta.etag,
        "component": meta.component, "time_start": meta.time_range[0],
        "time_end": meta.time_range[1], "text": text, "modified_at": now,
    }])
    return ItemInfo(href, meta.uid, meta.etag, meta.component, meta.time_range, now, text)


REPLACED = ("uid", "etag", "component", "time_start", "time_end", "text", "modified_at")


@functools.cache
def _upsert(dialect: str) -> Any:
    statement = upsert_statement(dialect, DavItem)
    return statement.on_conflict_do_update(
        index_elements=[DavItem.collection_id, DavItem.href],
        set_={name: getattr(statement.excluded, name) for name in REPLACED},
    )


def remove_item(session: Session, collection_id: int, href: str) -> bool:
    # (a DML statement's result is a CursorResult: Session.execute is typed for any statement)
    result = cast(CursorResult[Any], session.execute(delete(DavItem).where(
        DavItem.collection_id == collection_id, DavItem.href == href)))
    return bool(result.rowcount)
