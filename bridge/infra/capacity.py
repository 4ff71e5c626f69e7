"""Whether the PostgreSQL servers behind `bridge serve` allow the connections it may open.

Each busy request thread of a server process holds one database connection at a time, and
each database's pool keeps up to :data:`~bridge.infra.db.SERVER_POOL_KEPT` idle ones after
use. A PostgreSQL server that allows fewer than the server processes may hold answers the
requests beyond them 503 under load: `bridge serve` says so as it starts, with what to
change, rather than leaving the operator to find it in the logs of a busy day.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bridge.infra.db import SERVER_POOL_KEPT, make_engine


@dataclass(frozen=True)
class Limits:
    """A PostgreSQL server's connection limits: ``max_connections``, and those of them kept
    for superusers (``superuser_reserved_connections``) or for roles granted them
    (``reserved_connections``, PostgreSQL 16 and later)."""

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
    served = (f"{processes} server process{'es' if processes > 1 else ''} × {threads} "
              f"thread{'s' if threads > 1 else ''}")
    if databases > 1:
        served += f" over {databases} of its databases"
    return (f"PostgreSQL at {server} allows {limits.allowed} connections (max_connections "
            f"{limits.max_connections}, {limits.reserved} of them reserved), but {served} may "
            f"hold {needed}: under load the requests beyond are answered 503. Raise "
            f"max_connections to at least {needed + limits.reserved} in postgresql.conf "
            "(imports and other clients need some more), or serve with fewer processes "
            "(--workers) or threads (max_connections in the [server] section of bridge "
            "serve's configuration).")


def check(urls: list[str], processes: int, threads: int) -> list[str]:
    """:func:`shortfall` of each PostgreSQL server among ``urls`` (those not reachable are
    left to the server's own report of them)."""
    databases: dict[str, set[str]] = {}
    for url in urls:
        server = server_of(url)
        if server is not None:
            databases.setdefault(server, set()).add(url)
    found: list[str] = []
    for server, its in databases.items():
        limits = _limits(min(its))
        if limits is None:
            continue
        said = shortfall(server, limits, processes, threads, len(its))
        if said is not None:
            found.append(said)
    return found


def server_of(url: str) -> str | None:
    """Which PostgreSQL server holds the database (``host:port``, or a socket's directory
    and port); None for SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    host = parsed.host or parsed.query.get("host") or "the local socket"
    port = parsed.port or parsed.query.get("port") or 5432
    return f"{host}:{port}"


LOOK_SECONDS = 5
"""How long the look at a server's limits may wait for a connection (a server that does not
answer is reported by the serving itself; starting is not held up for long)."""


def _limits(url: str) -> Limits | None:
    engine = make_engine(url, connect_args={"connect_timeout": LOOK_SECONDS})
    try:
        with engine.connect() as connection:
            found = connection.execute(_LIMITS).one()
    except DBAPIError:
        return None
    finally:
        engine.dispose()
    return Limits(int(found.max_connections), int(found.superuser) + int(found.others or 0))


_LIMITS = text("SELECT current_setting('max_connections') AS max_connections, "
               "current_setting('superuser_reserved_connections') AS superuser, "
               "current_setting('reserved_connections', true) AS others")
