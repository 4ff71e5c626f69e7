"""`bridge databases …`: the HQ databases of this installation."""

import click

from bridge.cli.context import AppContext, BridgeGroup, pass_app
from bridge.infra.readiness import SCHEMA_REVISION, problem_at


@click.group("databases", cls=BridgeGroup)
def databases_group() -> None:
    """The HQ databases this installation serves (one, or those of a catalog file given
    with --databases FILE or $BRIDGE_DATABASES)."""


@databases_group.command("list")
@pass_app
def databases_list(app: AppContext) -> None:
    """Each database: its name, title, URL (without password) and schema state; the default
    one (of logins without @NAME) is marked with *."""
    source = app.catalog.source or "no catalog file: one database"
    click.echo(f"Databases ({source}):")
    click.echo(f"  {'name':12} {'title':28} {'schema':22} url")
    details = []
    for database in app.catalog.databases:
        found = problem_at(database.url)
        marker = "*" if database == app.catalog.default else " "
        state = f"ready ({SCHEMA_REVISION})" if found is None else found[0]
        click.echo(f"{marker} {database.name:12} {database.title[:28]:28} {state:22} "
                   f"{database.shown_url}")
        if found is not None:
            details.append(f"{database.name}: {found[1].splitlines()[0]}")
    for detail in details:
        click.echo(detail)
