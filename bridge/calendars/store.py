"""The calendar server's storage, as one object per request (one database transaction).

The protocol layer (``storage_plugin``) asks it for collections and items and hands it the
writes; this module decides what a write means for a general collection (store the item) and
for a representative's provisioned collections (write back to HQ, see ``writeback``).
"""

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from icalendar import Calendar
from sqlalchemy.orm import Session

from bridge.calendars import changes, collections, items, team, writeback
from bridge.calendars.collections import CollectionInfo
from bridge.calendars.items import ItemInfo, ItemMeta
from bridge.calendars.layout import SPECS, collection_path
from bridge.calendars.sources import ActivitySource, Source, activity_item, source_for
from bridge.calendars.writeback import (
    Forbidden,
    StoreAsSent,
    Target,
    activity_at,
    remove_activity,
)
from bridge.errors import InvalidInput
from bridge.hq.placement import Projection
from bridge.hq.settings import default_settings, floating_zone
from bridge.hq.windows import Window
from bridge.ical.parse import ClientItem, parse_client_item
from bridge.ical.privacy import shown_to_others
from bridge.ical.render import activity_calendar
from bridge.ical.zones import UnknownTimeZone
from bridge.models import DavCollection, DavItem, Kind, SyncSettings
from bridge.models.base import require_fits


@dataclass(frozen=True)
class Served:
    """A client's item as the server now serves it; ``as_sent`` tells whether that is what
    the client sent (stored as it came) or HQ's version of it (RFC 4791 §5.3.4: then the
    answer must not carry an ETag, so the client fetches the server's version)."""

    item: ItemInfo
    as_sent: bool


WINDOW_PROPS = ("C:min-date-time", "C:max-date-time")

WRITABLE_KINDS = {Projection.APPOINTMENTS: Kind.APPOINTMENT, Projection.TASKS: Kind.TASK}


