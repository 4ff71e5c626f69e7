"""The Radicale internals the bridge relies on (``storage_plugin.radicale_compat``), checked
against the installed Radicale: one rule per internal, each failing with "Radicale upgrade:
<internal> changed" when a new Radicale renames it or changes what it does. Run this file
first when moving the Radicale pin (docs/operators/upgrades.md)."""

import ast
import base64
import inspect
import io
import logging
import re
import socket
import socketserver
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import radicale
from radicale import auth, config, rights, server, storage, xmlutils
from radicale import item as radicale_item
from radicale.app import Application
from radicale.storage import multifilesystem

import storage_plugin
from storage_plugin import radicale_compat, wsgi
from storage_plugin.auth import Auth
from storage_plugin.radicale_compat import (
    ContextAuth,
    HookedApplication,
    auth_delay,
    auth_of,
    forbidden_write,
    is_failure_traceback,
    is_request_failure,
    is_status_line,
    item_text,
    limit_tls_protocols,
    max_resource_size,
    may_read,
    read_xml_body,
    refused_write,
    request_encoding,
    rights_of,
    run_connections_on,
    set_auth_delay,
    set_item_state,
    set_listen_backlog,
    sharing_enabled,
    storage_of,
    unicode_paths,
    use_application,
    write_answers_whole,
)
from storage_plugin.rights import Rights
from storage_plugin.server import configuration
from storage_plugin.storage import BridgeItem, Collection, Storage
from tests.clock import at, stamp
from tests.storage_plugin.conftest import TEST_CONFIG

PROPFIND = b'<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'


def upgrade(internal: str) -> str:
    return f"Radicale upgrade: {internal} changed; see docs/operators/upgrades.md"


@contextmanager
def relied_on(internal: str) -> Iterator[None]:
    """A missing or re-shaped internal fails the test with the upgrade message."""
    try:
        yield
    except (AttributeError, TypeError, KeyError, NotImplementedError) as error:
        pytest.fail(f"{upgrade(internal)} ({type(error).__name__}: {error})")


def bridge_config(database_url: str, **sections: dict[str, str]) -> config.Configuration:
    """Radicale's configuration with our plugins over the test database, as the tests'
    servers have it."""
    loaded = configuration(database_url).configuration
    loaded.update(TEST_CONFIG, "tests")
    loaded.update(sections, "this test")
    return loaded


def stock_config(folder: Path, **sections: dict[str, str]) -> config.Configuration:
    """Stock Radicale: its file storage in ``folder``, any login, owners read their own."""
    loaded = config.load()
    loaded.update({"storage": {"filesystem_folder": str(folder / "collections")},
                   "auth": {"type": "none", "delay": "0"},
                   "rights": {"type": "owner_only"},
                   "server": {"delay_on_error": "0"}}, "tests")
    loaded.update(sections, "this test")
    return loaded


