"""Radicale storage plugin: collections and items live in the HQ database.

``[storage] type = storage_plugin.storage`` with ``database_url`` in the same section,
``write_wait``: how many seconds a write waits for another writer's lock before it is answered
503 (see ``storage_plugin.wsgi``), ``time_zone``: where floating times are read for
representatives without a zone of their own, and ``sync_token_namespace``: the database's name
in its sync tokens, set by ``storage_plugin.databases`` on a server of several.
Each storage lock is one database transaction: the work of
a request is committed whole, or rolled back whole on any error. Everything else is
``bridge.calendars``.
"""

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, TypeVar, overload

from radicale import item as radicale_item
from radicale import pathutils, storage, types
from radicale.item import filter as radicale_filter
from radicale.log import logger
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from bridge import calendars
from bridge.calendars import polls, rendered
from bridge.calendars.collections import CollectionInfo
from bridge.calendars.items import ItemInfo, ItemMeta
from bridge.calendars.push_dispatch import heard_own_change
from bridge.calendars.recurrence import WALK_SECONDS, walk_refusal
from bridge.calendars.store import WINDOW_PROPS, CalendarStore, Forbidden
from bridge.calendars.tokens import InvalidToken, in_namespace, out_of_namespace
from bridge.errors import BridgeError
from bridge.hq.authentication import Standing
from bridge.hq.settings import zone_named
from bridge.infra import budget, conflicts, held, locks
from bridge.infra.conflicts import WriteConflict
from bridge.infra.db import WRITE_WAIT_SECONDS, shared_engine, transaction
from bridge.infra.locks import owner_lock
from bridge.models import DavItem
from bridge.models.base import fits
from storage_plugin import radicale_compat
from storage_plugin.notes import request_notes
from storage_plugin.options import option, seconds

T = TypeVar("T")


class BridgeItem(radicale_item.Item):
    """A Radicale item whose text is rendered only when a client asks for it.

    Built from metadata the store already has, without Radicale's own constructor (which
    re-checks the collection path for every item of a listing)."""

    def __init__(self, collection: "Collection", info: ItemInfo) -> None:
        self.collection = collection
        self.href = info.href
        vcard = info.component == "VCARD"
        radicale_compat.set_item_state(
            self, collection_path=collection.path, etag=info.etag, uid=info.uid,
            name="VCARD" if vcard else "VCALENDAR",
            component_name="" if vcard else info.component,  # as Radicale's find_tag
            time_range=info.time_range)
        self._info = info

    @property
    def last_modified(self) -> str:  # type: ignore[override]  # (Radicale's is an attribute)
        return _http_date(self._info.modified_at)

    def serialize(self) -> str:
        return radicale_compat.item_text(self, self._info.serialize)


def _meta(item: radicale_item.Item) -> ItemMeta:
    """What the store keeps of a client's item besides its text (vCards: component VCARD);
    its recurrences were checked before any lock (``storage_plugin.wsgi`` ``do_PUT``)."""
    if item.name == "VCARD":
        return ItemMeta(item.uid, item.etag, "VCARD", item.time_range)
    return ItemMeta(item.uid, item.etag, item.component_name, item.time_range)


def _larger_than(text: str, limit: int, where: str) -> bool:
    if len(text) <= limit // 4 or len(text.encode()) <= limit:  # UTF-8: ≤ 4 bytes a character
        return False
    logger.warning("item skipped because it is larger than max_resource_size (%d bytes): %r",
                   limit, where)
    return True


def _http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