class CalendarStore:
    def __init__(self, session: Session, now: datetime, *, writing: bool = False,
                 server_zone: str = "UTC") -> None:
        self.session = session
        self.now = now
        self.writing = writing
        self.server_zone = server_zone
        """Where floating times are read for representatives without a zone of their own."""
        self._sources: dict[int, Source] = {}
        self._collections: dict[str, CollectionInfo | None] = {}

    # --- reading ---------------------------------------------------------------------------

    def collection(self, path: str, *also: str) -> CollectionInfo | None:
        """The collection at ``path`` (looked up once per request: Radicale asks often);
        the paths in ``also`` are looked up in the same query, for the next calls."""
        wanted = [each for each in (path, *also) if each not in self._collections]
        if wanted:
            found = collections.get_collections(self.session, wanted, pending=self.writing)
            for each in wanted:
                self._collections[each] = found.get(each) or self._team_view(each)
        return self._collections[path]

    def children(self, path: str) -> list[CollectionInfo]:
        """The collections in ``path``; a manager's home also holds the views of their
        team's collections."""
        own = collections.child_collections(self.session, path)
        if not path or "/" in path:
            return own
        return own + list(self._team_views(path, list(Projection)).values())

    def _team_view(self, path: str) -> CollectionInfo | None:
        view = team.view_of(path)
        if view is None:
            return None
        manager, login, projection = view
        return self._team_views(manager, [projection], login).get(path)

    def _team_views(self, manager: str, projections: list[Projection],
                    login: str | None = None) -> dict[str, CollectionInfo]:
        """Views in ``manager``'s home of their team's collections (of ``login`` only, if
        given and in the team), by path."""
        members = team.team_logins(self.session, manager)
        if login is not None:
            members = [login] if login in members else []
        wanted = {collection_path(member, projection):
                  f"{manager}/{team.view_name(member, projection)}"
                  for member in members for projection in projections}
        if not wanted:
            return {}
        found = collections.get_collections(self.session, list(wanted))
        return {wanted[target]: replace(info, path=wanted[target],
                                        team_view_of=target.split("/")[0])
                for target, info in found.items()}

    def source(self, collection: CollectionInfo) -> Source:
        if collection.id not in self._sources:
            self._sources[collection.id] = source_for(self.session, collection, self.now,
                                                   writing=self.writing)
        return self._sources[collection.id]

    def items(self, collection: CollectionInfo, texts: bool = True,
              hrefs: Iterable[str] | None = None) -> Iterator[ItemInfo]:
        """Every item, or those at ``hrefs``, read as they are consumed; ``texts=False``:
        their texts are read only when asked for (an answer of ETags alone)."""
        source = self.source(collection)
        return _as_shown(collection,
                         source.all(texts) if hrefs is None else source.by_hrefs(hrefs, texts))

    def items_by_href(self, collection: CollectionInfo, hrefs: Iterable[str],
                      texts: bool = True) -> dict[str, ItemInfo]:
        return {item.href: item for item in self.items(collection, texts, hrefs)}

    def items_in_range(self, collection: CollectionInfo, component: str | None, start: int,
                       end: int) -> Iterator[ItemInfo]:
        return _as_shown(collection, self.source(collection).in_range(component, start, end))

    def window(self, collection: CollectionInfo) -> Window:
        """The synchronization window of a representative's calendar or task list."""
        source = self.source(collection)
        assert isinstance(source, ActivitySource)
        return source.window

    def props(self, collection: CollectionInfo) -> dict[str, str]:
        """The collection's properties; HQ calendars clients write to also advertise their
        window (RFC 4791 min-date-time / max-date-time)."""
        if collection.projection not in WRITABLE_KINDS:
            return collection.props
        window = self.window(collection)
        return {**collection.props, WINDOW_PROPS[0]: f"{window.start:%Y%m%dT%H%M%SZ}",
                WINDOW_PROPS[1]: f"{window.latest():%Y%m%dT%H%M%SZ}"}

    def has_uid(self, collection: CollectionInfo, uid: str) -> bool:
        return self.source(collection).has_uid(uid)

    def ctag(self, collection: CollectionInfo) -> str:
        return self.source(collection).ctag()

    def sync_token(self, collection: CollectionInfo) -> str:
        return self.source(collection).token()

    def hrefs(self, collection: CollectionInfo) -> list[str]:
        return self.source(collection).hrefs()

    def sync(self, collection: CollectionInfo, old_token: str) -> tuple[str, list[str]]:
        """The current token and the hrefs changed since ``old_token`` (all for "")."""
        source = self.source(collection)
        token = source.token()
        if not old_token:
            return token, source.hrefs()
        return token, list(dict.fromkeys(source.changed_since(old_token)))

    # --- writing ---------------------------------------------------------------------------

    def put(self, collection: CollectionInfo, href: str, text: str, meta: ItemMeta,
            parsed: Calendar | None = None) -> Served:
        """Store the client's item, or write it back to HQ (then what is served is HQ's
        rendering of the activity, not what the client sent); ``parsed``: ``text`` as parsed
        before the write lock was taken (parsing is the client's to make long)."""
        _check_writable(collection)
        _check_components(collection, meta.component)
        require_fits(DavItem.href, href, "the item's name")
        require_fits(DavItem.uid, meta.uid, "the item's UID")
        kind = WRITABLE_KINDS.get(collection.projection) if collection.projection else None
        if kind is None:
            return Served(self._store(collection, href, text, meta), as_sent=True)
        assert collection.employee_id is not None  # (a projection is an employee's)
        target = Target(collection.employee_id, kind)
        activity = activity_at(self.session, target.employee_id, href)
        stored = activity is None and href in self.items_by_href(collection, [href])
        settings = self.session.get(SyncSettings, target.employee_id) or default_settings()
        item = None if stored else _parsed(parsed or text,
                                           floating_zone(settings, self.server_zone))
        try:
            decision = StoreAsSent() if item is None else writeback.decide(
                writeback.Before(activity, stored), item, target, settings,
                self.window(collection),
                writeback.customer_exists(self.session, item.customer), self.now)
        except Forbidden as refused:
            assert item is not None
            writeback.keep_refused(self.session, activity, item, href, target, refused,
                                   self.now)
            raise
        if isinstance(decision, StoreAsSent):
            return Served(self._store(collection, href, text, meta), as_sent=True)
        with self.session.begin_nested():  # a rule broken half-way leaves nothing behind
            activity = writeback.apply(self.session, decision, text, href, target, self.now)
            self.session.flush()
        if decision.whole:
            return Served(activity_item(activity, lambda: text), as_sent=True)
        customer = activity.customer.number if activity.customer else None
        return Served(activity_item(activity, lambda: activity_calendar(
            activity, customer, text)), as_sent=False)

    def keep_refused_edit(self, path: str, text: str) -> None:
        """A client's edit of a mobile appointment, which the rights refused: what it would
        have changed is kept (``bridge.hq.lost``); the refusal stands."""
        parent, _, href = path.strip("/").rpartition("/")
        collection = self.collection(parent)
        if collection is None or collection.projection is not Projection.MOBILE \
                or collection.team_view_of is not None:
            return
        assert collection.employee_id is not None  # (a projection is an employee's)
        activity = activity_at(self.session, collection.employee_id, href)
        if activity is None or not activity.read_only_because:
            return
        settings = self.session.get(SyncSettings, collection.employee_id) or default_settings()
        try:
            item = parse_client_item(text, floating_zone(settings, self.server_zone))
        except InvalidInput:
            return
        writeback.keep_refused(self.session, activity, item, href,
                               Target(activity.representative_id, activity.kind),
                               Forbidden(activity.read_only_because), self.now)

    def _store(self, collection: CollectionInfo, href: str, text: str, meta: ItemMeta) -> ItemInfo:
        stored = items.store_item(self.session, collection.id, href, text, meta, self.now)
        changes.record(self.session, collection.scope_id, [href])
        return stored

    def delete_item(self, collection: CollectionInfo, href: str) -> None:
        _check_writable(collection)
        if collection.projection in WRITABLE_KINDS:
            assert collection.employee_id is not None  # (a projection is an employee's)
            activity = activity_at(self.session, collection.employee_id, href)
            if activity is not None and activity.deleted_at is None:
                remove_activity(self.session, activity, self.now)
                return
        if items.remove_item(self.session, collection.id, href):
            changes.record(self.session, collection.scope_id, [href])

    def create_collection(self, path: str, props: dict[str, str],
                          uploads: Iterable[tuple[str, str, ItemMeta]] = ()) -> CollectionInfo:
        require_fits(DavCollection.path, path, "the collection's path")
        collections.check_props(props)
        existing = self.collection(path)
        if existing is not None and existing.projection is not None:
            raise Forbidden(f"/{path}/ is provided by HQ and cannot be replaced")
        self._collections.clear()
        created = collections.create_collection(self.session, path, props)
        for href, text, meta in uploads:
            _check_components(created, meta.component)
            self._store(created, href, text, meta)
        return created

    def delete_collection(self, collection: CollectionInfo) -> None:
        """Delete a collection a client made, with everything below it; nothing at all when
        that would take a collection HQ provides with it."""
        _check_not_a_view(collection)
        provided = collections.provided_below(self.session, collection.path)
        if provided is not None:
            raise Forbidden(f"/{provided}/ is provided by HQ and cannot be deleted")
        self._collections.clear()
        collections.delete_collection(self.session, collection.path)

    def set_props(self, collection: CollectionInfo, props: dict[str, str]) -> None:
        _check_not_a_view(collection)
        collections.check_props(props)
        if collection.projection is not None:
            kept: dict[str, str] = {key: collection.props[key]
                    for key in ("tag", "C:supported-calendar-component-set")
                    if key in collection.props}
            props = {**props, **kept}
        self._collections.clear()
        collections.set_props(self.session, collection, props)

    def move(self, collection: CollectionInfo, href: str, to: CollectionInfo,
             to_href: str) -> None:
        """MOVE of a stored item between general collections (HQ items do not move)."""
        if collection.projection is not None or to.projection is not None:
            raise Forbidden("items of HQ collections cannot be moved")
        item = self.items_by_href(collection, [href]).get(href)
        if item is None:
            raise InvalidInput(f"no item {href} in /{collection.path}/")
        meta = ItemMeta(item.uid, item.etag, item.component, item.time_range)
        self._store(to, to_href, item.serialize(), meta)
        self.delete_item(collection, href)


