"""Calendar subscriptions over HTTP: ``GET /feeds/SECRET.ics`` answers a representative's
appointments as one iCalendar file (``bridge.calendars.feed``), without signing in — the
secret is the key (``bridge.hq.subscriptions``).

- An unknown, renewed or revoked secret is ``404`` with the same body as any other unknown
  path: nothing tells whether it ever existed.
- ``ETag`` and ``Last-Modified``; a conditional GET of the same version is ``304`` after a
  few row reads (pollers ask every few minutes); ``gzip`` when the client accepts it.
- A file once put together is kept in memory by its version, so a second subscriber's
  device, or a poller that does not send its ETag, costs no second assembly.
"""

import functools
import gzip
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from radicale import types
from sqlalchemy import Engine
from werkzeug.http import http_date
from werkzeug.wrappers import Request

from bridge.calendars.feed import PREFIX, SUFFIX, Version, feed_text, last_modified, version
from bridge.calendars.store import CalendarStore
from bridge.hq.settings import zone_named
from bridge.hq.subscriptions import subscriber
from bridge.infra.db import shared_engine, transaction
from storage_plugin.options import option
from storage_plugin.pages import Dispatch, answer, prefixed

KEPT_BYTES = 64 * 1024 * 1024
"""Memory the kept files may take in one server process (20 000 events make a file of
some 15 MB): the most recently read are kept; a file larger than this alone is not."""
NOT_FOUND = "The requested resource could not be found.\n"


class Kept:
    """Assembled files (and their gzip) by ETag, the most recently used kept within
    ``limit`` bytes (a lock guards the dictionary only: files are assembled and compressed
    outside it)."""

    def __init__(self, limit: int = KEPT_BYTES) -> None:
        self._files: OrderedDict[str, tuple[bytes, bytes | None]] = OrderedDict()
        self._limit = limit
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> tuple[bytes, bytes | None] | None:
        with self._lock:
            found = self._files.get(etag)
            if found is not None:
                self._files.move_to_end(etag)
            return found

    def put(self, etag: str, body: bytes, zipped: bytes | None) -> None:
        with self._lock:
            old = self._files.pop(etag, None)
            if old is not None:
                self._size -= _size(old)
                zipped = zipped or old[1]
            files = (body, zipped)
            if _size(files) > self._limit:
                return
            self._files[etag] = files
            self._size += _size(files)
            while self._size > self._limit:
                _, dropped = self._files.popitem(last=False)
                self._size -= _size(dropped)

    def size(self) -> int:
        with self._lock:
            return self._size


def _size(files: tuple[bytes, bytes | None]) -> int:
    return len(files[0]) + len(files[1] or b"")


def feeds(configuration: Any) -> Dispatch | None:
    """What answers ``/feeds/`` (None for every other request), or None when the storage is
    not ours."""
    if configuration.get("storage", "type") != "storage_plugin.storage":
        return None
    engine = shared_engine(option(configuration, "database_url") or None)
    server_zone = zone_named(option(configuration, "time_zone") or "UTC")
    kept = Kept()
    return prefixed(configuration, PREFIX, "calendar subscription", functools.partial(
        _answer, engine=engine, server_zone=server_zone, kept=kept))


def _answer(request: Request, start_response: types.WSGIStartResponse, name: str, *,
            engine: Engine, server_zone: str, kept: Kept) -> Iterable[bytes]:
    if request.method not in ("GET", "HEAD"):
        return answer(start_response, "405 Method Not Allowed",
                      "A calendar subscription is only read (GET).\n", [("Allow", "GET, HEAD")])
    secret = name.removesuffix(SUFFIX) if name.endswith(SUFFIX) else ""
    with transaction(engine, write=False, keep=False) as session:
        found = subscriber(session, secret)
        if found is None:
            return answer(start_response, "404 Not Found", NOT_FOUND)
        store = CalendarStore(session, datetime.now(UTC), server_zone=server_zone)
        current = version(store, found)
        headers = _validators(current)
        if _not_modified(request, store, current, headers):
            start_response("304 Not Modified", headers)
            return [b""]
        files = kept.get(current.etag)
        if files is None:
            files = (feed_text(store, found, current).encode(), None)
            kept.put(current.etag, *files)
    body, zipped = files
    if request.accept_encodings["gzip"]:
        if zipped is None:
            zipped = gzip.compress(body, compresslevel=6)
            kept.put(current.etag, body, zipped)
        body = zipped
        headers.append(("Content-Encoding", "gzip"))
    headers += [("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Disposition", 'inline; filename="appointments.ics"')]
    start_response("200 OK", headers)
    return [b""] if request.method == "HEAD" else [body]


def _not_modified(request: Request, store: CalendarStore, current: Version,
                  headers: list[tuple[str, str]]) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when sent — its 304 needs no Last-Modified
    (§15.4.5), so none is read; else If-Modified-Since. ``headers`` gain the Last-Modified
    when it was read."""
    if request.if_none_match and request.if_none_match.contains_weak(current.etag.strip('"')):
        return True
    modified = last_modified(store, current)
    headers.append(("Last-Modified", http_date(modified)))
    since = None if request.if_none_match else request.if_modified_since
    return since is not None and modified <= since


def _validators(current: Version) -> list[tuple[str, str]]:
    return [("ETag", current.etag), ("Cache-Control", "private, no-cache"),
            ("Vary", "Accept-Encoding"), ("Referrer-Policy", "no-referrer")]
