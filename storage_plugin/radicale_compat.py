"""Every use of a Radicale internal, in one place.

The bridge extends Radicale (3.9, pinned ``radicale>=3.9,<3.10`` in pyproject.toml) further
than its plugin interfaces reach: the WSGI layer and the fast reads use the application's
storage, auth, rights, sharing switch, request encoding, body parser and refusal delay; the storage
builds items from stored metadata without Radicale's constructor and declares that its paths
take any Unicode; the auth plugin gets the request's context; the failure log recognises
Radicale's own lines by their wording, and the storage words its errors so that Radicale maps
them to 403 or 400; the server in a thread (the tests') runs our application in Radicale's
own server, its connections on reused threads, each answer sent in one write. None of that is
public API: each is reached here, through a function (or base class) named for what it does,
and nowhere else. ``tests/storage_plugin/test_radicale_compat.py`` checks each against the
installed Radicale; docs/operators/upgrades.md says what to do when one fails.
"""

import logging
import socketserver
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, TypeVar

from radicale import auth, rights, server, storage, types, utils
from radicale import item as radicale_item
from radicale.app import Application
from radicale.app.base import Access

StorageClass = TypeVar("StorageClass", bound=type[storage.BaseStorage])

REQUEST_FAILURE = "Exception: %s"
"""How Radicale's request handler logs an exception it caught (``Application._handle_request``)."""
STATUS_LINE = " response status for "
"""Part of the line Radicale logs for every answer (``Application._handle_request``)."""


# --- the application ------------------------------------------------------------------------

def storage_of(app: Application) -> storage.BaseStorage:
    """The application's storage plugin (``Application._storage``; Radicale 3.9)."""
    found: storage.BaseStorage = app._storage
    return found


def auth_of(app: Application) -> auth.BaseAuth:
    """The application's auth plugin (``Application._auth``; Radicale 3.9)."""
    found: auth.BaseAuth = app._auth
    return found


def rights_of(app: Application) -> rights.BaseRights:
    """The application's rights plugin (``Application._rights``; Radicale 3.9)."""
    found: rights.BaseRights = app._rights
    return found


def sharing_enabled(app: Application) -> bool:
    """Whether Radicale's collection sharing is on (``Application._sharing._enabled``;
    Radicale 3.9)."""
    return bool(app._sharing._enabled)


def request_encoding(app: Application) -> str:
    """The encoding Radicale writes its answers in, ``[encoding] request``
    (``Application._encoding``; Radicale 3.9)."""
    encoding: str = app._encoding
    return encoding


def max_resource_size(app: Application) -> int:
    """The largest item a PUT may store, ``[server] max_resource_size`` as Radicale caps it
    to 80 % of ``max_content_length`` (``Application._max_resource_size``; Radicale 3.9)."""
    size: int = app._max_resource_size
    return size


def auth_delay(app: Application) -> float:
    """How long Radicale waits before answering 401 and 403, ``[auth] delay``
    (``Application._auth_delay``; Radicale 3.9)."""
    seconds: float = app._auth_delay
    return seconds


def set_auth_delay(app: Application, seconds: float) -> None:
    """Make Radicale wait ``seconds`` (0: not at all) before answering 401 and 403
    (``Application._auth_delay``; Radicale 3.9)."""
    app._auth_delay = seconds


def may_read(app: Application, user: str, user_groups: set[str], path: str,
             found: types.CollectionOrItem | None = None) -> bool:
    """Whether ``user`` may read ``path`` (the collection or item ``found`` there), as
    Radicale's handlers decide it (``radicale.app.base.Access`` over ``Application._rights``;
    Radicale 3.9)."""
    return Access(app._rights, user, user_groups, path).check("r", found)


def read_xml_body(app: Application, environ: types.WSGIEnviron,
                  request_info: dict[str, Any]) -> ET.Element | None:
    """The request's XML body as Radicale's handlers read it, through the application's own
    parser (``Application._read_xml_request_body``; Radicale 3.9)."""
    parsed: ET.Element | None = app._read_xml_request_body(environ, request_info)
    return parsed


class HookedApplication(Application):
    """Radicale's application, with a public hook where the bridge changes how it reads
    request bodies: every handler's parse goes through :meth:`parse_xml_body`
    (overrides ``Application._read_xml_request_body``; Radicale 3.9)."""

    def _read_xml_request_body(self, environ: types.WSGIEnviron,
                               request_info: dict[str, Any]) -> ET.Element | None:
        return self.parse_xml_body(environ, lambda: super(
            HookedApplication, self)._read_xml_request_body(environ, request_info))

    def parse_xml_body(self, environ: types.WSGIEnviron,
                       parse: Callable[[], ET.Element | None]) -> ET.Element | None:
        """The request's XML body; ``parse()`` is Radicale's parse. Override to check it."""
        return parse()


# --- plugins --------------------------------------------------------------------------------

class ContextAuth(auth.BaseAuth):
    """An auth plugin whose password check sees the request's context (the client's address):
    Radicale's :meth:`login` (with its login cache) calls :meth:`check_login`
    (overrides ``BaseAuth._login_ext``; Radicale 3.9)."""

    def _login_ext(self, login: str, password: str, context: auth.AuthContext) -> str:
        return self.check_login(login, password, context)

    def check_login(self, login: str, password: str, context: auth.AuthContext) -> str:
        """The login if the password is right, else ""."""
        raise NotImplementedError


def unicode_paths(storage_class: StorageClass) -> StorageClass:
    """Declare that a storage keeps any Unicode in paths (Radicale otherwise restricts user
    and path values to "no-unicode"), as a class decorator
    (``BaseStorage._supports_unicode``; Radicale 3.9)."""
    storage_class._supports_unicode = True
    return storage_class


