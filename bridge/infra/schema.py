"""Create and upgrade the schema with Alembic, and install what HQ ships with."""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from bridge.infra.errors import DatabaseNotReady


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "bridge:migrations")
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creating it on an empty database)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def ensure_ready(engine: Engine) -> None:
    """Refuse to work on a database that `bridge init` has not prepared (or upgraded)."""
    try:
        has_version_table = inspect(engine).has_table("alembic_version")
        revision = current_revision(engine) if has_version_table else None
    except OperationalError as error:
        raise DatabaseNotReady(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
            f"{error.orig}"
        ) from error
    if revision is None:
        raise DatabaseNotReady(
            f"the database {engine.url.render_as_string(hide_password=True)} has no schema; "
            "run `bridge init` first"
        )
    if revision != head_revision():
        raise DatabaseNotReady(
            f"the database schema is at revision {revision}, this version needs "
            f"{head_revision()}; run `bridge init` to upgrade it"
        )
