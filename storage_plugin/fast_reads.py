"""Fast answers to the reads that fetch a whole calendar or address book.

A new phone or Outlook profile starts with a PROPFIND Depth 1 or an initial sync-collection,
then a multiget of every item; at 10 000 items Radicale spends most of that building and
serialising an XML tree. For the common forms of these requests this module writes the same
multistatus directly, from the storage (discover, sync, ctag and the items, read one by one
as they are written out) and with Radicale's own helpers for access rights, hrefs, item names
and content types:

- ``calendar-multiget`` / ``addressbook-multiget`` and ``sync-collection`` asking for any of
  getetag, getcontenttype, calendar-data, address-data (no expand, no filters);
- ``calendar-query`` of a calendar asking for any of getetag, getcontenttype, calendar-data
  (no expand), whose filters the storage answers whole (``get_filtered`` says every item
  found matched: a time-range, a component), in the order found, as Radicale would;
- ``PROPFIND`` Depth 1 of a calendar or address book asking for any of getetag,
  getcontenttype, getlastmodified, getcontentlength, resourcetype: the collection's own
  response is Radicale's (its Depth 0 answer, in the same transaction), the items' follow;
- ``PROPFIND`` Depth 0 of a calendar or address book asking for its ctag, its sync token or
  both (a client's poll).

Anything else — other properties, filters, expand, sharing, a collection that is not a
calendar or an address book, missing rights, an invalid sync token, too many events — is
left to Radicale (None here), which answers it as it always does.
``tests/storage_plugin/test_fast_reads.py`` holds the answers equal to Radicale's own.
"""

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import client
from typing import Any
from urllib.parse import quote, unquote, urlparse
from xml.sax.saxutils import escape

from radicale import httputils, pathutils, storage, types, xmlutils
from radicale import item as radicale_item

from storage_plugin import radicale_compat

D = "{DAV:}"
SYNC_COLLECTION = f"{D}sync-collection"
GETETAG, GETCONTENTTYPE = f"{D}getetag", f"{D}getcontenttype"
DATA = {xmlutils.make_clark("C:calendar-data"): "C:calendar-data",
        xmlutils.make_clark("CR:address-data"): "CR:address-data"}
REPORTS = {xmlutils.make_clark("C:calendar-multiget"): ("VCALENDAR",),
           xmlutils.make_clark("CR:addressbook-multiget"): ("VADDRESSBOOK",),
           SYNC_COLLECTION: ("VCALENDAR", "VADDRESSBOOK")}
CALENDAR_QUERY = xmlutils.make_clark("C:calendar-query")
FILTERS = (xmlutils.make_clark("C:filter"), xmlutils.make_clark("CR:filter"))
EXPAND = ".//" + xmlutils.make_clark("C:expand")
ITEM_PROPS: dict[str, Callable[[radicale_item.Item, str], str | None]] = {
    GETETAG: lambda item, _: item.etag,
    GETCONTENTTYPE: xmlutils.get_content_type,
    f"{D}getlastmodified": lambda item, _: item.last_modified,
    f"{D}getcontentlength": lambda item, encoding: str(len(item.serialize().encode(encoding))),
    f"{D}resourcetype": lambda item, _: None,
}
"""What PROPFIND answers for an item's properties (Radicale's xml_propfind_response)."""
CTAG = xmlutils.make_clark("CS:getctag")
POLL_PROPS: dict[str, tuple[str, Callable[[Any], str]]] = {
    CTAG: ("CS:getctag", lambda collection: collection.etag),
    f"{D}sync-token": ("sync-token", lambda collection: collection.sync()[0]),
}
"""What PROPFIND answers for a calendar's or address book's poll (as it is written, and how
it is read)."""
POLLED = ("VCALENDAR", "VADDRESSBOOK")
"""Collections whose properties PROPFIND answers here: calendars and address books."""
NAMESPACES = {"C": xmlutils.NAMESPACES["C"], "CR": xmlutils.NAMESPACES["CR"]}
OK, NOT_FOUND = xmlutils.make_response(200), xmlutils.make_response(404)