def request(app: Any, method: str, path: str, body: bytes = b"", login: str | None = "alice",
            **headers: str) -> tuple[str, bytes]:
    """``app``'s status line and body for one request (WSGI, in this thread)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "localhost", "SERVER_PORT": "5232", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()}}
    if login is not None:
        credentials = base64.b64encode(f"{login}:secret".encode()).decode()
        environ["HTTP_AUTHORIZATION"] = f"Basic {credentials}"
    started: list[str] = []
    answer = b"".join(app(environ, lambda status, _headers: started.append(status)))
    return started[0], answer


def event(uid: str) -> str:
    """An event tomorrow at 09:00 in Warsaw."""
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:{stamp(at(0))}\r\n"
            f"DTSTART:{stamp(at(1))}\r\nDTEND:{stamp(at(1, '10:00'))}"
            f"\r\nSUMMARY:Visit\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def with_calendar(app: Any) -> None:
    status, _ = request(app, "MKCALENDAR", "/alice/calendar/")
    assert status.startswith("201"), status


# --- the application ----------------------------------------------------------------------

def test_the_application_holds_our_storage_plugin(database_url: str) -> None:
    app = Application(bridge_config(database_url))
    with relied_on("Application._storage"):
        assert isinstance(storage_of(app), Storage), upgrade("Application._storage")


def test_the_application_holds_our_auth_plugin(database_url: str) -> None:
    app = Application(bridge_config(database_url))
    with relied_on("Application._auth"):
        assert isinstance(auth_of(app), Auth), upgrade("Application._auth")


def test_the_application_holds_our_rights_plugin(database_url: str) -> None:
    app = Application(bridge_config(database_url))
    with relied_on("Application._rights"):
        assert isinstance(rights_of(app), Rights), upgrade("Application._rights")


def test_sharing_is_enabled_only_when_configured(tmp_path: Path) -> None:
    plain = Application(stock_config(tmp_path))
    shared = Application(stock_config(tmp_path, sharing={
        "type": "csv", "collection_by_map": "True",
        "database_path": str(tmp_path / "sharing.csv")}))
    with relied_on("Application._sharing._enabled"):
        assert plain._sharing._enabled is False, upgrade("Application._sharing._enabled")
        assert sharing_enabled(plain) is False, upgrade("Application._sharing._enabled")
        assert sharing_enabled(shared) is True, upgrade("Application._sharing._enabled")


def test_answers_are_written_in_the_configured_request_encoding(database_url: str) -> None:
    app = Application(bridge_config(database_url, encoding={"request": "iso-8859-1"}))
    with relied_on("Application._encoding"):
        assert request_encoding(app) == "iso-8859-1", upgrade("Application._encoding")


def test_the_largest_item_is_the_configured_size_capped_by_the_body_limit(
        database_url: str) -> None:
    small = Application(bridge_config(database_url, server={
        "max_content_length": "100000", "max_resource_size": "1000"}))
    capped = Application(bridge_config(database_url, server={
        "max_content_length": "100000", "max_resource_size": "90000"}))
    with relied_on("Application._max_resource_size"):
        assert max_resource_size(small) == 1000, upgrade("Application._max_resource_size")
        assert max_resource_size(capped) == 80000, upgrade("Application._max_resource_size")


def test_radicale_waits_the_auth_delay_before_a_401_and_not_once_it_is_zero(
        tmp_path: Path) -> None:
    (tmp_path / "nobody").write_text("", encoding="utf-8")
    app = Application(stock_config(tmp_path, auth={
        "type": "htpasswd", "delay": "0.4", "htpasswd_filename": str(tmp_path / "nobody")}))

    def refused_in() -> float:
        started = time.monotonic()
        status, _ = request(app, "PROPFIND", "/alice/", login="alice", depth="0")
        assert status.startswith("401"), status
        return time.monotonic() - started

    with relied_on("Application._auth_delay"):
        assert auth_delay(app) == 0.4, upgrade("Application._auth_delay")
        assert refused_in() >= 0.2, upgrade("Application._auth_delay")
        set_auth_delay(app, 0.0)
        assert refused_in() < 0.2, upgrade("Application._auth_delay")


def test_reading_is_allowed_as_radicales_access_rules_decide(tmp_path: Path) -> None:
    (tmp_path / "nobody").write_text("", encoding="utf-8")  # (owner_only checks logins)
    app = Application(stock_config(tmp_path, auth={
        "type": "htpasswd", "htpasswd_filename": str(tmp_path / "nobody")}))
    internal = "Access(Application._rights, ...).check"
    with relied_on(internal):
        with storage_of(app).acquire_lock("w", "alice"):
            storage_of(app).create_collection("/alice/calendar/", props={"tag": "VCALENDAR"})
            found = next(iter(storage_of(app).discover("/alice/calendar/")))
        assert isinstance(found, storage.BaseCollection)
        assert may_read(app, "alice", set(), "/alice/calendar/"), upgrade(internal)
        assert not may_read(app, "bob", set(), "/alice/calendar/"), upgrade(internal)
        assert may_read(app, "alice", set(), "/alice/calendar/", found), upgrade(internal)
        assert not may_read(app, "bob", set(), "/alice/calendar/", found), upgrade(internal)


def test_radicale_parses_every_request_body_through_the_application_hook(
        tmp_path: Path) -> None:
    parsed: list[ET.Element | None] = []

    class Recording(HookedApplication):
        def parse_xml_body(self, environ: Any, parse: Callable[[], ET.Element | None]
                           ) -> ET.Element | None:
            parsed.append(parse())
            return parsed[-1]

    app = Recording(stock_config(tmp_path))
    environ = {"REQUEST_METHOD": "PROPFIND", "CONTENT_LENGTH": str(len(PROPFIND)),
               "wsgi.input": io.BytesIO(PROPFIND)}
    internal = "Application._read_xml_request_body"
    with relied_on(internal):
        root = read_xml_body(app, environ, {})
        assert root is not None and root.tag == xmlutils.make_clark("D:propfind"), \
            upgrade(internal)
        assert parsed == [root], upgrade(internal)
        status, _ = request(app, "PROPFIND", "/alice/", PROPFIND, depth="0")
        assert status.startswith("207") and len(parsed) == 2, upgrade(internal)
        for handler in ("do_PROPFIND", "do_PROPPATCH", "do_REPORT", "do_MKCOL",
                        "do_MKCALENDAR"):
            names = getattr(Application, handler).__code__.co_names
            assert "_read_xml_request_body" in names, upgrade(f"{internal} ({handler})")


# --- plugins ------------------------------------------------------------------------------

def test_radicales_login_asks_the_plugin_with_the_requests_context() -> None:
    asked: list[auth.AuthContext] = []

    class Checking(ContextAuth):
        def check_login(self, login: str, password: str, context: auth.AuthContext) -> str:
            asked.append(context)
            return login if password == "right" else ""

    plugin = Checking(config.load())
    context = auth.AuthContext()  # type: ignore[no-untyped-call]
    context.remote_addr = "192.0.2.7"
    internal = "BaseAuth._login_ext"
    with relied_on(internal):
        assert plugin.login("alice", "right", context)[0] == "alice", upgrade(internal)
        assert plugin.login("alice", "wrong", context)[0] == "", upgrade(internal)
        assert asked and all(each is context for each in asked), upgrade(internal)


def test_a_storage_declared_unicode_keeps_radicales_path_checks_as_configured(
        database_url: str) -> None:
    internal = "BaseStorage._supports_unicode"
    with relied_on(internal):
        assert storage.BaseStorage._supports_unicode is False, upgrade(internal)
        assert Storage._supports_unicode is True, upgrade(internal)
        assert unicode_paths(Storage) is Storage
        assert "_supports_unicode" in Application.__init__.__code__.co_names, upgrade(internal)
        app = Application(bridge_config(database_url))
        assert app._validate_path_value == "minimal", upgrade(internal)  # not "no-unicode"


def test_an_item_filled_from_metadata_answers_as_one_built_from_its_text() -> None:
    text = event("visit-1")
    built = radicale_item.Item(collection_path="alice/calendar", text=text, href="visit-1.ics")
    internal = "Item._etag/_uid/_name/_component_name/_time_range/_text/_vobject_item"
    with relied_on(internal):
        kept = {"_collection_path", "_text", "_vobject_item", "_etag", "_uid", "_name",
                "_component_name", "_time_range"}
        assert kept <= set(vars(built)), upgrade(internal)
        filled = radicale_item.Item.__new__(radicale_item.Item)
        filled.collection, filled.href = None, "visit-1.ics"
        set_item_state(filled, collection_path="alice/calendar", etag=built.etag,
                       uid=built.uid, name=built.name, component_name=built.component_name,
                       time_range=built.time_range)
        assert (filled.etag, filled.uid, filled.name, filled.component_name,
                filled.time_range) == (built.etag, "visit-1", "VCALENDAR", "VEVENT",
                                       built.time_range), upgrade(internal)
        assert filled._vobject_item is None, upgrade(internal)  # nothing was parsed
        rendered: list[str] = []

        def render() -> str:
            rendered.append(text)
            return text

        assert item_text(filled, render) == text and item_text(filled, render) == text
        assert filled.serialize() == text and len(rendered) == 1, upgrade(internal)
        assert filled.vobject_item.vevent.uid.value == "visit-1", upgrade(internal)


# --- wording ------------------------------------------------------------------------------

def test_radicale_logs_a_failed_request_in_the_words_the_failure_log_reads(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    class Failing(Application):
        def do_GET(self, *args: Any) -> Any:
            raise RuntimeError("the disk is on fire")

    app = Failing(stock_config(tmp_path))
    caplog.set_level(logging.INFO)
    status, _ = request(app, "GET", "/alice/")
    assert status.startswith("500"), status
    failures = [each for each in caplog.records if is_request_failure(each)]
    tracebacks = [each for each in caplog.records if is_failure_traceback(each)]
    statuses = [each for each in caplog.records if is_status_line(each)]
    assert len(failures) == 1 and isinstance(failures[0].args, tuple) \
        and str(failures[0].args[0]) == "the disk is on fire", \
        upgrade('the "Exception: %s" log line of Application._handle_request')
    assert len(tracebacks) == 1 and "the disk is on fire" in tracebacks[0].getMessage(), \
        upgrade("the root logger's traceback line of Application._handle_request")
    assert any("500" in each.getMessage() for each in statuses), \
        upgrade('the "response status for" log line of Application._handle_request')


@pytest.mark.parametrize("raised, answered", [
    (lambda: forbidden_write("the appointment is HQ's"), "403"),
    (lambda: refused_write("the item says [Errno 28] in its summary"), "400"),
    (lambda: ValueError("[Errno 28] No space left on device"), "507"),  # why refused_write
])
def test_radicale_answers_a_storages_write_error_by_its_errno_wording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: Callable[[], ValueError],
        answered: str) -> None:
    app = Application(stock_config(tmp_path))
    with_calendar(app)

    def upload(*args: Any) -> Any:
        raise raised()

    monkeypatch.setattr(multifilesystem.Collection, "upload", upload)
    status, _ = request(app, "PUT", "/alice/calendar/visit.ics", event("visit").encode(),
                        content_type="text/calendar")
    assert status.startswith(answered), \
        upgrade(f'the "[Errno N]" reading of storage errors in do_PUT ({status})')


# --- the server ---------------------------------------------------------------------------

def test_radicales_server_runs_the_application_it_is_given(
        monkeypatch: pytest.MonkeyPatch) -> None:
    internal = "radicale.server.serve's use of the name Application"

    def factory(configuration: Any) -> Any:
        return configuration

    with relied_on(internal):
        assert "Application" in server.serve.__code__.co_names, upgrade(internal)
        monkeypatch.setattr(server, "Application", vars(server)["Application"])  # (restored)
        use_application(factory)
        assert vars(server)["Application"] is factory, upgrade(internal)


def test_radicales_server_listens_with_the_backlog_set(monkeypatch: pytest.MonkeyPatch) -> None:
    internal = "radicale.server.ParallelHTTPServer/ParallelHTTPSServer"
    with relied_on(internal):
        for server_class in (server.ParallelHTTPServer, server.ParallelHTTPSServer):
            assert issubclass(server_class, socketserver.TCPServer), upgrade(internal)
            assert server_class.__name__ in server.serve.__code__.co_names, upgrade(internal)
            monkeypatch.setattr(server_class, "request_queue_size",
                                server_class.request_queue_size)  # (restored after)
        set_listen_backlog(1234)
        assert server.ParallelHTTPServer.request_queue_size == 1234, upgrade(internal)
        assert server.ParallelHTTPSServer.request_queue_size == 1234, upgrade(internal)


def test_radicales_server_runs_connections_where_it_is_told_and_writes_answers_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection accepted by Radicale's server is answered by the work handed to the
    ``submit`` given (here: on a thread of the test's), its worker socket closed after it
    (Radicale counts it against max_connections until then); the answer — status line,
    headers and body — reaches the client in one write."""
    internal = "radicale.server.ParallelHTTPServer.process_request / RequestHandler.wbufsize"
    submitted: list[threading.Thread] = []

    def submit(work: Callable[[], None]) -> None:
        thread = threading.Thread(target=work)
        submitted.append(thread)
        thread.start()

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"hello"]

    with relied_on(internal):
        monkeypatch.setattr(server.ParallelHTTPServer, "process_request",
                            server.ParallelHTTPServer.process_request)  # (restored after)
        monkeypatch.setattr(server.RequestHandler, "wbufsize", server.RequestHandler.wbufsize)
        run_connections_on(submit)
        write_answers_whole()
        loaded = config.load()
        listening = server.ParallelHTTPServer(loaded, socket.AF_INET, ("127.0.0.1", 0),
                                              server.RequestHandler)
        try:
            listening.set_app(app)
            with socket.create_connection(listening.server_address[:2], timeout=10) as client:
                client.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                listening.handle_request()
                assert len(submitted) == 1, upgrade(internal)
                first = client.recv(65536)
                submitted[0].join(10)
                assert not submitted[0].is_alive(), upgrade(internal)
                (worker_socket,) = listening.worker_sockets
                assert worker_socket.recv(1) == b"", upgrade(internal)  # (its peer closed)
                rest = b"".join(iter(lambda: client.recv(65536), b""))
        finally:
            listening.server_close()
    assert first.startswith(b"HTTP/1.0 200 OK\r\n") and first.endswith(b"\r\n\r\nhello"), \
        upgrade(internal)
    assert rest == b"", upgrade(internal)