class Collection(storage.BaseCollection):
    def __init__(self, storage_: "Storage", info: CollectionInfo,
                 polled: tuple[str, str] | None = None) -> None:
        """``polled``: the collection's ctag and sync token, read with it (``Storage.poll``)."""
        self._plugin = storage_
        self.info = info
        self._polled = polled

    @property
    def path(self) -> str:
        return self.info.path


    def _item(self, info: ItemInfo) -> BridgeItem:
        return BridgeItem(self, info)

    def _served(self, info: ItemInfo) -> bool:
        """Whether an item is handed out: as in Radicale's file storage, a stored item larger
        than ``[server] max_resource_size`` (stored under a larger limit) is left out."""
        return info.text is None or not _larger_than(info.text, self._plugin.max_resource_size,
                                                     f"/{self.path}/{info.href}")

    def get_multi(self, hrefs: Iterable[str], texts: bool = True
                  ) -> Iterable[tuple[str, radicale_item.Item | None]]:
        """Radicale's get_multi; ``texts=False`` (storage_plugin.fast_reads, for answers
        without the items' data): each text is read only if serialised."""
        wanted = list(hrefs)
        if not wanted:  # a sync-collection without changes asks for none
            return []
        found = self._plugin.run(lambda store: store.items_by_href(self.info, wanted, texts))
        return [(href, self._item(found[href]) if href in found and self._served(found[href])
                 else None) for href in wanted]

    def each(self, hrefs: list[str] | None = None, texts: bool = True
             ) -> Iterator[tuple[str, radicale_item.Item | None]]:
        """Every item, or those of ``hrefs`` that exist (None: one not handed out), read one
        at a time as the caller writes them out (``storage_plugin.fast_reads``, inside the
        lock): an answer of 10 000 items does not hold them all."""
        if hrefs is not None and not hrefs:  # a sync-collection without changes
            return
        for info in self._plugin.store.items(self.info, texts, hrefs):
            yield info.href, self._item(info) if self._served(info) else None

    def get_all(self, texts: bool = True) -> Iterable[radicale_item.Item]:
        return [self._item(info) for info in self._plugin.run(
            lambda store: store.items(self.info, texts)) if self._served(info)]

    def get_filtered(self, filters: Iterable[ET.Element]
                     ) -> Iterable[tuple[radicale_item.Item, bool]]:
        if not self.tag:
            return []
        tag, start, end, simple = radicale_filter.simplify_prefilters(filters, self.tag)
        found = []
        for info in self._plugin.run(
                lambda store: store.items_in_range(self.info, tag, start, end)):
            if tag is not None and tag != info.component:
                continue
            item_start, item_end = info.time_range
            if item_start >= end or item_end <= start or not self._served(info):
                continue
            item = self._item(info)
            item.serialize()  # Radicale renders the answer after the lock is released
            matched = simple and (start <= item_start or item_end <= end)
            if not matched and self._not_walked(item):
                continue
            found.append((item, matched))
        return found

    def _not_walked(self, item: BridgeItem) -> bool:
        """Whether the item's occurrences are left unwalked — it is left out of searches by
        time (and free/busy) — as one that no check lets in now would be (an item stored
        before ``bridge.calendars.recurrence`` checked them): never a walk without end."""
        refusal = walk_refusal(item.etag, item.serialize, self._plugin.recurrence_seconds)
        if refusal is not None:
            logger.warning("/%s/%s is left out of searches by time: %s", self.path, item.href,
                           refusal)
        return refusal is not None

    def has_children(self) -> bool:
        """Whether collections lie inside this one (a PROPFIND Depth 1 lists them too)."""
        return bool(self._plugin.run(lambda store: store.children(self.info.path)))

    def has_uid(self, uid: str) -> bool:
        return self._plugin.run(lambda store: store.has_uid(self.info, uid))

    def upload(self, href: str, item: radicale_item.Item
               ) -> tuple[radicale_item.Item, radicale_item.Item | None]:
        old = None
        if self._plugin.hooks_enabled:  # only hook notifications use the replaced item
            old = dict(self.get_multi([href])).get(href)
            if old is not None:
                old.serialize()
        text = _as_sent(item)
        written = _protocol_errors(lambda: self._plugin.run(lambda store: _quietly(
            store, self.info,
            lambda: store.put(self.info, href, text, _meta(item), request_notes().parsed))))
        if not written.as_sent:
            request_notes().rewritten = True
        return self._item(written.item), old

    def delete(self, href: str | None = None) -> None:
        if href is None:
            _protocol_errors(lambda: self._plugin.run(
                lambda store: store.delete_collection(self.info)))
        else:
            _protocol_errors(lambda: self._plugin.run(lambda store: _quietly(
                store, self.info, lambda: store.delete_item(self.info, href))))

    @overload
    def get_meta(self, key: None = None) -> Mapping[str, str]: ...

    @overload
    def get_meta(self, key: str) -> str | None: ...

    def get_meta(self, key: str | None = None) -> Mapping[str, str] | str | None:
        if key is None or key in WINDOW_PROPS:
            props = self._plugin.run(lambda store: store.props(self.info))
            return dict(props) if key is None else props.get(key)
        return self.info.props.get(key)

    def set_meta(self, props: Mapping[str, str]) -> None:
        _protocol_errors(lambda: self._plugin.run(
            lambda store: store.set_props(self.info, dict(props))))

    @property
    def last_modified(self) -> str:
        return _http_date(self.info.modified_at)

    @property
    def etag(self) -> str:
        if self._polled is not None:
            return self._polled[0]
        return self._plugin.run(lambda store: store.ctag(self.info))

    def sync(self, old_token: str = "") -> tuple[str, Iterable[str]]:
        namespace = self._plugin.token_namespace
        if not old_token:  # PROPFIND asks this for the token alone: list hrefs only if used
            token = self._polled[1] if self._polled is not None else self._plugin.run(
                lambda store: store.sync_token(self.info))
            return in_namespace(token, namespace), _AllHrefs(self)
        try:
            token, changed = self._plugin.run(lambda store: store.sync(
                self.info, out_of_namespace(old_token, namespace)))
        except InvalidToken as error:
            raise ValueError(str(error)) from error
        return in_namespace(token, namespace), changed


