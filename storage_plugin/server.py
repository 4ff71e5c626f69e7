"""Running Radicale with our plugins on the HQ database: under gunicorn (what `bridge serve`
starts), or in Radicale's own server in a thread (what the tests start)."""

import configparser
import contextvars
import errno
import queue
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radicale import config as radicale_config
from radicale import server

from bridge.errors import InvalidInput
from bridge.infra import budget
from bridge.infra.catalog import Catalog, CatalogError, single
from bridge.infra.db import WRITE_WAIT_SECONDS
from bridge.infra.directory import DirectorySettingError, settings_from
from bridge.infra.files import read_ini
from storage_plugin import radicale_compat
from storage_plugin.auth import calendar_passwords_of
from storage_plugin.databases import Databases
from storage_plugin.directories import directory_options
from storage_plugin.logs import start_logging
from storage_plugin.monitoring import monitored
from storage_plugin.options import seconds
from storage_plugin.proxy import WSGIApplication, behind_proxies
from storage_plugin.push import push_settings, start_dispatchers
from storage_plugin.workers import Workers

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5232
LISTEN_BACKLOG = 1024
SWITCH_INTERVAL = 0.0005
"""Seconds a thread holds Python's interpreter lock while others wait (Python: 0.005). A
request that computes (parsing a large item) would otherwise make every other request wait
up to that long at each of its many network and database calls: a phone's poll beside such
a request took 10 times as long."""
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
"""Bytes of a request body (Radicale's default: 100 MB): a multiget of 10 000 hrefs is 1 MB."""
MAX_RESOURCE_SIZE = 1024 * 1024
"""Bytes of one item (Radicale's default: 10 MB, and not enforced): a sales appointment is a
few kilobytes; an item of megabytes costs every client that syncs its calendar."""


BUDGET_SETTINGS = ("request_budget", "report_budget", "hard_limit")
"""``[storage]`` settings of a request's budget (``bridge.infra.budget``)."""


def defaults(database_url: str, host: str, port: int) -> dict[str, dict[str, str]]:
    return {
        "server": {"hosts": f"{host}:{port}", "max_connections": "20",
                   "max_content_length": str(MAX_CONTENT_LENGTH),
                   "max_resource_size": str(MAX_RESOURCE_SIZE)},
        "auth": {"type": "storage_plugin.auth"},
        "rights": {"type": "storage_plugin.rights"},
        "storage": {"type": "storage_plugin.storage", "database_url": database_url,
                    "write_wait": str(WRITE_WAIT_SECONDS), "time_zone": "UTC",
                    "request_budget": f"{budget.REQUEST_BUDGET_SECONDS:g}",
                    "report_budget": f"{budget.REPORT_BUDGET_SECONDS:g}",
                    "hard_limit": f"{budget.HARD_LIMIT:g}"},
        "web": {"type": "none"},
        "logging": {"level": "warning", "mask_passwords": "True"},
    }


@dataclass(frozen=True)
class Settings:
    configuration: radicale_config.Configuration
    """Radicale's configuration, with our plugins."""
    workers: int = 1
    """Server processes (``[server] workers``, ``--workers``), under gunicorn's master."""


def configuration(database_url: str, host: str | None = None, port: int | None = None,
                  config_file: Path | None = None, workers: int | None = None) -> Settings:
    """Our defaults, then the INI file's sections, then what the command line gives."""
    loaded = radicale_config.load()
    loaded.update(defaults(database_url, DEFAULT_HOST, DEFAULT_PORT), "bridge defaults")
    configured_workers = 1
    if config_file is not None:
        parser = configparser.RawConfigParser()
        read_ini(config_file, parser, InvalidInput, "the configuration file")
        overrides = {section: dict(parser[section]) for section in parser.sections()}
        if "storage" in overrides:
            overrides["storage"].setdefault("type", "storage_plugin.storage")
        if "workers" in overrides.get("server", {}):  # ours, not Radicale's
            configured_workers = _workers(overrides["server"].pop("workers"), config_file)
        _update(loaded, overrides, str(config_file))
    if host is not None or port is not None:
        configured_host, configured_port = loaded.get("server", "hosts")[0]
        address = f"{host or configured_host}:{configured_port if port is None else port}"
        _update(loaded, {"server": {"hosts": address}}, "the command line")
    for name in BUDGET_SETTINGS:
        try:
            seconds(loaded, name, 0.0)
        except ValueError as error:
            raise InvalidInput(f"{error} — see config/radicale.ini.example") from error
    try:
        check_server(loaded)
        push_settings(loaded)
    except ValueError as error:
        raise InvalidInput(f"{error} — see config/radicale.ini.example") from error
    try:
        calendar_passwords_of(loaded)
    except InvalidInput as error:
        raise InvalidInput(f"{error} — see config/radicale.ini.example") from error
    try:
        settings_from(directory_options(loaded))
    except DirectorySettingError as error:
        raise InvalidInput(f"[auth] {error} — see docs/operators/directory.md") from error
    return Settings(loaded, workers or configured_workers)


def check_server(loaded: radicale_config.Configuration) -> None:
    """Refuse, before any process starts, ``[server]`` settings gunicorn would not take:
    another server ``type``, TLS versions or ciphers that leave nothing (ValueError)."""
    kind, protocol, ciphers = (loaded.get("server", name)
                               for name in ("type", "protocol", "ciphersuite"))
    if kind != "builtin":
        raise ValueError(f"[server] type = {kind}: bridge serve runs its own server "
                         "(gunicorn); leave type out")
    if not loaded.get("server", "ssl"):
        return
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if protocol:
        radicale_compat.limit_tls_protocols(context, protocol)
    if ciphers:
        try:
            context.set_ciphers(ciphers)
        except ssl.SSLError as error:
            raise ValueError(f"[server] ciphersuite = {ciphers} names no cipher this "
                             "machine's OpenSSL has") from error