@pytest.mark.parametrize("protocol, versions", [
    ("-ALL +TLSv1.3", (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3)),
    ("ALL -SSLv3 -TLSv1 -TLSv1.1", (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)),
])
def test_tls_versions_are_limited_as_radicales_protocol_setting_reads(
        protocol: str, versions: tuple[ssl.TLSVersion, ssl.TLSVersion]) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    limit_tls_protocols(context, protocol)
    assert (context.minimum_version, context.maximum_version) == versions, upgrade(
        f"utils.ssl_context_*: [server] protocol = {protocol} is read otherwise")
    with pytest.raises(ValueError, match="unsupported entry 'TLSv9'"):
        limit_tls_protocols(ssl.create_default_context(ssl.Purpose.CLIENT_AUTH), "+TLSv9")
    with pytest.raises(ValueError, match="leaves no TLS version"):
        limit_tls_protocols(ssl.create_default_context(ssl.Purpose.CLIENT_AUTH), "-ALL")


@pytest.mark.parametrize("ours, radicales", [
    (wsgi.Application, Application), (Storage, storage.BaseStorage),
    (Collection, storage.BaseCollection), (BridgeItem, radicale_item.Item),
    (Auth, auth.BaseAuth), (Rights, rights.BaseRights)])
def test_our_subclasses_private_names_are_not_radicales(ours: type, radicales: type) -> None:
    """Our plugins' own underscore names must not shadow one a new Radicale gives its base
    class (the override would be silent); Radicale's are overridden in radicale_compat only."""
    own = {name for name in vars(ours) if name.startswith("_") and not name.startswith("__")}
    own |= set(re.findall(r"self\.(_[a-z]\w*)\s*(?::[^=\n]*)?=(?!=)", inspect.getsource(ours)))
    own -= {"_supports_unicode"}  # (radicale_compat.unicode_paths)
    theirs = set(dir(radicales))
    for klass in radicales.__mro__:
        if klass.__module__.startswith("radicale"):
            theirs |= set(re.findall(r"self\.(_[a-z]\w*)", inspect.getsource(klass)))
    assert not own & theirs, upgrade(f"{radicales.__name__}: it now has our "
                                     f"{sorted(own & theirs)}")