def _requested() -> tuple[str, ...]:
    """The request's own path and its parent, as :meth:`Storage.discover` looks them up: the
    first look-up of a request (Radicale's of the user's principal) finds the collection the
    request is about in the same query, and the next finds it among the request's (the same
    read transaction's) look-ups, instead of a query of its own."""
    sane = pathutils.strip_path(pathutils.sanitize_path(request_notes().path))
    return (sane, sane.rpartition("/")[0]) if sane else ()


def _quietly(store: CalendarStore, collection: CollectionInfo, write: Callable[[], T]) -> T:
    """``write`` to ``collection``; when the request says ``Push-Dont-Notify``, the push
    subscriptions it names hear of the change as their own (``bridge.calendars.push_dispatch``:
    they are not woken by it)."""
    notes = request_notes()
    quiet = notes.dont_notify
    if quiet is None or not notes.user:
        return write()
    before = store.sync_token(collection)
    done = write()
    heard_own_change(store.session, notes.user, collection.path, quiet.registrations,
                     quiet.every, before, store.sync_token(collection))
    return done


class _AllHrefs:
    """Every href of a collection, fetched only when iterated."""

    def __init__(self, collection: Collection) -> None:
        self._collection = collection

    def __iter__(self) -> Iterator[str]:
        return iter(self._collection._plugin.run(
            lambda store: store.hrefs(self._collection.info)))


def _as_sent(item: radicale_item.Item) -> str:
    """The item's text as the client sent it (the PUT's body, which Radicale has read and
    checked): a client that keeps its own copy holds what is served. Radicale's own
    serialization when the body is not there, not UTF-8 or holds a NUL."""
    sent = request_notes().sent
    if sent and b"\x00" not in sent:  # (a NUL no database text keeps: Radicale's drops it)
        try:
            return sent.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return item.serialize()


def _protocol_errors(work: Callable[[], T]) -> T:
    """Domain errors as Radicale expects them: "[Errno 13]" becomes 403, others 400."""
    try:
        return work()
    except Forbidden as error:
        request_notes().forbidden = str(error)
        if error.precondition:
            request_notes().precondition = f"C:{error.precondition}"
        raise radicale_compat.forbidden_write(str(error)) from error
    except BridgeError as error:
        request_notes().refusal = str(error)
        raise radicale_compat.refused_write(str(error)) from error


def _upload_name(item: radicale_item.Item, taken: set[str]) -> str:
    """The href of an item of a whole collection uploaded at once, as Radicale's file storage
    names it: the UID, else a hash of it, else a random name (whichever is a safe and free
    file name)."""
    suffix = ".vcf" if item.name == "VCARD" else ".ics"
    uid = item.uid
    for name in (uid if uid.lower().endswith(suffix) else uid + suffix,
                 radicale_item.get_etag(uid).strip('"') + suffix):
        if (fits(DavItem.href, name) and name not in taken
                and pathutils.is_safe_filesystem_path_component(name)):
            return name
    return radicale_item.find_available_uid(taken.__contains__, suffix)


def _owners(*paths: str | None) -> set[str]:
    """The owners (first path segments) of the paths a request writes."""
    return {pathutils.strip_path(path).split("/", 1)[0] for path in paths if path} - {""}