Props = list[str]
Parted = tuple[int, dict[str, str], "Body", None]
"""A fast multistatus: status, headers and the body as it was written (see :class:`Body`)."""


@dataclass(frozen=True)
class Poll:
    """What answered a poll was asked: by whom, of which collection, for which properties."""

    user: str
    user_groups: frozenset[str]
    base_prefix: str
    path: str
    props: tuple[str, ...]


class FastReads:
    """Answers of the WSGI application (a Radicale application) to the reads above."""

    def __init__(self, app: Any, on_poll: Callable[[Poll], None] | None = None) -> None:
        """``on_poll``: told of each poll answered (``storage_plugin.polls``)."""
        self._app = app
        self._on_poll = on_poll

    @property
    def _charset(self) -> str:
        return radicale_compat.request_encoding(self._app)

    # --- REPORT ----------------------------------------------------------------------------

    def report(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
               user_groups: set[str], request_info: dict[str, Any]) -> Parted | None:
        root = self._request(environ, path, user, user_groups, request_info)
        if root is None or root.find(EXPAND) is not None:
            return None
        found = root.find(f"{D}prop")
        props = [] if found is None else [each.tag for each in found]
        if not props or not all(tag in DATA or tag in (GETETAG, GETCONTENTTYPE)
                                for tag in props):
            return None
        if root.tag == CALENDAR_QUERY:
            return self._query(environ, base_prefix, path, user, user_groups, root, props)
        if root.tag not in REPORTS or _filtered(root):
            return None
        with radicale_compat.storage_of(self._app).acquire_lock("r", user):
            collection = self._collection(path, user, user_groups, REPORTS[root.tag])
            if collection is None:
                return None
            paths = _Paths(collection, base_prefix)
            wanted: Iterable[str] | None
            head, wanted = "", None
            if root.tag == SYNC_COLLECTION:
                synced = _sync(collection, root)
                if synced is None:
                    return None
                token, changed = synced
                head = f"<sync-token>{escape(token)}</sync-token>"
                if changed is not None:
                    wanted = map(paths.item, changed)
            else:
                wanted = _multiget_paths(root, base_prefix)
            named = ([], None) if wanted is None else paths.names(wanted)
            if named is None:
                return None
            invalid, names = named
            body = self._multistatus(environ, props)
            body.add(head)
            for each in invalid:
                body.add(paths.missing(each))
            if not self._write_items(body, paths, collection, names, props):
                return None
        body.add("</multistatus>")
        return client.MULTI_STATUS, body.headers, body.close(), None

    def _query(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
               user_groups: set[str], root: ET.Element, props: Props) -> Parted | None:
        """A calendar-query of a calendar whose filters the storage answers whole (a
        time-range, a component: ``get_filtered`` says each item matched): xml_report would
        test no item further, and answers them in the order found. Any item left to test —
        or a filter Radicale refuses — is left to Radicale."""
        filters = root.findall(FILTERS[0]) + root.findall(FILTERS[1])
        if not filters:
            return None
        with radicale_compat.storage_of(self._app).acquire_lock("r", user):
            collection = self._collection(path, user, user_groups, ("VCALENDAR",))
            if collection is None:
                return None
            try:
                found = list(collection.get_filtered(filters))
            except ValueError:  # (a malformed time-range: Radicale answers 400)
                return None
        if not all(matched for _, matched in found):
            return None
        limit = self._app.configuration.get("reporting", "max_expand_occurrence")
        served = sum(1 for tag in props if tag in DATA)
        if limit and served and served * sum(
                item.serialize().upper().count("BEGIN:VEVENT") for item, _ in found) > limit:
            return None  # (Radicale counts the events it serves, and may refuse)
        paths = _Paths(collection, base_prefix)
        body = self._multistatus(environ, props)
        for item, _ in found:
            body.add(self._report_item(paths, item, props))
        body.add("</multistatus>")
        return client.MULTI_STATUS, body.headers, body.close(), None

    def _write_items(self, body: "Body", paths: "_Paths", collection: Any,
                     names: list[str] | None, props: Props) -> bool:
        """The answers for the items named (every item: None), written as they are read (one
        text held at a time, not 10 000); False when Radicale would refuse the answer for
        holding more events than ``[reporting] max_expand_occurrence`` (it counts those of
        the data it serves), or might (a text that mentions one): Radicale answers then."""
        limit = self._app.configuration.get("reporting", "max_expand_occurrence")
        served = sum(1 for tag in props if tag in DATA)  # each copy of the data counts
        events = 0
        # A name asked twice (a sync's changes) is answered twice, as Radicale answers it.
        pending = Counter(names or ())
        for name, item in collection.each(names, texts=bool(served)):
            times = pending.pop(name, 1)
            if item is None:
                body.add(paths.missing(paths.item(name)) * times)
                continue
            if limit and served:
                events += served * times * item.serialize().upper().count("BEGIN:VEVENT")
                if events > limit:
                    return False
            body.add(self._report_item(paths, item, props) * times)
        for name, times in pending.items():
            body.add(paths.missing(paths.item(name)) * times)
        return True

    def _report_item(self, paths: "_Paths", item: radicale_item.Item, props: Props) -> str:
        """An item as xml_report answers it (getetag and data: found; nothing else asked)."""
        found = []
        for tag in props:
            if tag == GETCONTENTTYPE:
                found.append(_element("getcontenttype",
                                      xmlutils.get_content_type(item, self._charset)))
            elif tag == GETETAG:
                found.append(_element("getetag", item.etag))
            else:
                found.append(_element(DATA[tag], item.serialize()))
        return paths.found(item.href or "", found)  # (an item of a collection has one)

    # --- PROPFIND --------------------------------------------------------------------------

    def propfind(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
                 user_groups: set[str], request_info: dict[str, Any],
                 radicale_propfind: Callable[[types.WSGIEnviron], types.WSGIResponse]
                 ) -> types.WSGIResponse | None:
        depth = environ.get("HTTP_DEPTH", "0")
        if depth not in ("0", "1"):
            return None
        root = self._request(environ, path, user, user_groups, request_info)
        if root is None or len(root) == 0 or root[0].tag != f"{D}prop":
            return None
        props = [each.tag for each in root[0]]
        if depth == "0":
            return self._poll(base_prefix, path, user, user_groups, props)
        if not props or not set(props) <= set(ITEM_PROPS):
            return None
        with radicale_compat.storage_of(self._app).acquire_lock("r", user):
            collection = self._collection(path, user, user_groups, POLLED)
            if collection is None or collection.has_children():
                return None
            try:
                status, headers, own, _ = radicale_propfind({**environ, "HTTP_DEPTH": "0"})
            finally:
                environ["wsgi.input"].seek(0)
            if status != client.MULTI_STATUS or not isinstance(own, bytes):
                return None
            paths = _Paths(collection, base_prefix)
            items = "".join(paths.found(item.href, [
                _element(tag[len(D):], ITEM_PROPS[tag](item, self._charset)) for tag in props])
                for _, item in collection.each(texts=f"{D}getcontentlength" in props)
                if item is not None)
        head, _, _ = own.rpartition(b"</multistatus>")
        return status, headers, head + items.encode(self._charset) + b"</multistatus>", None

    def _poll(self, base_prefix: str, path: str, user: str, user_groups: set[str],
              props: Props) -> types.WSGIResponse | None:
        """A calendar's or address book's ctag and sync token (PROPFIND Depth 0 of either
        or both: what clients poll), as xml_propfind_response answers them."""
        if not props or not set(props) <= set(POLL_PROPS):
            return None
        with radicale_compat.storage_of(self._app).acquire_lock("r", user):
            body = self.poll(base_prefix, path, user, user_groups, props)
        if body is None:
            return None
        if self._on_poll is not None:
            self._on_poll(Poll(user, frozenset(user_groups), base_prefix, path, tuple(props)))
        return (client.MULTI_STATUS, {"DAV": httputils.DAV_HEADERS,  # (as do_PROPFIND's)
                                      "Content-Type": f"text/xml; charset={self._charset}"},
                body, None)

    def poll(self, base_prefix: str, path: str, user: str, user_groups: set[str],
             props: Props) -> bytes | None:
        """The multistatus of a poll of ``props`` (of :data:`POLL_PROPS`) of the collection at
        ``path``, if it is a calendar or address book the user may read (inside a read lock
        of the storage)."""
        collection = self._collection(path, user, user_groups, POLLED)
        return None if collection is None else self._polled(base_prefix, collection, props)

    def poll_of(self, base_prefix: str, path: str, collection: Any, user: str,
                user_groups: Iterable[str], props: Iterable[str]) -> bytes | None:
        """The same, of the ``collection`` found at ``path`` already (see
        ``storage_plugin.polls``)."""
        if not self._readable(collection, path, user, set(user_groups), POLLED):
            return None
        return self._polled(base_prefix, collection, list(props))

    def _polled(self, base_prefix: str, collection: Any, props: Props) -> bytes:
        values = {tag: POLL_PROPS[tag][1](collection) for tag in set(props)}
        own = _Paths(collection, base_prefix).own(
            [_element(POLL_PROPS[tag][0], values[tag]) for tag in props])
        declared = f' xmlns:CS="{xmlutils.NAMESPACES["CS"]}"' if CTAG in props else ""
        return (f"<?xml version='1.0' encoding='{self._charset}'?>\n"
                f'<multistatus xmlns="DAV:"{declared}>{own}</multistatus>').encode(self._charset)

    # --- what both need --------------------------------------------------------------------

    def _request(self, environ: types.WSGIEnviron, path: str, user: str,
                 user_groups: set[str], request_info: dict[str, Any]) -> ET.Element | None:
        """The request's XML, when the user may read ``path`` and the body can be read
        again by Radicale (then the body is left for it, whatever happens here)."""
        body = environ.get("wsgi.input")
        if (not user or radicale_compat.sharing_enabled(self._app)
                or not isinstance(body, io.BytesIO)
                or not radicale_compat.may_read(self._app, user, user_groups, path)):
            return None
        try:
            return radicale_compat.read_xml_body(self._app, environ, request_info)
        except RuntimeError:
            return None
        finally:
            body.seek(0)

    def _collection(self, path: str, user: str, user_groups: set[str],
                    tags: tuple[str, ...]) -> Any:
        """The collection at ``path``, if it is one of ``tags`` the user may read."""
        found = next(iter(radicale_compat.storage_of(self._app).discover(path)), None)
        return found if self._readable(found, path, user, user_groups, tags) else None

    def _readable(self, found: Any, path: str, user: str, user_groups: set[str],
                  tags: tuple[str, ...]) -> bool:
        """Whether ``found`` (at ``path``) is a collection of ``tags`` the user may read."""
        return (isinstance(found, storage.BaseCollection) and found.tag in tags
                and radicale_compat.may_read(self._app, user, user_groups, path, found))

    def _multistatus(self, environ: types.WSGIEnviron, props: Props) -> "Body":
        """A multistatus answer to write, its head written."""
        declared = "".join(f' xmlns:{prefix}="{url}"' for prefix, url in NAMESPACES.items()
                           if any(DATA.get(tag, "").startswith(prefix + ":") for tag in props))
        body = Body(self._charset, _accepts_gzip(environ))
        body.add(f"<?xml version='1.0' encoding='{self._charset}'?>\n"
                 f'<multistatus xmlns="DAV:"{declared}>')
        return body


