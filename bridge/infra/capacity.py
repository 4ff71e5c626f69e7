"""Whether the PostgreSQL servers behind `bridge serve` allow the connections it may open.

Each busy request thread of a server process holds one database connection at a time, and
each database's pool keeps up to :data:`~bridge.infra.db.SERVER_POOL_KEPT` idle ones after
use. A PostgreSQL server that allows fewer than the server processes may hold answers the
requests beyond them 503 under load: `bridge serve` says so as it starts, with what to
change, rather than leaving the operator to find it in the logs of a busy day.
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bridge.infra.db import SERVER_POOL_KEPT, make_engine


@dataclass(frozen=True)
class Limits:
    """A PostgreSQL server's connection limits (``SHOW max_connections``, and those of
    them kept for superusers)."""

    max_connections: int
    reserved: int

    @property
    def allowed(self) -> int:
        return self.max_connections - self.reserved


def wanted(processes: int, threads: int, databases: int) -> int:
    """The most connections ``processes`` server processes of ``threads`` threads each may
    hold on one PostgreSQL server holding ``databases`` of the databases they serve."""
    return processes * (threads + SERVER_POOL_KEPT * (databases - 1))


def shortfall(server: str, limits: Limits, processes: int, threads: int,
              databases: int) -> str | None:
    """What to tell the operator when ``server`` allows fewer connections than the server
    processes may hold; None when it allows enough."""
    needed = wanted(processes, threads, databases)
    if needed <= limits.allowed:
        return None
    served = f"{processes} server process{'es' if processes > 1 else ''} × {threads} threads"
    if databases > 1:
        served += f" over {databases} of its databases"
    return (f"PostgreSQL at {server} allows {limits.allowed} connections (max_connections "
            f"{limits.max_connections}, {limits.reserved} kept for superusers), but "
            f"{served} may hold {needed}: under load the requests beyond are answered 503. "
            f"Raise max_connections to at least {needed + limits.reserved} in postgresql.conf "
            "(imports and other clients need some more), or serve with fewer processes "
            "(--workers) or threads ([server] max_connections).")


def check(urls: list[str], processes: int, threads: int) -> list[str]:
    """:func:`shortfall` of each PostgreSQL server among ``urls`` (those not reachable are
    left to the server's own report of them)."""
    servers = Counter(_server(url) for url in urls if _server(url))
    found: list[str] = []
    for server, databases in servers.items():
        limits = _limits(next(url for url in urls if _server(url) == server))
        said = limits and shortfall(server, limits, processes, threads, databases)
        if said:
            found.append(said)
    return found


def _server(url: str) -> str | None:
    """``host:port`` of a PostgreSQL database's server; None for SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def _limits(url: str) -> Limits | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return Limits(int(connection.exec_driver_sql("SHOW max_connections").scalar_one()),
                          int(connection.exec_driver_sql(
                              "SHOW superuser_reserved_connections").scalar_one()))
    except DBAPIError:
        return None
    finally:
        engine.dispose()
