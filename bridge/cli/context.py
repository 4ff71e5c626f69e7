"""What every command shares: the database, the acting user, errors shown as messages."""

import getpass
import importlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bridge.errors import BridgeError
from bridge.infra.catalog import Catalog, Database
from bridge.infra.conflicts import WriteConflict, conflict_of
from bridge.infra.db import make_engine
from bridge.infra.readiness import ensure_ready


@dataclass
class AppContext:
    catalog: Catalog
    selected: Database
    """The database commands work on: ``--db NAME``, ``--database URL``, else the default."""
    chosen: bool
    """Whether the command line (or environment) chose it; else `bridge init` and `bridge
    serve` work on every database of the catalog."""
    user: str
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def database(self) -> str:
        """The URL of the selected database."""
        return self.selected.url

    def on(self, database: Database) -> "AppContext":
        """The same command's context on another database of the catalog."""
        return AppContext(self.catalog, database, True, self.user)

    def each(self) -> list["AppContext"]:
        """The chosen database, or every database of the catalog."""
        return [self] if self.chosen else [self.on(each) for each in self.catalog.databases]

    def option(self) -> str:
        """`` --db NAME`` when there are several databases (for commands to suggest)."""
        return f" --db {self.selected.name}" if self.catalog.several else ""

    def described(self) -> str:
        """``database`` — ``database emea (Europe)`` when there are several — for messages."""
        return f"database {self.selected.label()}" if self.catalog.several else "database"

    def engine(self, *, ready: bool = True) -> Engine:
        """The engine; with ``ready`` the schema must be current (`bridge init` was run)."""
        if self._engine is None:
            self._engine = make_engine(self.database)
        if ready:
            ensure_ready(self._engine)
        return self._engine

    def close(self) -> None:
        """Close the database connections the command opened (when it ends)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


pass_app = click.make_pass_decorator(AppContext)


class BridgeGroup(click.Group):
    """A command group that shows domain and database errors as one clear line, exit 1.

    Its ``lazy`` commands (name → "module:attribute") are imported only when run or listed
    (click's lazily loaded subcommands): the server does not load the import machinery."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BridgeError as error:
            raise click.ClickException(str(error)) from error
        except SQLAlchemyError as error:
            detail = getattr(error, "orig", None) or error
            conflict = conflict_of(getattr(error, "orig", None))
            if conflict is not None:
                raise click.ClickException(str(WriteConflict(conflict))) from error
            raise click.ClickException(f"database error: {detail}") from error


def default_user() -> str:
    return os.environ.get("BRIDGE_USER") or getpass.getuser()


class InstantType(click.ParamType[datetime]):
    """An ISO 8601 date-time with a UTC offset (``2026-11-25T08:00:00+01:00`` or ``…Z``)."""

    name = "ISO-TIME"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time", param, ctx)
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset (add Z or +01:00)", param, ctx)
        return parsed


INSTANT = InstantType()


def now() -> datetime:
    return datetime.now(UTC)
