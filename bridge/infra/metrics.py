"""The server's metrics, in Prometheus' terms: defined here once, observed by the layers that
see them (the server's requests, write transactions, sign-ins, the render cache), served at
``/metrics`` (``storage_plugin.monitoring``); ``docs/operators/monitoring.md`` lists them.

**Several processes.** Under ``bridge serve --workers N`` each worker counts for itself and
``/metrics`` answers what all of them counted: :func:`share_between_processes` (called by
the master before it starts any worker) puts every value in files of one directory
(``prometheus_client``'s multiprocess mode), and :func:`process_ended` forgets what a
worker that ended kept open. So that no value is made before that, every metric here has
labels (a value is made for a label set when it is first used, in a worker).

**Database counts.** What the database holds — open kept client values, import runs by
outcome and their rows (also those of `bridge import` commands) — is read when ``/metrics``
is asked (:class:`DatabaseCounts`: one query each, kept :data:`COUNTS_SECONDS`).
"""

import functools
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from bridge.models.lost import LostValue
from bridge.models.runs import ImportRun

logger = logging.getLogger("bridge.metrics")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
COUNTS_SECONDS = 10.0
"""How long the database counts of one scrape are reused by the next ones."""
IMPORT_COUNTS = ("read", "imported", "updated", "unchanged", "skipped", "delayed")
"""The row counts of an import run (``bridge.importing.report.COUNTS``)."""

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LOCK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "bridge_requests", "HTTP requests answered, by method, kind of collection or page, and "
    "status", ["method", "kind", "status"])
REQUEST_SECONDS = Histogram(
    "bridge_request_duration_seconds", "Seconds from a request's arrival to the end of its "
    "answer, by method and kind of collection or page", ["method", "kind"],
    buckets=LATENCY_BUCKETS)
WRITE_LOCK_WAIT = Histogram(
    "bridge_write_lock_wait_seconds", "Seconds a write transaction waited for its write locks "
    "(SQLite's one write lock, PostgreSQL's advisory locks), by database kind", ["dialect"],
    buckets=LOCK_BUCKETS)
WRITE_LOCK_HELD = Histogram(
    "bridge_write_lock_held_seconds", "Seconds a write transaction held its write locks, by "
    "database kind", ["dialect"], buckets=LOCK_BUCKETS)
UNAVAILABLE = Counter(
    "bridge_unavailable_answers", "Requests answered 503 Service Unavailable, by cause",
    ["cause"])
SIGN_IN_FAILURES = Counter(
    "bridge_sign_in_failures", "Sign-ins refused (a wrong password, a login not active, the "
    "directory unavailable), by place (calendar server, cockpit) and reason",
    ["place", "reason"])
THROTTLED_LOGINS = Counter(
    "bridge_sign_in_throttled", "Sign-ins refused unchecked while the login or address is "
    "locked after too many failures, by place", ["place"])
RENDER_CACHE = Counter(
    "bridge_render_cache_lookups", "Item texts looked up among those rendered ahead: hit (used "
    "as rendered) or miss (rendered when asked), by kind of item", ["kind", "result"])


class Cause:
    """Causes of a 503 answer (the ``cause`` label of ``bridge_unavailable_answers``)."""

    BUDGET = "budget"
    """The request ran past its budget of work and was stopped."""
    BUSY = "write_conflict"
    """A write conflict persisted, or a write lock's wait ran out."""
    DATABASE_LOST = "database_lost"
    """The request lost its database connection."""
    DATABASE = "database"
    """The request's database is not reachable or not prepared (``/readyz`` says which)."""
    DIRECTORY = "directory"
    """The sign-in directory could not check the password."""
    OTHER = "other"


@dataclass
class Observation:
    """What the layers learn about the request being answered (``storage_plugin.monitoring``
    reads it once the request is answered)."""

    login: str = ""
    """Who signed in ("": nobody)."""
    cause: str | None = None
    """Why the request was answered 503 (:class:`Cause`), if it was."""


_observation: ContextVar[Observation | None] = ContextVar("bridge_observation", default=None)


def observing() -> tuple[Observation, object]:
    """Start observing a request in this thread: its observation, and a token for
    :func:`stop_observing`."""
    observation = Observation()
    return observation, _observation.set(observation)


def stop_observing(token: object) -> None:
    _observation.reset(token)  # type: ignore[arg-type]  # (the token observing() gave)


