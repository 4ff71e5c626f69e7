"""`bridge customers list|show`: the customers HQ keeps (imported from the mobile system)."""

import json
import sys

import click

from bridge.cli.context import AppContext, BridgeGroup, pass_app
from bridge.hq.listings import (
    CUSTOMER_COLUMNS,
    FORMATS,
    CustomerFilter,
    customer_record,
    list_customers,
    write_records,
)
from bridge.infra.db import transaction


@click.group("customers", cls=BridgeGroup)
def customers_group() -> None:
    """Customers (partners), as imported from the mobile system: read-only here."""


@customers_group.command("list")
@click.option("--channel", "channels", multiple=True, metavar="NAME",
              help="Only customers of this sales channel (repeatable).")
@click.option("--search", "text", metavar="TEXT",
              help="TEXT in the number, name, city or e-mail address (any case).")
@click.option("--active/--inactive", "active", default=None,
              help="Only active (or only inactive) customers; default: both.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many customers.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="table for reading, csv/json for other programs.")
@pass_app
def list_command(app: AppContext, channels: tuple[str, ...], text: str | None,
                 active: bool | None, limit: int | None, fmt: str) -> None:
    """List customers, by number."""
    wanted = CustomerFilter(channels=channels, text=text, active=active, limit=limit)
    with transaction(app.engine(), write=False) as session:
        records = list_customers(session, wanted)
    write_records(records, CUSTOMER_COLUMNS, fmt, sys.stdout, ("customer", "customers"))


@customers_group.command("show")
@click.argument("number")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="table for reading, csv/json for other programs.")
@pass_app
def show_command(app: AppContext, number: str, fmt: str) -> None:
    """Show customer NUMBER in full (with how many activities they have)."""
    with transaction(app.engine(), write=False) as session:
        record = customer_record(session, number)
    if fmt == "table":
        width = max(len(name) for name in record)
        for name, value in record.items():
            shown = "" if value is None else "yes" if value is True else "no" \
                if value is False else value
            click.echo(f"{name.replace('_', ' ').capitalize() + ':':{width + 2}} {shown}")
        return
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    write_records([record], CUSTOMER_COLUMNS, fmt, sys.stdout, ("customer", "customers"))
