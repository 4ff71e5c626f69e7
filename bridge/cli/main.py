"""Entry point of the `bridge` command."""

import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from bridge.cli import output
from bridge.cli.context import AppContext, BridgeGroup, default_user
from bridge.infra.catalog import (
    CATALOG_ENV,
    DATABASE_ENV,
    SELECTED_ENV,
    Catalog,
    Database,
    resolve,
)

COMMANDS = {
    "init": "bridge.cli.hq:init_command",
    "definition": "bridge.cli.hq:definition_group",
    "employees": "bridge.cli.hq:employees_group",
    "import": "bridge.cli.imports:import_group",
    "runs": "bridge.cli.imports:runs_group",
    "activities": "bridge.cli.activities:activities_group",
    "customers": "bridge.cli.customers:customers_group",
    "settings": "bridge.cli.settings:settings_group",
    "subscriptions": "bridge.cli.subscriptions:subscriptions_group",
    "devices": "bridge.cli.devices:devices_group",
    "demo": "bridge.cli.demo:demo_command",
    "serve": "bridge.cli.serve:serve_command",
    "databases": "bridge.cli.databases:databases_group",
    "audit": "bridge.cli.audit:audit_group",
    "backup": "bridge.cli.backup:backup_command",
    "restore": "bridge.cli.backup:restore_command",
}
"""Each command and where it lives: loaded when it runs (or when the help lists it)."""


@click.group(cls=BridgeGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--databases", "catalog_file", metavar="FILE", envvar=CATALOG_ENV, default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"A catalog of several HQ databases (or ${CATALOG_ENV}; see "
    "config/databases.ini.example); without it there is one database.",
)
@click.option(
    "--db", "name", metavar="NAME", envvar=SELECTED_ENV, default=None,
    help=f"Work on the catalog's database NAME (or ${SELECTED_ENV}); default: the catalog's "
    "default database.",
)
@click.option(
    "--database", "url", metavar="URL", envvar=DATABASE_ENV, default=None,
    help=f"SQLAlchemy URL of the HQ database (or ${DATABASE_ENV}); default: "
    "sqlite:///bridge.db in the working directory.",
)
@click.option(
    "--user", metavar="LOGIN", default=None,
    help="Who runs the command, as kept in import runs (default: $BRIDGE_USER or your login).",
)
@click.version_option(package_name="sales-calendar-bridge")
@click.pass_context
def cli(ctx: click.Context, catalog_file: Path | None, name: str | None, url: str | None,
        user: str | None) -> None:
    """Sales calendar bridge: the headquarters of a field-sales system.

    Imports customers and sales appointments exported by the mobile sales app (the BUS
    import), keeps them in the HQ database under the business rules, and serves every sales
    representative's activities and customers to calendar clients over CalDAV/CardDAV.

    Start with `bridge demo` (demo data) or `bridge init`.
    """
    from bridge import calendars  # (here: `bridge --help` need not load the server)

    calendars.subscribe()
    catalog = resolve(catalog_file, url)
    if catalog.source is not None and url and \
            ctx.get_parameter_source("url") is ParameterSource.ENVIRONMENT:
        raise click.UsageError(
            f"${DATABASE_ENV} is set, and so is a catalog of databases ({catalog.source}); "
            f"unset ${DATABASE_ENV} and choose a database with --db NAME or ${SELECTED_ENV}")
    selected, chosen = _selected(catalog, name, url)
    ctx.obj = AppContext(catalog, selected, chosen, user or default_user())
    ctx.call_on_close(ctx.obj.close)


def _selected(catalog: Catalog, name: str | None, url: str | None) -> tuple[Database, bool]:
    """The database a command works on, and whether it was chosen (``--db`` or
    ``--database`` with a catalog) or is the catalog's default."""
    if name and url and catalog.source is not None:
        raise click.UsageError("give --db NAME or --database URL, not both")
    if name:
        return catalog.named(name), True
    if url and catalog.source is not None:
        known = [database for database in catalog.databases if database.url == url]
        return (known[0] if known else Database("url", "given by URL", url)), True
    return catalog.default, False


def main() -> None:
    """Run the CLI; an unexpected error is one line (the traceback only with BRIDGE_DEBUG=1)."""
    output.install()
    try:
        cli(prog_name="bridge", standalone_mode=True)
    except Exception as error:  # (the last line of defence of the CLI)
        if os.environ.get("BRIDGE_DEBUG"):
            raise
        click.echo(
            f"Error: unexpected {type(error).__name__}: {error} "
            "(set BRIDGE_DEBUG=1 to see where)",
            err=True,
        )
        sys.exit(2)