def _as_shown(collection: CollectionInfo, found: Iterator[ItemInfo]) -> Iterator[ItemInfo]:
    """The items as the collection's reader may see them: a team view is read by a manager,
    who sees a private item as busy time only (``bridge.ical.privacy``). (Its filters —
    a calendar-query's text-match — see only that too: they read these texts.)"""
    if collection.team_view_of is None:
        return found
    return map(_shown_to_others_item, found)


def _shown_to_others_item(item: ItemInfo) -> ItemInfo:
    if item.text is not None:  # (a look at the text: parsed only if it may be private)
        return replace(item, text=shown_to_others(item.text))
    return replace(item, render=functools.partial(_shown_to_others, item))


def _shown_to_others(item: ItemInfo) -> str:
    return shown_to_others(item.serialize())


def _parsed(text: str | Calendar, zone: str) -> ClientItem:
    """The client's item; one whose times name no known zone fails RFC 4791's
    ``valid-calendar-data`` precondition."""
    try:
        return parse_client_item(text, zone)
    except UnknownTimeZone as error:
        raise Forbidden(str(error), "valid-calendar-data") from error


def _check_not_a_view(collection: CollectionInfo) -> None:
    if collection.team_view_of is not None:
        raise Forbidden(team.read_only_because(collection.team_view_of))


def _check_writable(collection: CollectionInfo) -> None:
    _check_not_a_view(collection)
    if not collection.writable:
        assert collection.projection is not None
        raise Forbidden(SPECS[collection.projection].read_only_because)


def _check_components(collection: CollectionInfo, component: str) -> None:
    allowed = collection.components
    if allowed and component and component not in allowed:
        raise Forbidden(
            f"/{collection.path}/ takes {', '.join(allowed)} only, not {component}")


__all__ = ["CalendarStore", "Forbidden"]
