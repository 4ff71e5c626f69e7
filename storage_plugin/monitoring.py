"""What load balancers, orchestrators and Prometheus ask the server, answered before anything
else (no sign-in, no database gate), and what is seen of every request.

- ``GET /healthz``: the process answers (200; it reads no database);
- ``GET /readyz``: each HQ database of the server is reachable and at this version's schema
  (200), else 503 naming each database that is not, and why;
- ``GET /metrics``: the metrics (``bridge.infra.metrics``) in Prometheus' text format; with
  ``[storage] metrics_token`` only for ``Authorization: Bearer TOKEN``;
- ``/favicon.ico``: 204 (a browser asks for it; it got a 401 asking for a password).

Every request is counted (method, kind of collection or page, status) and timed to the end
of its answer; with ``[storage] access_log = True`` one INFO line of ``bridge.access`` says
what was asked and answered — with the secrets of paths (a feed's ``/feeds/SECRET.ics``,
a staged upload's preview) and every value of a query string masked.
"""

import hmac
import logging
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote

from radicale import types

from bridge.hq.placement import Projection
from bridge.infra import metrics
from bridge.infra.catalog import Catalog
from bridge.infra.db import shared_engine
from bridge.infra.readiness import problem
from storage_plugin import proxy
from storage_plugin.options import flag, option
from storage_plugin.pages import answer
from storage_plugin.proxy import WSGIApplication

access_logger = logging.getLogger("bridge.access")

METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "PROPPATCH", "REPORT", "PUT",
                     "DELETE", "MOVE", "COPY", "MKCOL", "MKCALENDAR", "POST", "LOCK", "UNLOCK",
                     "ACL"})
"""Methods counted by name (any other is counted as OTHER: a label set stays bounded)."""
PAGES = {"": "root", ".well-known": "discovery", "cockpit": "cockpit", "feeds": "feeds",
         "freebusy": "freebusy", "scheduling": "scheduling", "healthz": "monitoring",
         "readyz": "monitoring", "metrics": "monitoring", "favicon.ico": "monitoring"}
"""Kinds of request by the first segment of the path (else a login's: see :func:`kind_of`)."""
COLLECTIONS = frozenset(projection.value for projection in Projection)
SECRET_PATHS = (re.compile(r"(/feeds/)[^/?]+?(\.ics)?$"),
                re.compile(r"(/imports/preview/)[^/?]+()"))
MASK = "***"


def monitored(configuration: Any, catalog: Catalog,
              application: WSGIApplication) -> WSGIApplication:
    """``application`` behind the pages of this module, its requests counted and logged."""
    return _Monitored(configuration, catalog, application)


