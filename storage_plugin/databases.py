"""One `bridge serve` for several HQ databases (``bridge.infra.catalog``).

Each database has an application of its own (``storage_plugin.wsgi``: Radicale with our
plugins, and the cockpit) on its own engine, so that nothing of one database reaches another:
not an item, a sync token, an ETag, a login or a cached password. This layer only picks the
application of each request:

- a path under ``/NAME/`` belongs to database NAME (its calendars are at ``/NAME/LOGIN/…``,
  its cockpit at ``/NAME/cockpit/``); every other path to the default database, at the root
  as when there is one database;
- the realm of a login (``bwilson@emea``, ``bwilson%40emea`` as iOS sends it) names the
  database the login belongs to: at the server's root (and ``/.well-known/``) it leads
  there — a 307 keeps the method and body — so that calendar clients discover everything
  from the server address; a path of another database is refused (403). A login without a
  realm belongs to the database of the path; it is never tried on any other database;
- the application sees the login without its realm;
- a database that cannot be reached or is not prepared answers its requests 503 with the
  reason and ``Retry-After`` (checked every few seconds); the others are not affected.
"""

import base64
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from radicale import types
from radicale.log import logger
from sqlalchemy import Engine

from bridge.infra import metrics
from bridge.infra.catalog import Catalog, Database
from bridge.infra.db import shared_engine
from bridge.infra.readiness import problem
from storage_plugin import proxy
from storage_plugin.cockpit import PREFIX as COCKPIT
from storage_plugin.pages import answer, basic_credentials
from storage_plugin.wsgi import Application

CHECK_EVERY = 5.0
"""Seconds a database's state (reachable and prepared) is trusted before it is checked again."""
RETRY_AFTER_SECONDS = 30
DISCOVERY = ("/.well-known/caldav", "/.well-known/carddav")
STOCK_REALM = "Radicale - Password Required"


@dataclass
class _Gate:
    """Whether a database can be served: checked every :data:`CHECK_EVERY` seconds, and
    after a request of it failed (one check at a time)."""

    database: Database
    engine: Engine
    _problem: tuple[str, str] | None = None
    _checked_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refusal(self, since: float | None = None) -> str | None:
        """Why the database cannot be served now (None: it can), as last checked. A check
        older than a few seconds is made again by one request while the others go by the
        last answer (a database host that does not answer holds one request, not all);
        with ``since`` (a time.monotonic() of a request that failed) it waits for a check
        made after that moment."""
        if since is not None:
            with self._lock:
                if self._checked_at < since:
                    self._check()
        elif time.monotonic() - self._checked_at > CHECK_EVERY and self._lock.acquire(False):
            try:
                self._check()
            finally:
                self._lock.release()
        return None if self._problem is None else self._problem[0]

    def _check(self) -> None:
        found = problem(self.engine)
        if found != self._problem:
            logger.warning("database %s: %s", self.database.name,
                           found[1] if found else "ready again")
        self._problem, self._checked_at = found, time.monotonic()


@dataclass
class _Mounted:
    database: Database
    mount: str
    application: Application
    gate: _Gate


