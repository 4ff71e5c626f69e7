"""Where a collection's items come from.

- :class:`StoredSource` — a general collection: items as clients stored them.
- :class:`ActivitySource` — a representative's appointments, mobile appointments or tasks:
  the HQ activities inside the synchronization window, plus items a client stored there
  without transferring them to HQ.
- :class:`CustomerSource` — the customers of the representative's sales channels.

Each answers the same questions: all items, some by href, those in a time range, whether a
UID is taken, the sync token, and which hrefs changed since an older token.
"""

import functools
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from bridge.calendars import changes, rendered
from bridge.calendars.collections import CollectionInfo
from bridge.calendars.hq_changes import channel_scope_name
from bridge.calendars.items import (
    TIMESTAMP_MAX,
    TIMESTAMP_MIN,
    ItemInfo,
    stored_hrefs,
    stored_in_range,
    stored_items,
    stored_uid_exists,
)
from bridge.calendars.tokens import InvalidToken, make_token, read_token
from bridge.hq.placement import Projection, customer_href, customer_number, customer_uid
from bridge.hq.settings import (
    WINDOW_SETTINGS,
    WindowSettings,
    calendar_window,
    default_settings,
    task_window,
    window_settings,
)
from bridge.hq.windows import Window
from bridge.infra import metrics
from bridge.infra.db import among
from bridge.models import (
    Activity,
    Customer,
    Kind,
    Origin,
    RenderedActivity,
    RenderedCustomer,
    SyncPoint,
    SyncScope,
    SyncSettings,
    employee_channels,
)


class StoredSource:
    def __init__(self, session: Session, collection: CollectionInfo,
                 writing: bool = False) -> None:
        self.session = session
        self.collection = collection
        self.writing = writing
        """Whether the transaction writes: then what is read is locked for the write, and the
        state is read afresh each time (a read-only one reads it once: a poll asks for the
        ctag and the sync token)."""
        self._state: str | None = None

    def all(self, texts: bool = True) -> Iterator[ItemInfo]:
        """Every item; ``texts=False``: their texts are read only when asked for."""
        return stored_items(self.session, self.collection.id)

    def hrefs(self) -> list[str]:
        return stored_hrefs(self.session, self.collection.id)

    def by_hrefs(self, hrefs: Iterable[str], texts: bool = True) -> Iterator[ItemInfo]:
        return stored_items(self.session, self.collection.id, hrefs)

    def in_range(self, component: str | None, start: int, end: int) -> Iterator[ItemInfo]:
        return stored_in_range(self.session, self.collection.id, component, start, end)

    def has_uid(self, uid: str) -> bool:
        return stored_uid_exists(self.session, self.collection.id, uid)

    def _own_point(self) -> changes.Point:
        return changes.current(self.session, self.collection.scope_id)

    def state(self) -> str:
        """What the collection's sync token and ctag encode."""
        if self._state is None or self.writing:
            self._state = self._read_state()
        return self._state

    def _read_state(self) -> str:
        return str(self._own_point())

    def token(self) -> str:
        return make_token(self.collection.id, self.state())

    def ctag(self) -> str:
        return ctag_of(self.collection.id, self.state())

    def changed_since(self, token: str) -> list[str]:
        seq = _known(self.session, self.collection.scope_id,
                     _point(read_token(token, self.collection.id)))
        return changes.changed_since(self.session, self.collection.scope_id, seq)


def ctag_of(collection_id: int, state: str) -> str:
    """The ctag of a collection whose state (what its sync token encodes) is ``state``."""
    return f'"{collection_id}-{state}"'


def activity_state(point: changes.Point, window: Window) -> str:
    """The state of an appointment calendar or task list: where its change log stands, and
    its window (an item enters or leaves it as days pass, with no change)."""
    return f"{point}.{window.start:{WINDOW_STAMP}}.{window.end:{WINDOW_STAMP}}"


def window_for(projection: Projection, settings: WindowSettings, now: datetime) -> Window:
    """The synchronization window of a representative's calendar or task list at ``now``."""
    window_of = task_window if projection is Projection.TASKS else calendar_window
    return window_of(settings, now)


def customers_state(point: changes.Point, channels: dict[int, changes.Point]) -> str:
    """The state of an address book of customers: where its change log stands, and those of
    its representative's sales channels (by channel)."""
    return f"{point}." + "-".join(f"{channel}:{channels[channel]}" for channel in sorted(channels))