class _Monitored:
    def __init__(self, configuration: Any, catalog: Catalog,
                 application: WSGIApplication) -> None:
        self._application = application
        self._catalog = catalog
        self._script_name = configuration.get("server", "script_name")
        self._token = str(option(configuration, "metrics_token") or "").strip()
        self._access_log = flag(configuration, "access_log", False)
        self._mounts = {database.name for database in catalog.databases
                        if database != catalog.default}
        self._counts = metrics.DatabaseCounts(
            {database.name: shared_engine(database.url) for database in catalog.databases})

    def __call__(self, environ: types.WSGIEnviron,
                 start_response: types.WSGIStartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        observation, token = metrics.observing()
        statuses: list[str] = []

        def starting(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *rest)

        split = proxy.split(environ, self._script_name)
        path = split[1] if split is not None else ""
        try:
            page = self._page(path, environ, starting)
            answered = page if page is not None else self._application(environ, starting)
        except BaseException:
            statuses.append("500")
            self._done(environ, path, statuses[-1], observation, started, 0)
            raise
        finally:
            metrics.stop_observing(token)
        def done(sent: int) -> None:
            self._done(environ, path, statuses[-1] if statuses else "500", observation,
                       started, sent)

        if isinstance(answered, list):  # (a list still: a server may count its parts)
            return _Listed(answered, done)
        return _Counted(answered, done)

    def _page(self, path: str, environ: types.WSGIEnviron,
              start_response: types.WSGIStartResponse) -> Iterable[bytes] | None:
        """The answer of this module's pages (None: the request is not for them)."""
        if path == "/healthz":
            return answer(start_response, "200 OK", "ok\n", [("Cache-Control", "no-store")])
        if path == "/readyz":
            return self._readiness(start_response)
        if path == "/metrics":
            return self._metrics(environ, start_response)
        if path == "/favicon.ico":
            start_response("204 No Content", [("Cache-Control", "max-age=86400")])
            return [b""]
        return None

    def _readiness(self, start_response: types.WSGIStartResponse) -> Iterable[bytes]:
        problems = []
        for database in self._catalog.databases:
            found = problem(shared_engine(database.url))
            if found is not None:
                problems.append(f"database {database.name} ({database.title}): {found[0]}")
        if problems:
            return answer(start_response, "503 Service Unavailable",
                          "not ready:\n" + "".join(f"{each}\n" for each in problems),
                          [("Cache-Control", "no-store")])
        names = ", ".join(database.name for database in self._catalog.databases)
        return answer(start_response, "200 OK", f"ready: {names}\n",
                      [("Cache-Control", "no-store")])

    def _metrics(self, environ: types.WSGIEnviron,
                 start_response: types.WSGIStartResponse) -> Iterable[bytes]:
        if self._token:
            scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                    given.strip().encode(), self._token.encode()):
                return answer(start_response, "401 Unauthorized",
                              "The metrics need the server's metrics token.\n",
                              [("WWW-Authenticate", 'Bearer realm="metrics"')])
        body, content_type = metrics.exposition([self._counts])
        start_response("200 OK", [("Content-Type", content_type),
                                  ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [body]

    def _done(self, environ: types.WSGIEnviron, path: str, status: str,
              observation: metrics.Observation, started: float, sent: int) -> None:
        """Count the request, and log it if the access log is on."""
        seconds = time.monotonic() - started
        method = environ.get("REQUEST_METHOD", "")
        method = method if method in METHODS else "OTHER"
        kind = kind_of(path, self._mounts)
        code = status.partition(" ")[0]
        metrics.REQUESTS.labels(method, kind, code).inc()
        metrics.REQUEST_SECONDS.labels(method, kind).observe(seconds)
        if code == "503" and kind != "monitoring":  # (/readyz says not ready: not an outage)
            metrics.UNAVAILABLE.labels(observation.cause or metrics.Cause.OTHER).inc()
        if self._access_log:
            access_logger.info('%s %s "%s %s" %s %d B %.0f ms', environ.get("REMOTE_ADDR", "-"),
                               observation.login or "-", method, shown_path(environ), code,
                               sent, seconds * 1000)


class _Closing:
    """Closes an answer's body once, then tells ``done`` how many bytes were sent."""

    _body: Iterable[bytes]
    _done: Callable[[int], None]
    _closed: bool = False

    def _sent_bytes(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            getattr(self._body, "close", lambda: None)()
        finally:
            self._done(self._sent_bytes())


class _Listed(_Closing, list[bytes]):
    """An answer's body given whole (a list), as :class:`_Counted` sees it through."""

    def __init__(self, body: list[bytes], done: Callable[[int], None]) -> None:
        super().__init__(body)
        self._body, self._done = body, done

    def _sent_bytes(self) -> int:
        return sum(map(len, self))


class _Counted(_Closing):
    """An answer's body, its bytes counted as they are sent; ``done`` is told how many once
    the server closes it (the answer was sent)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self._body, self._done, self._sent = body, done, 0

    def __iter__(self) -> Iterator[bytes]:
        for part in self._body:
            self._sent += len(part)
            yield part

    def _sent_bytes(self) -> int:
        return self._sent


def kind_of(path: str, mounts: Collection[str] = ()) -> str:
    """The kind of a request's path (below the server's prefix), as counted: a page's
    (``cockpit``, ``feeds``…), ``principal``, a provisioned collection's (``appointments``,
    ``mobile``, ``tasks``, ``customers``) or ``other`` (a collection of the user's own)."""
    segments = path.strip("/").split("/")
    if segments[0] in mounts:
        segments = segments[1:] or [""]
    first = segments[0]
    if first in PAGES:
        return PAGES[first]
    if len(segments) == 1:
        return "principal"
    return segments[1] if segments[1] in COLLECTIONS else "other"


def shown_path(environ: types.WSGIEnviron) -> str:
    """The request's path as the access log shows it: its secrets masked, and each value of
    its query string."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    for secret in SECRET_PATHS:
        path = secret.sub(lambda found: f"{found.group(1)}{MASK}{found.group(2) or ''}", path)
    query = environ.get("QUERY_STRING", "")
    if not query:
        return quote(path, safe="/@:+,;=-._~!$&'()*")
    masked = "&".join(f"{quote(name)}={MASK}" if value else quote(name)
                      for name, value in parse_qsl(query, keep_blank_values=True))
    return f"{quote(path, safe='/@:+,;=-._~!$&()*')}?{masked}"
