"""Alembic environment: runs on the connection `bridge.infra.schema` hands over."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from bridge.models import Base
from bridge.models.base import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _frozen(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    """A migration imports no live code (it is frozen history): an instant's column is
    written as the plain type it is in the database."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_frozen,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