def test_every_wrapper_of_the_module_is_checked_here() -> None:
    checked = {name for name in globals() if callable(globals()[name])}
    wrappers = {name for name, value in vars(radicale_compat).items()
                if callable(value) and getattr(value, "__module__", "") == radicale_compat.__name__
                and not name.startswith("_") and name != "StorageClass"}
    assert wrappers <= checked, f"not checked here: {sorted(wrappers - checked)}"


def _radicales_private_names() -> set[str]:
    """Every single-underscore name Radicale's classes define or set on themselves."""
    names: set[str] = set()
    for path in Path(radicale.__file__).parent.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def test_only_radicale_compat_reaches_radicales_private_names() -> None:
    """Outside storage_plugin/radicale_compat.py, no module imports an underscore name from
    Radicale nor reads one off another object (our own classes' ``self._…`` are theirs: the
    test above keeps them apart from Radicale's)."""
    private = _radicales_private_names()
    found = []
    for path in sorted(Path(storage_plugin.__file__).parent.glob("*.py")):
        if path.name == "radicale_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("radicale"):
                found += [f"{path.name}:{node.lineno} imports {alias.name}"
                          for alias in node.names if alias.name.startswith("_")]
            elif isinstance(node, ast.Attribute) and node.attr in private and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"{path.name}:{node.lineno} reads .{node.attr}")
    assert found == [], "Radicale's private names outside radicale_compat: " + ", ".join(found)