class Body:
    """An XML answer written part by part, compressed as it is written when the client takes
    gzip (as Radicale compresses its answers): what is held is what is sent, and 10 000
    items' data are not copied once more into one body (see ``storage_plugin.wsgi``)."""

    def __init__(self, encoding: str, gzip: bool) -> None:
        self._charset = encoding
        self.gzip = gzip
        self._compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS) if gzip else None
        self.parts: list[bytes] = []
        self.headers = {"Content-Type": f"text/xml; charset={encoding}"}
        self._pending: list[str] = []
        self._pending_size = 0

    def add(self, text: str) -> None:
        """``text`` written: held until :data:`CHUNK` characters are (then encoded and
        compressed at once — not 10 000 times a few hundred bytes)."""
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self._pending).encode(self._charset)
        self._pending.clear()
        self._pending_size = 0
        if self._compressor is not None:
            data = self._compressor.compress(data)
        if data:
            self.parts.append(data)

    def close(self) -> "Body":
        self._flush()
        if self._compressor is not None:
            self.parts.append(self._compressor.flush())
            self._compressor = None
        return self


CHUNK = 64 * 1024
"""Characters of an answer held before they are encoded (and compressed)."""


def _accepts_gzip(environ: types.WSGIEnviron) -> bool:
    """Whether Radicale compresses the answer (``radicale.app.Application._handle_request``:
    "gzip" among the Accept-Encoding tokens, as written)."""
    return "gzip" in (token.strip() for token in
                      environ.get("HTTP_ACCEPT_ENCODING", "").split(","))