def observation() -> Observation:
    """The observation of the request this thread answers (a throwaway outside a request)."""
    return _observation.get() or Observation()


def unavailable(cause: str) -> None:
    """The request is answered 503 for ``cause`` (counted once, as the request ends)."""
    observation().cause = cause


@functools.cache
def _render_cache(kind: str, result: str) -> Counter:
    return RENDER_CACHE.labels(kind, result)


def render_cache(kind: str, hit: bool) -> None:
    """An item's text was looked up among those rendered ahead (``kind``: activity, customer)."""
    _render_cache(kind, "hit" if hit else "miss").inc()


# --- several processes ------------------------------------------------------------------


def share_between_processes(directory: Path) -> None:
    """Count in files of ``directory`` from now on (before any worker starts), so that the
    metrics of every process are read together (see the module's docstring)."""
    os.environ[MULTIPROCESS_ENV] = str(directory)
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


def process_ended(pid: int) -> None:
    """A worker ended: forget the values it kept open (live values of its own)."""
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class SharedCounts(Collector):
    """What every process counted, in the files of ``directory`` — read as
    ``prometheus_client``'s MultiProcessCollector reads them, but for a file a process has
    just created and not yet sized: it counts nothing yet, and read it would fail the whole
    page (``struct.error``: a ``/metrics`` answered 500 while a worker started counting)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def collect(self) -> Iterable[Metric]:
        files = [str(path) for path in self._directory.glob("*.db") if _sized(path)]
        found: Iterable[Metric] = multiprocess.MultiProcessCollector.merge(  # type: ignore[no-untyped-call]
            files, accumulate=True)
        return found


def _sized(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:  # (a live gauge's file, removed as its process ended)
        return False


def exposition(collectors: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The metrics of this server (all its processes), and ``collectors``', in Prometheus'
    text format: the body and its content type."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        registry = CollectorRegistry()
        registry.register(SharedCounts(Path(directory)))
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    for collector in collectors:
        extra.register(collector)
    return body + generate_latest(extra), CONTENT_TYPE_LATEST


# --- counts in the database -------------------------------------------------------------


class DatabaseCounts(Collector):
    """Open kept client values and import runs of each database, read when scraped (a
    database that cannot be read is left out: ``/readyz`` names it)."""

    def __init__(self, engines: dict[str, Engine]) -> None:
        self._engines = engines
        self._lock = threading.Lock()
        self._kept: list[Metric] = []
        self._read_at = float("-inf")

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if time.monotonic() - self._read_at > COUNTS_SECONDS:
                self._kept = self._read()
                self._read_at = time.monotonic()
            return iter(self._kept)

    def _read(self) -> list[Metric]:
        kept = GaugeMetricFamily(
            "bridge_kept_client_values_open", "Client values HQ did not take, kept for a "
            "decision in the cockpit and not decided yet, by database", labels=["database"])
        runs = CounterMetricFamily(
            "bridge_import_runs", "Import runs recorded in the database, by database, job and "
            "outcome (running, succeeded, failed, interrupted)",
            labels=["database", "job", "outcome"])
        rows = CounterMetricFamily(
            "bridge_import_rows", "Rows of the import runs recorded, by database, job and what "
            "became of them (read, imported, updated, unchanged, skipped, delayed)",
            labels=["database", "job", "count"])
        for name, engine in self._engines.items():
            try:
                with engine.connect() as connection:
                    open_values = connection.scalar(select(func.count(LostValue.id)).where(
                        LostValue.resolved_at.is_(None)))
                    by_outcome = connection.execute(
                        select(ImportRun.job, ImportRun.status, func.count(ImportRun.id),
                               *(func.coalesce(func.sum(getattr(ImportRun, count)), 0)
                                 for count in IMPORT_COUNTS))
                        .group_by(ImportRun.job, ImportRun.status)).all()
            except SQLAlchemyError as error:
                logger.info("metrics: the counts of database %s were not read: %s", name,
                            getattr(error, "orig", error))
                continue
            kept.add_metric([name], open_values or 0)
            totals: dict[tuple[str, str], int] = {}
            for job, status, number, *counts in by_outcome:
                runs.add_metric([name, job, status], number)
                for count, value in zip(IMPORT_COUNTS, counts, strict=True):
                    totals[job, count] = totals.get((job, count), 0) + int(value)
            for (job, count), value in totals.items():
                rows.add_metric([name, job, count], value)
        return [kept, runs, rows]
