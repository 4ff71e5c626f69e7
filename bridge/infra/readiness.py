"""Whether a database is ready for this version: prepared by `bridge init`, at the schema
revision this version needs.

Every command checks it before it starts, the server too; so it reads the revision Alembic
records with one query and does not load Alembic (a tenth of the server's memory) — the
migrations themselves are :mod:`bridge.infra.schema`.
"""

import os

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bridge.errors import DatabaseNotReady
from bridge.infra.conflicts import conflict_of
from bridge.infra.db import make_engine

SCHEMA_REVISION = "0019"
"""The revision of the newest migration in ``bridge/migrations/versions`` (a test holds
them equal: a new migration changes this too)."""


def problem(engine: Engine) -> tuple[str, str] | None:
    """What keeps the database from being used by this version — a short reason anyone may
    read, and the detail for the operator — or None when it is ready. An SQLite file that
    is not there is not made (connecting would leave an empty one behind a mistyped path)."""
    missing = missing_file(engine)
    if missing is not None:
        return "not prepared yet", (
            f"there is no database file {missing}; check the path, or run `bridge init` first "
            "to create it")
    try:
        revisions = recorded_revisions(engine)
    except (OperationalError, OSError) as error:
        if conflict_of(getattr(error, "orig", None)) is not None:
            return None  # busy with another writer: there, and up to the writes to wait
        return "not reachable", f"cannot open the database: {getattr(error, 'orig', error)}"
    except SQLAlchemyError as error:  # not a database of ours (a file of something else…)
        return "not usable", f"cannot read the database: {getattr(error, 'orig', error)}"
    if not revisions:
        return "not prepared yet", "the database has no schema; run `bridge init` first"
    if revisions != [SCHEMA_REVISION]:
        return "not upgraded yet", (
            f"the database schema is at revision {', '.join(revisions)}, this version needs "
            f"{SCHEMA_REVISION}; run `bridge init` to upgrade it")
    return None


def missing_file(engine: Engine) -> str | None:
    """The path of the SQLite database file ``engine`` would open when there is no such file
    (None for another database, one in memory, or a file that is there)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") \
            or url.database.startswith("file:") or "mode" in url.query:
        return None
    return None if os.path.exists(url.database) else url.database


def ensure_ready(engine: Engine) -> None:
    """Refuse to work on a database that `bridge init` has not prepared (or upgraded)."""
    found = problem(engine)
    if found is not None:
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseNotReady(f"{shown}: {found[1]}")


def recorded_revisions(engine: Engine) -> list[str]:
    """The revisions Alembic recorded in the database (none before `bridge init`)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def problem_at(url: str) -> tuple[str, str] | None:
    """:func:`problem` of the database at ``url``, on a connection of its own (for a
    command's one look, not a server's)."""
    engine = make_engine(url)
    try:
        return problem(engine)
    finally:
        engine.dispose()