def _update(loaded: radicale_config.Configuration, overrides: dict[str, dict[str, str]],
            source: str) -> None:
    """Radicale's checks of the settings, its errors said as an operator's mistake."""
    try:
        loaded.update(overrides, source)
    except (ValueError, RuntimeError) as error:
        raise InvalidInput(f"{error} — see config/radicale.ini.example for the sections and "
                           "settings") from error


def _workers(value: str, config_file: Path) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise InvalidInput(f"{config_file}: [server] workers must be a whole number of at "
                         f"least 1, not {value!r}")
    return int(value)


def served_catalog(loaded: radicale_config.Configuration, catalog: Catalog | None) -> Catalog:
    """The databases to serve: ``catalog``, else the one of ``[storage] database_url``."""
    url = loaded.get("storage", "database_url")
    if catalog is None or catalog.source is None:
        return single(url)
    if catalog.source is not None and url != catalog.default.url:
        raise CatalogError(f"the databases are named in {catalog.source}; leave [storage] "
                           "database_url out of the server's configuration")
    for database in catalog.databases:
        try:
            settings_from(directory_options(loaded) | dict(database.directory))
        except DirectorySettingError as error:
            raise CatalogError(f"{catalog.source}: [database {database.name}]: {error} (over "
                               "the server's [auth])") from error
    return catalog


def check_addresses(loaded: radicale_config.Configuration) -> None:
    """Refuse, in words, an address the server could not listen on (Radicale's server would
    end with "No servers started", gunicorn retry for seconds and then end)."""
    for host, port in loaded.get("server", "hosts"):
        _check_free(host, port)


def _check_free(host: str, port: int) -> None:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror}") from error
    family, kind, protocol, _, address = found[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind(address)
        except OSError as error:
            hint = (" — is another `bridge serve` running? Stop it or choose another port "
                    "(--port)" if error.errno == errno.EADDRINUSE else "")
            raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror}{hint}") \
                from error


def serve(loaded: radicale_config.Configuration, catalog: Catalog | None = None,
          workers: int = 1) -> None:
    """What `bridge serve` runs: gunicorn's master keeping ``workers`` processes that run our
    application for the databases of ``catalog`` (``storage_plugin.databases``; by default
    the one of ``[storage] database_url``), until it is stopped by a signal
    (``storage_plugin.workers``). One process too: gunicorn keeps a client's connection open
    for its next request (HTTP/1.1) without holding a thread for it, where Radicale's own
    server closes every connection after one answer; and it replaces a process whose request
    is stuck."""
    served = served_catalog(loaded, catalog)
    sys.setswitchinterval(SWITCH_INTERVAL)  # (the workers are forked from this process)
    Workers(loaded, served, workers, LISTEN_BACKLOG).run()


def serve_in_thread(loaded: radicale_config.Configuration, shutdown_socket: socket.socket,
                    catalog: Catalog | None = None) -> None:
    """Radicale's own threaded server running our application for the databases of
    ``catalog``, in the calling thread of this process, until ``shutdown_socket``'s peer is
    closed: for a program that runs the server beside its own work (the tests do). A
    connection is closed after its answer, and a stuck request is only logged (one process
    cannot stop its thread)."""
    served = served_catalog(loaded, catalog)
    sys.setswitchinterval(SWITCH_INTERVAL)
    start_logging(loaded)
    budget.watch()

    def application(configuration: radicale_config.Configuration) -> WSGIApplication:
        return behind_proxies(monitored(configuration, served,
                                        Databases(configuration, catalog=served)), configuration)

    radicale_compat.use_application(application)  # what Radicale's server makes
    # Radicale's server starts a thread for every connection: 0.3 to 1.2 ms of a poll that
    # takes 1.3 ms of work (a new thread's start, and its cold caches).
    radicale_compat.run_connections_on(CONNECTION_THREADS.submit)
    radicale_compat.write_answers_whole()
    # Radicale's server listens with socketserver's backlog of 5: of a burst of clients
    # connecting at once, some would be dropped.
    radicale_compat.set_listen_backlog(LISTEN_BACKLOG)
    dispatchers = start_dispatchers(loaded, served)
    try:
        server.serve(loaded, shutdown_socket)
    finally:
        for dispatcher in dispatchers:
            dispatcher.stop()


class ConnectionThreads:
    """Threads that answer connections, each kept for the next connection once it has
    answered one (instead of a new thread per connection): as many as were ever answering
    at once — Radicale's server answers at most ``max_connections`` at once (it accepts no
    more until one is done), so no connection waits here for a thread. One set per process
    (``CONNECTION_THREADS``), whatever servers it runs. A connection runs in a context of its
    own (an empty one, as on a new thread: nothing of the last one's request is left there);
    the threads are daemons, as Radicale's are (a request stuck in work that never ends does
    not keep the process from stopping) — which is why this is not a
    ``concurrent.futures.ThreadPoolExecutor``: it joins its threads when the interpreter
    exits."""

    def __init__(self) -> None:
        self._work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._started = 0

    def submit(self, work: Callable[[], None]) -> None:
        self._work.put(work)
        if self._idle.acquire(blocking=False):  # a thread waits for it (or will at once)
            return
        with self._lock:
            self._started += 1
            number = self._started
        threading.Thread(target=self._answer, daemon=True,
                         name=f"connection {number}").start()

    def _answer(self) -> None:
        while True:
            work = self._work.get()
            # (socketserver's process_request_thread handles the connection's errors; one
            # that escapes it ends this thread, and Python logs it)
            contextvars.Context().run(work)
            del work
            self._idle.release()


CONNECTION_THREADS = ConnectionThreads()
