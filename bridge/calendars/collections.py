"""Collections: look-up, creation, properties, deletion."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, or_, select, true
from sqlalchemy.orm import Session

from bridge.calendars import changes
from bridge.calendars.layout import SPECS
from bridge.errors import InvalidInput
from bridge.hq.placement import Projection
from bridge.models import DavCollection, DavItem, SyncScope, utcnow


@dataclass(frozen=True)
class CollectionInfo:
    id: int
    path: str
    tag: str
    props: dict[str, str]
    projection: Projection | None
    employee_id: int | None
    scope_id: int
    modified_at: datetime
    team_view_of: str | None = None
    """The representative whose collection this is a manager's view of (``team``)."""

    @property
    def writable(self) -> bool:
        if self.team_view_of is not None:
            return False
        return self.projection is None or SPECS[self.projection].writable

    @property
    def components(self) -> tuple[str, ...]:
        """The calendar components this collection takes (empty: any)."""
        value = self.props.get("C:supported-calendar-component-set", "")
        return tuple(part for part in value.split(",") if part)


COLUMNS = (DavCollection.id, DavCollection.path, DavCollection.tag, DavCollection.props,
           DavCollection.projection, DavCollection.employee_id, DavCollection.scope_id,
           SyncScope.modified_at)


SELECT = select(*COLUMNS).join(SyncScope, DavCollection.scope_id == SyncScope.id)
"""Collections with the time their change log last moved (their last modification)."""
BY_PATHS = SELECT.where(DavCollection.path.in_(bindparam("paths", expanding=True)))
FEW_PATHS = 4
BY_FEW_PATHS = [SELECT.where(DavCollection.path.in_([bindparam(f"path{number}")
                                                     for number in range(count)]))
                for count in range(FEW_PATHS + 1)]
"""The same for up to four paths, each its own parameter (a request asks for one or two: an
expanding list is rewritten into the statement at every execution)."""


def collection_of(row: Any) -> CollectionInfo:
    """The collection of a row with :data:`COLUMNS`."""
    return CollectionInfo(
        row.id, row.path, row.tag, json.loads(row.props),
        Projection(row.projection) if row.projection else None,
        row.employee_id, row.scope_id, row.modified_at,
    )


def get_collections(session: Session, paths: list[str],
                    pending: bool = True) -> dict[str, CollectionInfo]:
    """The collections among ``paths`` (one query), by path; ``pending=False``: the session
    has no changes to flush first (a read-only transaction's: the query goes to its
    connection, without the ORM's work around it — a poll's first query)."""
    query, parameters = (BY_PATHS, {"paths": paths}) if len(paths) > FEW_PATHS else (
        BY_FEW_PATHS[len(paths)], {f"path{number}": path for number, path in enumerate(paths)})
    rows = (session.execute if pending else session.connection().execute)(query, parameters)
    return {row.path: collection_of(row) for row in rows}


def child_collections(session: Session, path: str) -> list[CollectionInfo]:
    rows = session.execute(SELECT.where(DavCollection.parent == path, DavCollection.path != "")
                           .order_by(DavCollection.path))
    return [collection_of(row) for row in rows]


MAX_NAME_LENGTH = 1024
"""Longest display name: it also names the file a client downloads (a response header)."""
MAX_PROPERTY_LENGTH = 65536


def check_props(props: dict[str, str]) -> None:
    """Refuse property values no client needs and some clients would choke on."""
    name = props.get("D:displayname", "")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the display name is {len(name)} characters long; "
                           f"at most {MAX_NAME_LENGTH} are kept")
    for key, value in props.items():
        if len(value) > MAX_PROPERTY_LENGTH:
            raise InvalidInput(f"property {key[:100]} is {len(value)} characters long; "
                               f"at most {MAX_PROPERTY_LENGTH} are kept")


def create_collection(session: Session, path: str, props: dict[str, str]) -> CollectionInfo:
    """A general collection (a client's MKCALENDAR/MKCOL); replaces one at the same path."""
    delete_collection(session, path)
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    row = DavCollection(
        path=path, parent=parent, tag=props.get("tag", ""), props=json.dumps(props),
        scope_id=changes.new_scope(session),
    )
    session.add(row)
    session.flush()
    return CollectionInfo(row.id, row.path, row.tag, props, None, None, row.scope_id, utcnow())


def set_props(session: Session, collection: CollectionInfo, props: dict[str, str]) -> None:
    """Replace the properties (PROPPATCH); ctag and sync token move on."""
    row = session.get(DavCollection, collection.id)
    assert row is not None
    row.props = json.dumps(props)
    row.tag = props.get("tag", row.tag)
    changes.bump(session, collection.scope_id)


def _subtree(path: str) -> ColumnElement[bool]:
    """The collection at ``path`` and every collection below it (everything for the root)."""
    if not path:
        return true()
    return or_(DavCollection.path == path,
               DavCollection.path.startswith(path + "/", autoescape=True))


def provided_below(session: Session, path: str) -> str | None:
    """The path of a collection HQ provides (a representative's home or one of their
    projections) at or below ``path``, if there is one."""
    return session.scalar(select(DavCollection.path).where(
        _subtree(path), or_(DavCollection.projection.is_not(None),
                            DavCollection.employee_id.is_not(None))).limit(1))


def delete_collection(session: Session, path: str) -> None:
    """Delete a general collection and everything below it."""
    doomed = list(session.scalars(select(DavCollection.id).where(_subtree(path))))
    if doomed:
        session.execute(delete(DavItem).where(DavItem.collection_id.in_(doomed)))
        session.execute(delete(DavCollection).where(DavCollection.id.in_(doomed)))
