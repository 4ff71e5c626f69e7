"""Entry point of the `bridge` command."""

import os
import sys

import click

from bridge.cli.context import AppContext, BridgeGroup, default_user
from bridge.infra.config import DATABASE_ENV, database_url

COMMANDS = {
    "init": "bridge.cli.hq:init_command",
    "definition": "bridge.cli.hq:definition_group",
    "employees": "bridge.cli.hq:employees_group",
    "import": "bridge.cli.imports:import_group",
    "runs": "bridge.cli.imports:runs_group",
    "activities": "bridge.cli.activities:activities_group",
    "settings": "bridge.cli.settings:settings_group",
    "demo": "bridge.cli.demo:demo_command",
    "serve": "bridge.cli.serve:serve_command",
}
"""Each command and where it lives: loaded when it runs (or when the help lists it)."""


@click.group(cls=BridgeGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database", metavar="URL", envvar=DATABASE_ENV, default=None,
    help=f"SQLAlchemy URL of the HQ database (or ${DATABASE_ENV}); default: "
    "sqlite:///bridge.db in the working directory.",
)
@click.option(
    "--user", metavar="LOGIN", default=None,
    help="Who runs the command, as kept in import runs (default: $BRIDGE_USER or your login).",
)
@click.version_option(package_name="sales-calendar-bridge")
@click.pass_context
def cli(ctx: click.Context, database: str | None, user: str | None) -> None:
    """Sales calendar bridge: the headquarters of a field-sales system.

    Imports customers and sales appointments exported by the mobile sales app (the BUS
    import), keeps them in the HQ database under the business rules, and serves every sales
    representative's activities and customers to calendar clients over CalDAV/CardDAV.

    Start with `bridge demo` (demo data) or `bridge init`.
    """
    ctx.obj = AppContext(database=database_url(database), user=user or default_user())
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    """Run the CLI; an unexpected error is one line (the traceback only with BRIDGE_DEBUG=1)."""
    try:
        cli(prog_name="bridge", standalone_mode=True)
    except Exception as error:  # noqa: BLE001 - the last line of defence of the CLI
        if os.environ.get("BRIDGE_DEBUG"):
            raise
        click.echo(
            f"Error: unexpected {type(error).__name__}: {error} "
            "(set BRIDGE_DEBUG=1 to see where)",
            err=True,
        )
        sys.exit(2)
