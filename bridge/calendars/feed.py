"""A representative's calendar subscription as one iCalendar file: their appointments (HQ,
client and mobile ones, inside their calendar window) and, if they chose so, their open tasks
with a due date as events — what Outlook, Google and Apple Calendar read from a subscribed
address. A subscription its representative shares with others holds their private
appointments as busy time only (``bridge.ical.privacy``).

The file is put together from the texts the calendar server keeps (nothing is rendered for
it, tasks aside): each item's components are copied as they are, each time zone once. Its
:class:`Version` is read first, with a few indexed row reads: a poller that holds it gets a
304 and nothing else is read.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icalendar import Calendar, Component, Event, vDuration
from sqlalchemy import func, select

from bridge.calendars.collections import CollectionInfo
from bridge.calendars.layout import collection_path
from bridge.calendars.store import CalendarStore
from bridge.hq.placement import Projection
from bridge.hq.settings import (
    WindowSettings,
    floating_zone,
    today,
    window_settings,
    zone_of,
)
from bridge.hq.subscriptions import Subscriber
from bridge.hq.windows import day_start
from bridge.ical.privacy import shown_to_others
from bridge.ical.render import with_every_timezone
from bridge.infra import budget
from bridge.models import SyncScope

PREFIX = "/feeds/"
SUFFIX = ".ics"
FORMAT = "1"
"""Part of every version: a change to how the file is put together changes every ETag."""
REFRESH = timedelta(minutes=15)
"""How often subscribers are asked to fetch again (most take their own interval anyway)."""
MOST_ITEMS = 50_000
"""Most items one file holds (the window bounds it already; this bounds a window set wide)."""
PRODID = "-//Sales Calendar Bridge//Calendar subscription//EN"
_CLOSED_TASKS = {"COMPLETED", "CANCELLED"}


def address(server_url: str, secret: str) -> str:
    """The subscription's address on the server at ``server_url`` (with a database's mount)."""
    return f"{server_url.rstrip('/')}{PREFIX}{secret}{SUFFIX}"


def webcal(url: str) -> str:
    """The same address as a ``webcal://`` link (which opens the subscription dialog of
    Apple Calendar and of Outlook)."""
    scheme, _, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else url


@dataclass(frozen=True)
class _Parts:
    collections: list[CollectionInfo]
    settings: WindowSettings
    zone: str
    """Where the file says its floating times are (the representative's, else the server's)."""


@dataclass(frozen=True)
class Version:
    """What a conditional GET is answered from (and what the file is then put together
    from, read once)."""

    etag: str
    parts: _Parts = field(compare=False, repr=False)


def _parts(store: CalendarStore, subscriber: Subscriber) -> _Parts:
    kinds = [Projection.APPOINTMENTS, Projection.MOBILE]
    if subscriber.include_tasks:
        kinds.append(Projection.TASKS)
    paths = [collection_path(subscriber.login, kind) for kind in kinds]
    found = [store.collection(path, *paths) for path in paths]
    settings = window_settings(store.session, subscriber.employee_id)
    return _Parts([each for each in found if each is not None], settings,
                  floating_zone(settings, store.server_zone))


def version(store: CalendarStore, subscriber: Subscriber) -> Version:
    """The file's version: its ETag changes with every change to what it holds (the sync
    states of its collections, which carry their windows), and with its name and zone."""
    parts = _parts(store, subscriber)
    states = [f"{each.id}:{store.source(each).state()}" for each in parts.collections]
    seed = "|".join([FORMAT, subscriber.login, subscriber.name, parts.zone,
                     str(subscriber.include_tasks), str(subscriber.shared), *states])
    etag = f'"feed-{hashlib.blake2b(seed.encode(), digest_size=12).hexdigest()}"'
    return Version(etag, parts)


def last_modified(store: CalendarStore, current: Version) -> datetime:
    """The last change of its collections, or the start of the representative's day (when
    their window last moved), whichever is later — to the second, as HTTP dates are. (Read
    only when asked: a poller that sends the ETag gets its 304 without it.)"""
    parts = current.parts
    moved = day_start(today(parts.settings, store.now), zone_of(parts.settings))
    scopes = [each.scope_id for each in parts.collections]
    changed = store.session.scalar(
        select(func.max(SyncScope.modified_at)).where(SyncScope.id.in_(scopes))) \
        if scopes else None
    return max(moved, changed or moved).replace(microsecond=0)


def feed_text(store: CalendarStore, subscriber: Subscriber, current: Version) -> str:
    """The file of ``current`` (its version, read in the same transaction)."""
    parts = current.parts
    zones: dict[str, str] = {}
    components: list[str] = []
    for text, is_task in _texts(store, parts.collections):
        item_text = shown_to_others(text) if subscriber.shared else text
        item_zones, item_components = split_calendar(_with_zones(item_text))
        if is_task:
            item_components = [each for each in map(task_as_event, item_components) if each]
            if not item_components:
                continue
        for tzid, block in item_zones:
            zones.setdefault(tzid, block)
        components.extend(item_components)
    head = _head(subscriber, parts.zone).splitlines(keepends=True)
    return "".join([*head[:-1], *zones.values(), *components, head[-1]])


def _with_zones(text: str) -> str:
    """HQ's texts hold their VTIMEZONEs; a client's may not (and rarely lacks only some)."""
    if "TZID" in text and "BEGIN:VTIMEZONE" not in text:
        return with_every_timezone(text)
    return text


def _texts(store: CalendarStore, collections: Iterable[CollectionInfo]
           ) -> Iterator[tuple[str, bool]]:
    count = 0
    for collection in collections:
        is_task = collection.projection is Projection.TASKS
        for item in budget.bounded(store.items(collection)):
            count += 1
            if count > MOST_ITEMS:
                return
            yield item.serialize(), is_task


def _head(subscriber: Subscriber, zone: str) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Appointments ({subscriber.name})")
    calendar.add("x-wr-caldesc", "Your sales appointments from HQ (read-only: change them in "
                                 "your calendar account or in HQ).")
    calendar.add("x-wr-timezone", zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    text: str = calendar.to_ical().decode()
    return text


def split_calendar(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A calendar object's time zones (TZID, block) and its other components, each as the
    lines it was written in: a line that begins with ``BEGIN:`` or ``END:`` is a component's
    boundary (a folded line's continuation begins with a space), as Radicale's own
    collection export (``BaseCollection.serialize``) reads them."""
    zones: list[tuple[str, str]] = []
    components: list[str] = []
    depth = 0
    block: list[str] = []
    tzid = ""
    for line in text.splitlines():
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
        if depth >= 2:
            block.append(line + "\r\n")
            if depth == 2 and upper.startswith("TZID:") and not tzid:
                tzid = line[len("TZID:"):]
        if upper.startswith("END:"):
            depth -= 1
            if depth == 1 and block:
                if block[0].upper().startswith("BEGIN:VTIMEZONE"):
                    zones.append((tzid, "".join(block)))
                else:
                    components.append("".join(block))
                block, tzid = [], ""
    return zones, components


def task_as_event(block: str) -> str | None:
    """An open task with a due date as an event at that time (or on that day); None for any
    other component."""
    component = Component.from_ical(block)
    if component.name != "VTODO" or "DUE" not in component or "RECURRENCE-ID" in component \
            or str(component.get("STATUS", "")).upper() in _CLOSED_TASKS:
        return None
    event = Event()
    for name in ("UID", "DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "CREATED", "DESCRIPTION",
                 "LOCATION", "CLASS", "CATEGORIES", "URL"):
        if name in component:
            event[name] = component[name]
    event.add("summary", f"Task: {component.get('SUMMARY', '')}".rstrip())
    due = component["DUE"]
    event["DTSTART"] = due
    event.add("transp", "TRANSPARENT")  # (a due time is not busy time)
    text: str = event.to_ical().decode()
    return text