def _filtered(root: ET.Element) -> bool:
    return any(root.find(tag) is not None for tag in FILTERS) or root.find(EXPAND) is not None


def _sync(collection: Any, root: ET.Element) -> tuple[str, Iterable[str] | None] | None:
    """The new token and the names of the changed items (None: all, for a first sync);
    None for a token Radicale refuses."""
    element = root.find(f"{D}sync-token")
    old = element.text.strip() if element is not None and element.text else ""
    try:
        token, changed = collection.sync(old)
    except ValueError:
        return None
    return token, changed if old else None


def _multiget_paths(root: ET.Element, base_prefix: str) -> set[str]:
    """The paths a multiget names, as xml_report reads them (a set, as there)."""
    paths = set()
    for element in root.findall(f"{D}href"):
        path = pathutils.sanitize_path(unquote(urlparse(element.text).path))
        if (path + "/").startswith(base_prefix + "/"):
            paths.add(path[len(base_prefix):])
    return paths


class _Paths:
    """Paths and hrefs of one collection's items as Radicale's pathutils and xmlutils make
    them, with the collection's part computed once (Radicale re-checks every path it builds,
    several times an item)."""

    def __init__(self, collection: Any, base_prefix: str) -> None:
        self._collection = collection
        self._start = pathutils.unstrip_path(collection.path, True)
        self._base_prefix = base_prefix
        self._response = f"<response><href>{self.href(self._start)}"
        """The start of an item's response, to its name in the href (quote and escape
        work character by character: the collection's part is written once)."""

    def item(self, name: str) -> str:
        """unstrip_path(join(collection, name))."""
        if pathutils.is_safe_path_component(name):
            return self._start + name
        return pathutils.unstrip_path(posixpath.join(self._collection.path, name))

    def names(self, paths: Iterable[str]) -> tuple[list[str], list[str]] | None:
        """Paths that name no item of the collection, and the item names (as
        pathutils.name_from_path reads them); None when the collection itself is named
        (Radicale then answers with every item)."""
        invalid, names = [], []
        for path in paths:
            name = path[len(self._start):]
            if not (path + "/").startswith(self._start) or (
                    name and not pathutils.is_safe_path_component(name)):
                invalid.append(path)
            elif not name:
                return None
            else:
                names.append(name)
        return invalid, names

    def href(self, path: str) -> str:
        """xmlutils.make_href of a sanitized path."""
        return escape(quote(self._base_prefix + path))

    def found(self, name: str, props: list[str]) -> str:
        if pathutils.is_safe_path_component(name):  # (as item() reads it: the common case)
            written = name if _PLAIN.fullmatch(name) else escape(quote(name))
            return (f"{self._response}{written}</href><propstat><prop>"
                    f"{''.join(props)}</prop><status>{OK}</status></propstat></response>")
        return self._found(self.item(name), props)

    def own(self, props: list[str]) -> str:
        """The collection's own response."""
        return self._found(self._start, props)

    def _found(self, path: str, props: list[str]) -> str:
        return (f"<response><href>{self.href(path)}</href><propstat><prop>"
                f"{''.join(props)}</prop><status>{OK}</status></propstat></response>")

    def missing(self, path: str) -> str:
        return f"<response><href>{self.href(path)}</href><status>{NOT_FOUND}</status></response>"


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")
"""A name that quote() and escape() leave as it is (quote's always-safe characters)."""


def _element(name: str, text: str | None) -> str:
    return f"<{name}>{escape(text)}</{name}>" if text else f"<{name} />"