def set_item_state(item: radicale_item.Item, *, collection_path: str, etag: str, uid: str,
                   name: str, component_name: str, time_range: tuple[int, int]) -> None:
    """Fill an item that ``Item.__init__`` did not build with what Radicale would otherwise
    parse its text for; the text itself is left to :func:`item_text` (the private attributes
    ``Item._collection_path``, ``_text``, ``_vobject_item``, ``_etag``, ``_uid``, ``_name``,
    ``_component_name``, ``_time_range``; Radicale 3.9)."""
    item._collection_path = collection_path
    item._text = None
    item._vobject_item = None
    item._etag = etag
    item._uid = uid
    item._name = name
    item._component_name = component_name
    item._time_range = time_range


def item_text(item: radicale_item.Item, render: Callable[[], str]) -> str:
    """The item's text: ``render()`` the first time, then the copy Radicale keeps and parses
    when it needs the item's vobject (``Item._text``; Radicale 3.9)."""
    if item._text is None:
        item._text = render()
    return item._text


# --- wording --------------------------------------------------------------------------------

def is_request_failure(record: logging.LogRecord) -> bool:
    """Whether ``record`` is Radicale's line for a request that raised, with the exception as
    its argument (``logger.error("Exception: %s", e)`` in ``Application._handle_request``;
    Radicale 3.9)."""
    return record.msg == REQUEST_FAILURE and bool(record.args)


def is_failure_traceback(record: logging.LogRecord) -> bool:
    """Whether ``record`` is the traceback Radicale logs on the root logger after that line
    (``logging.error("%s", traceback.format_exc())``; Radicale 3.9)."""
    return (record.name == "root" and record.msg == "%s" and isinstance(record.args, tuple)
            and str(record.args[0]).startswith("Traceback"))


def is_status_line(record: logging.LogRecord) -> bool:
    """Whether ``record`` is Radicale's line for an answer's status ("… response status for
    …" in ``Application._handle_request``; Radicale 3.9)."""
    return isinstance(record.msg, str) and STATUS_LINE in record.msg


def forbidden_write(message: str) -> ValueError:
    """An error to raise from a storage write that Radicale answers 403: its handlers read
    "[Errno 13]" in a ValueError as EACCES (``app/put.py`` and others; Radicale 3.9)."""
    return ValueError(f"[Errno 13] Permission denied: {message}")


def refused_write(message: str) -> ValueError:
    """An error to raise from a storage write that Radicale answers 400, whatever the
    message says: an "[Errno N]" in it would be read as an OS error (500 for most N), so it
    is written "[errno N]" (``app/put.py`` and others; Radicale 3.9)."""
    return ValueError(message.replace("[Errno", "[errno"))


# --- the server -----------------------------------------------------------------------------

def use_application(factory: Callable[[Any], Any]) -> None:
    """Make Radicale's own server (``radicale.server.serve``) run ``factory(configuration)``
    instead of ``radicale.Application`` (it calls the module's name ``Application``;
    Radicale 3.9)."""
    # (its module imports the name, not exports it, and names a class: ours is a factory)
    server.Application = factory  # type: ignore[attr-defined,assignment]


def set_listen_backlog(size: int) -> None:
    """Let Radicale's own server queue ``size`` connections not yet accepted (socketserver's
    ``request_queue_size`` on ``radicale.server.ParallelHTTPServer`` and
    ``ParallelHTTPSServer``; Radicale 3.9)."""
    server_class: type[socketserver.TCPServer]
    for server_class in (server.ParallelHTTPServer, server.ParallelHTTPSServer):
        server_class.request_queue_size = size


def run_connections_on(submit: Callable[[Callable[[], None]], None]) -> None:
    """Make Radicale's own server hand each connection it accepted to ``submit`` (which runs
    it, on a thread of its choice) instead of starting a new thread for it: ``process_request``
    of ``radicale.server.ParallelHTTPServer`` (and so of ``ParallelHTTPSServer``), which runs
    socketserver's ``process_request_thread`` — the connection's whole work, its worker
    socket closed at the end, so Radicale's ``max_connections`` still counts it (Radicale 3.9)."""

    def process_request(self: Any, request: Any, client_address_and_socket: Any) -> None:
        submit(lambda: self.process_request_thread(request, client_address_and_socket))

    server.ParallelHTTPServer.process_request = process_request  # type: ignore[method-assign]


def write_answers_whole() -> None:
    """Make Radicale's own server buffer what a connection writes (``wbufsize`` of
    ``radicale.server.RequestHandler``; Python's default: unbuffered), so that an answer's
    status line, headers and body leave in one write (one packet for a small answer), not
    one each (Radicale 3.9; wsgiref flushes after the body)."""
    server.RequestHandler.wbufsize = -1


def limit_tls_protocols(context: ssl.SSLContext, protocol: str) -> None:
    """Limit ``context`` to the TLS versions ``[server] protocol`` names (Apache's
    SSLProtocol form, "-all +TLSv1.3"), as Radicale's own server does
    (``utils.ssl_context_options_by_protocol`` and its ``…_version_by_options``;
    Radicale 3.9); ValueError when it names something else or leaves no version."""
    try:
        context.options = utils.ssl_context_options_by_protocol(protocol, context.options)
    except RuntimeError as error:  # ("… contains unsupported entry '…'")
        raise ValueError(f"[server] protocol = {protocol}: {error}") from error
    lowest = utils.ssl_context_minimum_version_by_options(  # type: ignore[no-untyped-call]
        context.options)
    highest = utils.ssl_context_maximum_version_by_options(  # type: ignore[no-untyped-call]
        context.options)
    if not lowest or not highest:
        raise ValueError(f"[server] protocol = {protocol} leaves no TLS version to use")
    context.minimum_version, context.maximum_version = lowest, highest
