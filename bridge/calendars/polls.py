"""What a client's poll reads, in one query.

Every device of every representative asks every few minutes, of each collection, whether
anything changed (its ctag or sync token): across a sales force that is most of the calendar
server's work. Answering it takes who signs in (the password's :class:`Standing`, to tell a
remembered password from a changed one), the collection, where its change log stands and,
for an appointment or task list, the representative's window settings. Read one by one
that is four queries; :func:`read_poll` reads them as one (and, for an address book of
customers, the change logs of the representative's sales channels as a second). The ctag
and sync token are then computed from what was read as the collection's source computes them
(``sources.read_state``).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, String, and_, bindparam, cast, literal, select

from bridge.calendars import changes
from bridge.calendars.collections import SELECT, CollectionInfo, collection_of
from bridge.calendars.hq_changes import CHANNEL_SCOPE
from bridge.calendars.sources import ctag_of, read_state, settings_of
from bridge.calendars.tokens import make_token
from bridge.hq.authentication import STANDING_COLUMNS, Standing
from bridge.hq.placement import Projection
from bridge.hq.settings import WINDOW_SETTINGS, WindowSettings
from bridge.infra.db import DriverQuery
from bridge.models import DavCollection, SyncPoint, SyncScope, SyncSettings, employee_channels

POLL = DriverQuery(
    SELECT.add_columns(*STANDING_COLUMNS, SyncScope.seq, SyncPoint.mark,
                       SyncSettings.employee_id.label("stored"),
                       *WINDOW_SETTINGS.selected_columns)
    .outerjoin(SyncPoint, and_(SyncPoint.scope_id == SyncScope.id,
                               SyncPoint.seq == SyncScope.seq))
    .outerjoin(SyncSettings, SyncSettings.employee_id == DavCollection.employee_id)
    .where(DavCollection.path == bindparam("path"))
)
"""The collection at ``path`` with where its change log stands, its representative's window
settings and the sign-in standing of ``login`` (built once; on the driver: see
``DriverQuery``)."""
CHANNELS = DriverQuery(
    select(employee_channels.c.channel_id, SyncScope.seq, SyncPoint.mark)
    .select_from(employee_channels)
    .outerjoin(SyncScope, SyncScope.name == literal(CHANNEL_SCOPE)
               + cast(employee_channels.c.channel_id, String))
    .outerjoin(SyncPoint, and_(SyncPoint.scope_id == SyncScope.id,
                               SyncPoint.seq == SyncScope.seq))
    .where(employee_channels.c.employee_id == bindparam("employee"))
)
"""Where the change logs of a representative's sales channels stand (a customers' address
book's state holds them)."""


@dataclass(frozen=True)
class PollReading:
    standing: Standing
    """Of the login that polls."""
    collection: CollectionInfo
    settings: WindowSettings | None
    """The representative's window settings (None: the collection has no representative)."""
    point: changes.Point
    """Where the collection's change log stands."""
    channels: dict[int, changes.Point]
    """Where the change logs of the representative's sales channels stand (read for an
    address book of customers only)."""

    def values(self, now: datetime) -> tuple[str, str]:
        """The collection's ctag and sync token at ``now``, as its source computes them."""
        state = read_state(self.collection, self.settings, self.point, self.channels, now)
        return ctag_of(self.collection.id, state), make_token(self.collection.id, state)


def read_poll(connection: Connection, login: str, path: str) -> PollReading | None:
    """What a poll of the collection at ``path`` by ``login`` reads (None: there is no
    collection at ``path``)."""
    row = POLL.first(connection, {"login": login, "path": path})
    if row is None:
        return None
    collection = collection_of(row)
    channels = {} if collection.projection is not Projection.CUSTOMERS else {
        each.channel_id: changes.Point(each.seq or 0, each.mark or "")
        for each in CHANNELS.all(connection, {"employee": collection.employee_id})}
    return PollReading(
        Standing(bool(row.active), row.password_hash), collection,
        settings_of(row) if row.employee_id is not None else None,
        changes.Point(row.seq, row.mark or ""), channels)