def read_state(collection: CollectionInfo, settings: WindowSettings | None,
               point: changes.Point, channels: dict[int, changes.Point], now: datetime) -> str:
    """The collection's state, as its source computes it, from where its change log stands,
    its representative's window settings and the change logs of their sales channels."""
    if collection.projection is None:
        return str(point)
    if collection.projection is Projection.CUSTOMERS:
        return customers_state(point, channels)
    return activity_state(point, window_for(collection.projection, settings
                                            or default_settings(), now))


def _known(session: Session, scope: int | None, point: changes.Point) -> int:
    """The counter value of a point the scope's change log went through. Any other comes from
    another history (the database was restored from a backup, or rebuilt) or is too old: the
    client must sync afresh."""
    if not changes.known(session, scope, point):
        raise InvalidToken(f"sync token at {point} is not in this collection's history (the "
                           "database was restored or rebuilt, or the token is too old)")
    return point.seq


def _point(text: str) -> changes.Point:
    try:
        return changes.Point.parse(text)
    except ValueError:
        raise InvalidToken(f"malformed sync token payload {text!r}") from None


FILTERS = {
    Projection.APPOINTMENTS: (Activity.kind == Kind.APPOINTMENT, Activity.origin != Origin.MOBILE),
    Projection.MOBILE: (Activity.kind == Kind.APPOINTMENT, Activity.origin == Origin.MOBILE),
    Projection.TASKS: (Activity.kind == Kind.TASK,),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
IN_LIST = 500
"""Most hrefs looked up in one query; more are found among all the collection's items."""
BATCH = 1000
"""Rows fetched from the driver at a time, for listings of thousands."""
FIRST = func.coalesce(Activity.start_at, Activity.end_at)
LAST = func.coalesce(Activity.end_at, Activity.start_at)


class ActivitySource(StoredSource):
    """HQ activities of one representative and kind, inside the window, plus stored items."""

    def __init__(self, session: Session, collection: CollectionInfo, now: datetime,
                 writing: bool = False) -> None:
        super().__init__(session, collection, writing)
        assert collection.projection is not None and collection.employee_id is not None
        self._point: changes.Point | None = None
        """Where the collection's change log stood when the window was read (a read-only
        transaction's, read with it: a poll's ctag and sync token are one query)."""
        if writing:  # (its state is read afresh each time)
            settings = window_settings(session, collection.employee_id)
        else:
            settings, self._point = settings_and_point(session, collection.employee_id,
                                                       collection.scope_id)
        self.window = window_for(collection.projection, settings, now)

    @functools.cached_property
    def filters(self) -> tuple[ColumnElement[bool], ...]:
        """The collection's activities (built when items are read: a poll reads none)."""
        assert self.collection.projection is not None
        return (
            Activity.representative_id == self.collection.employee_id,
            Activity.deleted_at.is_(None),
            *FILTERS[self.collection.projection],
        )

    def _select(self, texts: bool = True) -> Select[Any]:
        query = (ACTIVITY_ITEMS if texts else ACTIVITY_METAS).where(
            *self.filters, self.window.selects(FIRST, LAST))
        # A writer checks a client's If-Match against the latest committed version and
        # keeps it until it commits (see bridge.infra.locks).
        return query.with_for_update(of=Activity) if self.writing else query

    def _items(self, query: Select[Any], texts: bool) -> Iterator[ItemInfo]:
        # plain rows, fetched a batch at a time (not one call into the driver per row)
        for rows in self.session.connection().execute(query).partitions(BATCH):
            for row in rows:
                yield _activity_item(self.session, row, texts)

    def all(self, texts: bool = True) -> Iterator[ItemInfo]:
        yield from self._items(self._select(texts), texts)
        yield from super().all()

    def hrefs(self) -> list[str]:
        query = select(Activity.href).where(
            *self.filters, self.window.selects(FIRST, LAST))
        return [*self.session.scalars(query), *super().hrefs()]

    def by_hrefs(self, hrefs: Iterable[str], texts: bool = True) -> Iterator[ItemInfo]:
        wanted = list(dict.fromkeys(hrefs))
        if len(wanted) > IN_LIST:  # most of the collection (a new client's multiget)
            named = set(wanted)
            yield from (item for item in self.all(texts) if item.href in named)
            return
        for start in range(0, len(wanted), IN_LIST):
            part = wanted[start:start + IN_LIST]
            yield from self._items(self._select(texts).where(
                among(self.session.connection(), Activity.href, part)), texts)
            yield from super().by_hrefs(part)

    def in_range(self, component: str | None, start: int, end: int) -> Iterator[ItemInfo]:
        """The activities whose [first, last] overlaps [start, end) strictly, undated ones
        too (``overlapping(FIRST, LAST, …, strict=True)``), then the stored items. Asked as
        two queries on the plain columns, which the index on the calendar's columns then
        reads as a range of its ``start_at`` (the coalesced instants are not in the index:
        asked of them, the database reads every activity of the calendar, however few the
        answer holds)."""
        begin, finish = _instant(start), _instant(end)
        for part in _overlapping_parts(begin, finish):
            yield from self._items(self._select().where(part), texts=True)
        yield from super().in_range(component, start, end)

    def has_uid(self, uid: str) -> bool:
        found = self.session.scalar(
            select(Activity.id).where(*self.filters, Activity.uid == uid).limit(1))
        return found is not None or super().has_uid(uid)

    def _own_point(self) -> changes.Point:
        return self._point if self._point is not None else super()._own_point()

    def _read_state(self) -> str:
        return activity_state(self._own_point(), self.window)

    def changed_since(self, token: str) -> list[str]:
        point, old_window = self._read(token)
        seq = _known(self.session, self.collection.scope_id, point)
        changed = changes.changed_since(self.session, self.collection.scope_id, seq)
        if not old_window.same_instants(self.window):
            changed += self._window_difference(old_window)
        return changed

    def _read(self, token: str) -> tuple[changes.Point, Window]:
        parts = read_token(token, self.collection.id).split(".")
        if len(parts) != 3:
            raise InvalidToken(f"malformed sync token {token!r}")
        try:
            start, end = (_window_bound(part) for part in parts[1:])
        except ValueError:
            raise InvalidToken(f"malformed sync token {token!r}") from None
        return _point(parts[0]), Window(start, end)

    def _window_difference(self, old: Window) -> list[str]:
        """Items that entered or left the window since the token was handed out."""
        hull = Window(min(old.start, self.window.start), max(old.end, self.window.end))
        query = select(Activity.href, Activity.start_at, Activity.end_at).where(
            *self.filters, hull.selects(FIRST, LAST))
        return [
            row.href for row in self.session.execute(query)
            if old.contains(row.start_at, row.end_at)
            != self.window.contains(row.start_at, row.end_at)
        ]


SETTINGS_AND_POINT = (
    select(SyncScope.seq, SyncPoint.mark, SyncSettings.employee_id.label("stored"),
           *WINDOW_SETTINGS.selected_columns)
    .select_from(SyncScope)
    .outerjoin(SyncPoint, and_(SyncPoint.scope_id == SyncScope.id, SyncPoint.seq == SyncScope.seq))
    .outerjoin(SyncSettings, SyncSettings.employee_id == bindparam("employee"))
    .where(SyncScope.id == bindparam("scope"))
)
"""A representative's window settings and where a change-log scope stands, in one query (built
once: a poll asks for them every few minutes per device)."""


def settings_and_point(session: Session, employee_id: int,
                       scope: int) -> tuple[WindowSettings, changes.Point]:
    """``window_settings`` and ``changes.current`` in one query."""
    row = session.connection().execute(
        SETTINGS_AND_POINT, {"employee": employee_id, "scope": scope}).first()
    if row is None:  # (no such scope: as changes.current answers for one)
        return window_settings(session, employee_id), changes.Point(0, "")
    return settings_of(row), changes.Point(row.seq, row.mark or "")


def settings_of(row: Any) -> WindowSettings:
    """The window settings of a row with :data:`WINDOW_SETTINGS`' columns and ``stored``
    (the settings' employee id, None where the representative has none stored)."""
    settings: WindowSettings = row if row.stored is not None else default_settings()
    return settings


def _overlapping_parts(begin: datetime, finish: datetime) -> tuple[ColumnElement[bool], ...]:
    """``overlapping(FIRST, LAST, begin, finish, strict=True)`` as two disjoint conditions on
    the plain columns: activities with a start (FIRST is ``start_at``, LAST ``end_at`` or
    else ``start_at``), and those without (FIRST and LAST are ``end_at``; undated: both
    NULL, always in)."""
    return (
        and_(Activity.start_at < finish,
             or_(Activity.end_at > begin,
                 and_(Activity.end_at.is_(None), Activity.start_at > begin))),
        and_(Activity.start_at.is_(None),
             or_(Activity.end_at.is_(None),
                 and_(Activity.end_at < finish, Activity.end_at > begin))),
    )


WINDOW_STAMP = "%Y%m%dT%H%M%S"
"""A window's bounds in a sync token (UTC); tokens handed out before windows began at a
representative's midnight have days (``%Y%m%d``, UTC midnights), read as such."""


def _window_bound(text: str) -> datetime:
    return datetime.strptime(text, WINDOW_STAMP if "T" in text else "%Y%m%d").replace(tzinfo=UTC)


def _instant(timestamp: int) -> datetime:
    return datetime.fromtimestamp(max(min(timestamp, TIMESTAMP_MAX), TIMESTAMP_MIN), UTC)


def version_etag(kind: str, row_id: int, revision: int, modified_at: datetime) -> str:
    """The ETag of an HQ row's version: its id and revision, and the instant of that change
    to the microsecond, so that a database rebuilt, or restored from a backup and changed
    again, whose ids and revisions repeat, never hands out an ETag for other content."""
    micros = (modified_at - EPOCH) // MICROSECOND
    return f'"{kind}{row_id}-{revision}-{micros:x}"'


ACTIVITY_METAS = select(Activity.id, Activity.href, Activity.uid, Activity.revision,
                        Activity.modified_at, Activity.kind, Activity.start_at, Activity.end_at)
"""What an activity's item needs but its text (plain rows: thousands at a time)."""
ACTIVITY_ITEMS = (
    ACTIVITY_METAS.add_columns(RenderedActivity.revision.label("rendered_revision"),
                               RenderedActivity.text)
    .outerjoin(RenderedActivity, RenderedActivity.activity_id == Activity.id)
)
"""… with its rendered text."""


def _activity_item(session: Session, row: Any, texts: bool) -> ItemInfo:
    id_, href, uid, revision, modified_at, kind, start_at, end_at = row[:8]
    text = row[9] if texts and row[8] == revision else None
    if texts:
        metrics.render_cache("activity", text is not None)
    return _item(id_, href, uid, revision, modified_at, kind, start_at, end_at, text,
                 lambda: rendered.activity_text(session, id_))


def activity_item(activity: Activity, render: Callable[[], str]) -> ItemInfo:
    """The item of an activity, rendered when asked for."""
    return _item(activity.id, activity.href, activity.uid, activity.revision,
                 activity.modified_at, activity.kind, activity.start_at, activity.end_at,
                 None, render)


def _item(id_: int, href: str, uid: str, revision: int, modified_at: datetime, kind: Kind,
          start_at: datetime | None, end_at: datetime | None, text: str | None,
          render: Callable[[], str]) -> ItemInfo:
    """(Positional: thousands are made for one answer.)"""
    first, last = start_at or end_at, end_at or start_at
    if first and last:
        begins = math.floor(first.timestamp())
        time_range = (begins, max(math.ceil(last.timestamp()), begins + 1))
    else:
        time_range = (TIMESTAMP_MIN, TIMESTAMP_MAX)
    return ItemInfo(href, uid, version_etag("a", id_, revision, modified_at),
                    "VTODO" if kind is Kind.TASK else "VEVENT", time_range, modified_at,
                    text, render)


class CustomerSource(StoredSource):
    """Active customers of the representative's sales channels, as vCards."""

    def __init__(self, session: Session, collection: CollectionInfo,
                 writing: bool = False) -> None:
        super().__init__(session, collection, writing)
        self.channels = sorted(session.scalars(
            select(employee_channels.c.channel_id)
            .where(employee_channels.c.employee_id == collection.employee_id)))

    def _customers(self, channels: Iterable[int], numbers: Iterable[str] | None = None,
                   texts: bool = True) -> Iterator[ItemInfo]:
        query = ((CUSTOMER_ITEMS if texts else CUSTOMER_METAS)
                 .where(Customer.sales_channel_id.in_(list(channels)), Customer.active.is_(True))
                 .order_by(Customer.number))
        if numbers is not None:
            query = query.where(among(self.session.connection(), Customer.number, list(numbers)))
        for row in self.session.connection().execute(query):
            yield self._item(row, texts)

    def _item(self, row: Any, texts: bool) -> ItemInfo:
        id_, number, revision, modified_at = row[:4]
        text = row[5] if texts and row[4] == revision else None
        if texts:
            metrics.render_cache("customer", text is not None)
        return customer_item(id_, number, revision, modified_at, text,
                             lambda: rendered.customer_text(self.session, id_))

    def all(self, texts: bool = True) -> Iterator[ItemInfo]:
        return self._customers(self.channels, texts=texts)

    def hrefs(self) -> list[str]:
        return [item.href for item in self.all()]

    def by_hrefs(self, hrefs: Iterable[str], texts: bool = True) -> Iterator[ItemInfo]:
        """The customers named: looked up by the numbers their names carry (among them all
        when they are many), then among them all for the names not found so (a name that
        does not carry its number as it is: unsafe characters)."""
        wanted = set(hrefs)
        if len(wanted) > IN_LIST:
            yield from (item for item in self.all(texts) if item.href in wanted)
            return
        numbers = [number for number in map(customer_number, wanted) if number]
        for item in self._customers(self.channels, numbers, texts) if numbers else ():
            if item.href in wanted:
                wanted.discard(item.href)
                yield item
        if wanted:
            yield from (item for item in self.all(texts) if item.href in wanted)

    def in_range(self, component: str | None, start: int, end: int) -> Iterator[ItemInfo]:
        return self.all()

    def has_uid(self, uid: str) -> bool:
        return any(item.uid == uid for item in self.all())

    def _channel_points(self) -> dict[int, tuple[int | None, changes.Point]]:
        """Channel → its change log's scope (None before its first change) and point."""
        names = {channel: channel_scope_name(channel) for channel in self.channels}
        found = changes.current_named(self.session, names.values())
        return {channel: found.get(name, (None, changes.Point(0, "")))
                for channel, name in names.items()}

    def _read_state(self) -> str:
        return customers_state(self._own_point(), {
            channel: point for channel, (_, point) in self._channel_points().items()})

    def changed_since(self, token: str) -> list[str]:
        own, _, channel_part = read_token(token, self.collection.id).partition(".")
        _known(self.session, self.collection.scope_id, _point(own))
        try:
            old = {int(channel): _point(point) for channel, point in
                   (pair.split(":") for pair in channel_part.split("-") if pair)}
        except ValueError:
            raise InvalidToken(f"malformed sync token {token!r}") from None
        changed: list[str] = []
        for channel, (scope, _) in self._channel_points().items():
            if channel in old:
                seq = _known(self.session, scope, old[channel])
                if scope is not None:
                    changed += changes.changed_since(self.session, scope, seq)
        moved = set(old) ^ set(self.channels)
        changed += [item.href for item in self._customers(moved, texts=False)]
        return changed


CUSTOMER_METAS = select(Customer.id, Customer.number, Customer.revision, Customer.modified_at)
CUSTOMER_ITEMS = (
    CUSTOMER_METAS.add_columns(RenderedCustomer.revision.label("rendered_revision"),
                               RenderedCustomer.text)
    .outerjoin(RenderedCustomer, RenderedCustomer.customer_id == Customer.id)
)


def customer_item(id_: int, number: str, revision: int, modified_at: datetime,
                  text: str | None, render: Callable[[], str]) -> ItemInfo:
    return ItemInfo(customer_href(number), customer_uid(number),
                    version_etag("c", id_, revision, modified_at), "VCARD",
                    (TIMESTAMP_MIN, TIMESTAMP_MAX), modified_at, text, render)


Source = StoredSource | ActivitySource | CustomerSource


def source_for(session: Session, collection: CollectionInfo, now: datetime,
               writing: bool = False) -> Source:
    """The source of ``collection``'s items, for a transaction that writes or not."""
    if collection.projection is None:
        return StoredSource(session, collection, writing)
    if collection.projection is Projection.CUSTOMERS:
        return CustomerSource(session, collection, writing)
    return ActivitySource(session, collection, now, writing)
