"""`bridge serve [--workers N]`: the application in N processes (1 by default), under gunicorn.

Gunicorn's master listens and keeps N worker processes running (one killed is replaced);
each worker builds its own application — its own engines and connection pools, never shared
across a fork — with as many threads as Radicale's ``max_connections``. Everything the
workers must agree on is in the database (items, sync tokens, ETags, the change log, the
login throttle, the cockpit's signing key); what a worker remembers for itself (a checked
password, the employees) is re-checked against it (see ``bridge.hq.authentication``,
``Directory``).

A client's connection is kept open for its next request (HTTP/1.1, for ``[server]
timeout``) without holding a thread while it is idle: a phone's poll does not pay a new
connection (and over TLS a new handshake) each time, as it does with Radicale's own server,
which closes every connection after one answer. A client beyond capacity waits in the
listen backlog until a thread is free; it is never reset.

TLS is served as Radicale serves it (``[server] ssl``, ``certificate``, ``key``,
``certificate_authority`` for client certificates), the client's certificate handed to the
application as Radicale's server hands it (``REMOTE_CERTIFICATE``).

A worker whose request is stuck — still running at ``[storage] hard_limit`` times its budget
(``bridge.infra.budget``), in work that never checks it — is replaced. Gunicorn's ``gthread``
worker tells the master it is alive from its main loop, which goes on whatever its request
threads do: a thread spinning in a loop would keep its worker "alive" for ever, holding its
lock. :class:`Worker` makes that heartbeat depend on the requests: once one is past its hard
limit, it logs the request and where its thread is, stops its heartbeat (the master's
``timeout`` then ends it, whatever else happens), stops accepting connections, lets its other
requests finish (up to :data:`GRACEFUL_SECONDS`) and exits; the master starts a new worker,
the others serve on. The database rolls back the stuck request's transaction when its
connection closes with the process.
"""

import os
import shutil
import ssl
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from radicale import config as radicale_config
from radicale import types

from bridge.infra import budget, metrics
from bridge.infra.catalog import Catalog
from storage_plugin import radicale_compat
from storage_plugin.databases import Databases
from storage_plugin.logs import start_logging
from storage_plugin.monitoring import monitored
from storage_plugin.proxy import WSGIApplication, behind_proxies, writable
from storage_plugin.push import start_dispatchers

DEFAULT_THREADS = 20
GRACEFUL_SECONDS = 10
"""How long a stopping worker may finish the requests it holds."""
STUCK_EXIT = 1
"""The exit status of a worker that ended because a request was stuck (gunicorn starts
another one; 3 and 4 would stop the server)."""


class Worker(ThreadWorker):
    """Gunicorn's ``gthread`` worker whose heartbeat stops once a request is stuck (see the
    module's docstring)."""

    stuck = False

    def notify(self) -> None:
        """The heartbeat (every second, from the main loop): only while no request is past
        its hard limit."""
        overdue = budget.overdue()
        if not overdue:
            if not self.stuck:
                super().notify()
            return
        for each in overdue:
            budget.report_stuck(each, f"worker {os.getpid()} stops and is replaced")
        if not self.stuck:
            self.stuck = True
            self.alive = False  # (the main loop stops accepting and lets the others finish)

    def run(self) -> None:
        super().run()
        if self.stuck:  # (not sys.exit: Python would wait for the stuck thread for ever)
            self.log.warning("worker %d ends: a request of it was stuck", os.getpid())
            sys.stderr.flush()
            os._exit(STUCK_EXIT)


class Workers(BaseApplication):
    def __init__(self, loaded: radicale_config.Configuration, catalog: Catalog, workers: int,
                 backlog: int) -> None:
        self._loaded, self._catalog = loaded, catalog
        self._settings = _settings(loaded, workers, backlog)
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._settings.items():
            self.cfg.set(name, value)

    def load(self) -> WSGIApplication:
        """A worker's application (gunicorn calls this in each worker, after the fork)."""
        start_logging(self._loaded)
        start_dispatchers(self._loaded, self._catalog)
        return _with_peer_certificate(behind_proxies(monitored(
            self._loaded, self._catalog, Databases(self._loaded, catalog=self._catalog)),
            self._loaded))

    def run(self) -> None:
        """Gunicorn's master, its workers' metrics counted in a directory of its own
        (``bridge.infra.metrics``), removed when it ends (by the master: a worker ends by
        raising SystemExit through this call too)."""
        directory, master = tempfile.mkdtemp(prefix="bridge-metrics-"), os.getpid()
        metrics.share_between_processes(Path(directory))
        try:
            super().run()
        finally:
            if os.getpid() == master:
                shutil.rmtree(directory, ignore_errors=True)


def threads_of(loaded: radicale_config.Configuration) -> int:
    """The request threads of each server process (``[server] max_connections``; 0, no
    limit, is taken as the default)."""
    return loaded.get("server", "max_connections") or DEFAULT_THREADS


def _settings(loaded: radicale_config.Configuration, workers: int,
              backlog: int) -> dict[str, Any]:
    threads = threads_of(loaded)
    settings: dict[str, Any] = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                 for host, port in loaded.get("server", "hosts")],
        "workers": workers, "worker_class": Worker, "threads": threads,
        "backlog": backlog, "timeout": int(max(loaded.get("server", "timeout"), 30)),
        # An idle connection is kept as long as Radicale's server keeps it (gunicorn's own
        # 2 s closed connections that clients were about to send their next request on).
        "keepalive": int(loaded.get("server", "timeout")),
        "graceful_timeout": GRACEFUL_SECONDS, "proc_name": "bridge serve",
        "accesslog": None, "errorlog": "-",
        "loglevel": loaded.get("logging", "level"),
        "forwarded_allow_ips": "",  # (Radicale reads X-Forwarded-*, see [server] script_name)
        "child_exit": lambda _arbiter, worker: metrics.process_ended(worker.pid),
    }
    if loaded.get("server", "ssl"):
        settings.update(certfile=loaded.get("server", "certificate"),
                        keyfile=loaded.get("server", "key"))
        authority = loaded.get("server", "certificate_authority")
        if authority:
            settings.update(ca_certs=authority, cert_reqs=ssl.CERT_REQUIRED)
        if loaded.get("server", "ciphersuite"):
            settings.update(ciphers=loaded.get("server", "ciphersuite"))
        protocol = loaded.get("server", "protocol")
        if protocol:
            settings.update(ssl_context=lambda _config, default: _limited(default(), protocol))
    return settings


def _limited(context: ssl.SSLContext, protocol: str) -> ssl.SSLContext:
    radicale_compat.limit_tls_protocols(context, protocol)
    return context


def _with_peer_certificate(application: WSGIApplication) -> WSGIApplication:
    """``application``, given the TLS client's certificate as Radicale's server gives it."""

    def served(environ: types.WSGIEnviron,
               start_response: types.WSGIStartResponse) -> Iterable[bytes]:
        connection = environ.get("gunicorn.socket")
        if isinstance(connection, ssl.SSLSocket):
            writable(environ).update(HTTPS="on", REMOTE_CERTIFICATE=connection.getpeercert())
        return application(environ, start_response)

    return served