def _materialized(result: T) -> T:
    """A result read whole while its transaction is open (generators read lazily)."""
    # (a list where T is an iterator: what the caller iterates, read now)
    return list(result) if isinstance(result, Iterator) else result  # type: ignore[return-value]


@radicale_compat.unicode_paths  # paths are database strings, not file names
class Storage(storage.BaseStorage):
    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        calendars.subscribe()
        self._engine = shared_engine(option(configuration, "database_url") or None)
        self._local = threading.local()
        self._write_wait = float(option(configuration, "write_wait") or WRITE_WAIT_SECONDS)
        self._server_zone = zone_named(option(configuration, "time_zone") or "UTC")
        self.hooks_enabled = configuration.get("hook", "type") != "none"
        self.max_resource_size: int = configuration.get("server", "max_resource_size")
        self.recurrence_seconds = seconds(configuration, "recurrence_check_seconds",
                                          WALK_SECONDS)
        self.token_namespace: str = option(configuration, "sync_token_namespace") or ""
        held.watch()

    @property
    def store(self) -> CalendarStore:
        store: CalendarStore | None = getattr(self._local, "store", None)
        if store is None:
            raise RuntimeError("storage used outside acquire_lock")
        return store

    def keep_refused_edit(self, user: str, path: str, text: str) -> None:
        """(After the rights refused a representative's PUT of ``text`` at ``path``.) What
        it would have changed is kept for HQ (``bridge.hq.lost``), if it is their own."""
        if _owners(path) != {user}:
            return
        with self.acquire_lock("w", user, path=path):
            self.run(lambda store: store.keep_refused_edit(path, text))

    def run(self, work: Callable[[CalendarStore], T]) -> T:
        """``work`` on the store inside the current lock, or — as Radicale renders some
        answers after releasing it (a PROPFIND's ctag, sync-token…) — in the read
        transaction of the request (the last read lock's, which stays open for this). Not
        once the request's budget is spent (``bridge.infra.budget``)."""
        budget.check()
        return _materialized(work(getattr(self._local, "store", None) or self._reader()))

    def request_connection(self) -> Connection:
        """The connection of the current lock's transaction, or of the request's read
        transaction (begun if there is none): the password check reads there (one
        transaction a poll, not one more of the check's own)."""
        return self.run(lambda store: store.session.connection())

    def _reader(self) -> CalendarStore:
        """The request's read transaction, begun if there is none."""
        late = getattr(self._local, "late", None)
        if late is None:
            self._local.late_transaction = ExitStack()
            session = self._local.late_transaction.enter_context(
                transaction(self._engine, write=False, keep=False))
            late = CalendarStore(session, datetime.now(UTC), server_zone=self._server_zone)
            self._local.late = late
        return late

    def end_request(self) -> None:
        """End the request's read transaction (the WSGI layer calls this after each
        request; the next lock would too). A read transaction whose connection broke after
        it was read from ends with it: nothing to undo, the answer stands, and the pool has
        dropped the connection — no conflict of the request either (a write that follows
        on a new connection and commits must not be answered "try again")."""
        if getattr(self._local, "late", None) is not None:
            self._local.late = None
            try:
                with conflicts.watch():
                    self._local.late_transaction.close()
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                logger.info("a read transaction ended with its lost connection: %s",
                            type(error.orig).__name__)

    @types.contextmanager
    def acquire_lock(self, mode: str, user: str = "", *args: Any, **kwargs: Any) -> Iterator[None]:
        """One database transaction. A writer first locks the owners of the paths it writes
        (see ``bridge.infra.locks``), so Radicale's precondition checks and the write are atomic.
        A reader's transaction stays open after the lock, for what Radicale reads after
        releasing it (a poll's ctag and sync token: same snapshot, no second transaction),
        and for the request's next read lock (Radicale looks up the user's principal first).
        The request's budget (``bridge.infra.budget``) does not count the wait for the locks;
        once it is spent, the transaction is rolled back."""
        if getattr(self._local, "store", None) is not None:  # nested: same transaction
            yield
            return
        if mode != "w":  # the request's read transaction: a read lock before may have begun it
            self._local.store = self._reader()
            try:
                yield
            finally:
                self._local.store = None
            return
        self.end_request()
        owners = _owners(kwargs.get("path"), kwargs.get("to_path")) or {user} - {""}
        conflicts_before = conflicts.seen_count()
        take = [owner_lock(owner) for owner in owners]
        try:
            with ExitStack() as opened:
                with budget.paused():  # (waiting for another writer is not work)
                    session = opened.enter_context(transaction(
                        self._engine, write=True, wait=self._write_wait, take=take))
                budget.check()
                rendered.render_after_commit(session)
                self._local.store = CalendarStore(session, datetime.now(UTC), writing=True,
                                                  server_zone=self._server_zone)
                yield
                conflict = conflicts.last_seen()
                if conflicts.seen_count() > conflicts_before and conflict is not None:
                    raise WriteConflict(conflict)  # (even if Radicale caught it)
                spent = budget.current()
                if budget.exceeded() and spent is not None:
                    raise budget.OverBudget(spent)  # (even if caught on its way: nothing is kept)
        finally:
            self._local.store = None
        self._keep_later(rendered.left_for_later(session), take)

    def _keep_later(self, activity_ids: set[int], take: list[locks.Lock]) -> None:
        """Texts that merge a client's copy, rendered after the write's commit (outside its
        lock: the copy is the client's to make long); the write stands whatever happens here."""
        if not activity_ids:
            return
        try:
            rendered.keep_later(self._engine, activity_ids, take, self._write_wait)
        except (BridgeError, DBAPIError) as error:
            logger.info("the texts of activities %s are rendered on read: %s",
                        sorted(activity_ids), error)

    def poll(self, login: str, path: str) -> tuple[Standing, Collection] | None:
        """``login``'s sign-in standing and the collection at ``path`` with its ctag and sync
        token — read in one query (``bridge.calendars.polls``; an address book of customers:
        two), on a connection of the pool and in no transaction; None: no collection is at
        ``path``."""
        with self._engine.connect() as connection:
            reading = polls.read_poll(connection, login, pathutils.strip_path(path))
        if reading is None:
            return None
        return reading.standing, Collection(self, reading.collection,
                                            reading.values(datetime.now(UTC)))

    def discover(self, path: str, depth: str = "0", child_context_manager: Any = None,
                 user_groups: set[str] = set()  # noqa: B006 - Radicale's signature; never changed
                 ) -> Iterator[types.CollectionOrItem]:
        sane = pathutils.strip_path(path)
        if not sane:
            yield from self._root(depth)
            return
        parent, _, href = sane.rpartition("/")
        info = self.store.collection(sane, parent, *_requested())
        if info is None:
            owner = self.store.collection(parent) if parent else None
            if owner is not None:
                _, item = next(iter(Collection(self, owner).get_multi([href])))
                if item is not None:
                    yield item
            return
        collection = Collection(self, info)
        yield collection
        if depth == "0":
            return
        yield from collection.get_all()
        for child in self.store.children(sane):
            yield Collection(self, child)

    def _root(self, depth: str) -> Iterator[types.CollectionOrItem]:
        yield Collection(self, CollectionInfo(0, "", "", {}, None, None, 0, datetime.now(UTC)))
        if depth != "0":
            for child in self.store.children(""):
                yield Collection(self, child)

    def move(self, item: radicale_item.Item, to_collection: storage.BaseCollection,
             to_href: str) -> None:
        source, href = item.collection, item.href
        assert isinstance(source, Collection) and isinstance(to_collection, Collection)
        assert href is not None  # (an item of a collection has one)
        _protocol_errors(lambda: self.store.move(source.info, href, to_collection.info, to_href))

    def create_collection(self, href: str, items: Iterable[radicale_item.Item] | None = None,
                          props: Mapping[str, str] | None = None
                          ) -> tuple[storage.BaseCollection, dict[str, radicale_item.Item],
                                     list[str]]:
        sane = pathutils.strip_path(href)
        if not props and not items:
            existing = self.store.collection(sane)
            if existing is not None:
                return Collection(self, existing), {}, []
        uploads: list[tuple[str, str, ItemMeta]] = []

        def create() -> CollectionInfo:
            for item in items or ():
                name = _upload_name(item, {href for href, _, _ in uploads})
                uploads.append((name, item.serialize(), _meta(item)))
            return self.store.create_collection(sane, dict(props or {}), uploads)

        info = _protocol_errors(create)
        return Collection(self, info), {}, [href for href, _, _ in uploads]

    def verify(self) -> bool:
        logger.info("storage_plugin: the database is verified by `bridge init`")
        return True


__all__ = ["Storage"]