class Databases:
    """The WSGI application `bridge serve` runs: one :class:`Application` per database."""

    def __init__(self, configuration: Any, catalog: Catalog) -> None:
        self._catalog = catalog
        script_name = self._script_name = configuration.get("server", "script_name")
        self._mounted: dict[str, _Mounted] = {}
        for database in catalog.databases:
            mount = catalog.mount(database)
            own = configuration.copy()
            own.update({"storage": {"database_url": database.url,
                                    "sync_token_namespace": mount.strip("/")}},
                       f"database {database.name}")
            if database.directory:  # its own sign-in directory (bridge.infra.catalog)
                own.update({"auth": dict(database.directory)}, f"database {database.name}")
            if script_name and mount:  # Radicale's base for proxied requests
                own.update({"server": {"script_name": script_name + mount}}, "databases")
            if catalog.several and configuration.get("auth", "realm") == STOCK_REALM:
                # what a client shows when it asks for the password
                own.update({"auth": {"realm": f"HQ database {database.title}"}}, "databases")
            self._mounted[database.name] = _Mounted(
                database, mount, Application(own, catalog, database),
                _Gate(database, shared_engine(database.url)))
        self._default = self._mounted[catalog.default.name]

    def __call__(self, environ: types.WSGIEnviron,
                 start_response: types.WSGIStartResponse) -> Iterable[bytes]:
        split = proxy.split(environ, self._script_name)
        if split is None:
            return answer(start_response, "400 Bad Request",
                          "X-Script-Name must be a path on this server.\n", [])
        base, path = split
        first, _, rest = path.lstrip("/").partition("/")
        by_path = self._mounted.get(first) if first else None
        if by_path is self._default:  # the default database is at the root only
            by_path = None
        realm = _realm(self._catalog, environ)
        by_login = realm and self._mounted[realm.name]
        if by_path is not None:
            target, inner = by_path, "/" + rest
        elif by_login and by_login is not self._default and (
                path == "/" or path.rstrip("/") in DISCOVERY):
            if path == "/":
                return answer(start_response, "307 Temporary Redirect", "", [
                    ("Location", base + by_login.mount + "/")])
            target, inner = by_login, path
        else:
            target, inner = self._default, path
        if by_login and by_login is not target and not inner.startswith(COCKPIT + "/"):
            # (the cockpit signs in with its own form: a browser's Basic credentials for the
            # calendars of another database do not concern it)
            return answer(start_response, "403 Forbidden",
                          f"This address belongs to the database {target.database.title}; "
                          f"the login names the database {by_login.database.title}.\n", [])
        refusal = target.gate.refusal()
        if refusal is not None:
            return _unavailable(start_response, target.database, refusal)
        if target is not self._default:
            environ = _inner(environ, target.mount, inner)
        return _served(target, environ, start_response)


def _served(target: _Mounted, environ: types.WSGIEnviron,
            start_response: types.WSGIStartResponse) -> Iterable[bytes]:
    """The application's answer — but a failure (500, 503) of a database found down
    meanwhile is that database's 503, with the reason."""
    captured: list[tuple[str, list[tuple[str, str]]]] = []
    body = target.application(environ, lambda status, headers, *_: captured.append(
        (status, headers)))
    status, headers = captured[0]  # (both applications start their answer at once)
    if status.startswith(("500", "503")):  # (503: the application found the database lost)
        refusal = target.gate.refusal(since=time.monotonic())
        if refusal is not None:
            getattr(body, "close", lambda: None)()
            return _unavailable(start_response, target.database, refusal)
    start_response(status, headers)
    return body


def _unavailable(start_response: types.WSGIStartResponse, database: Database,
                 refusal: str) -> Iterable[bytes]:
    metrics.unavailable(metrics.Cause.DATABASE)
    return answer(start_response, "503 Service Unavailable",
                  f"The database {database.title} is {refusal}; the other databases of this "
                  "server are not affected. Please try again later.\n",
                  [("Retry-After", str(RETRY_AFTER_SECONDS))])


def _realm(catalog: Catalog, environ: types.WSGIEnviron) -> Database | None:
    """The database the request's login names (None: no realm); the login the application
    sees is put in place without it."""
    credentials = basic_credentials(environ)
    if credentials is None:
        return None
    login, realm = catalog.realm(credentials[0])
    if realm is not None:
        plain = base64.b64encode(f"{login}:{credentials[1]}".encode()).decode()
        proxy.writable(environ)["HTTP_AUTHORIZATION"] = f"Basic {plain}"
    return realm


def _inner(environ: types.WSGIEnviron, mount: str, path: str) -> types.WSGIEnviron:
    """The request as the database's application sees it: mounted at ``mount``."""
    inner = dict(environ)
    inner["PATH_INFO"] = path
    inner["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + mount
    if "HTTP_X_SCRIPT_NAME" in environ:
        inner["HTTP_X_SCRIPT_NAME"] = environ["HTTP_X_SCRIPT_NAME"].rstrip("/") + mount
    return inner
