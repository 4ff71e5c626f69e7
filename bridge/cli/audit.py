"""`bridge audit list`: the audit trail of sign-ins, device passwords, ended sessions and
settings changes (the cockpit's audit page)."""

import csv
import json
import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import click

from bridge.cli.context import AppContext, BridgeGroup, pass_app
from bridge.hq.audit import Filter, Kind, events
from bridge.hq.settings import zone_named
from bridge.infra.db import transaction
from bridge.models import AuditEvent

FIELDS = ("at", "kind", "login", "actor", "address", "detail")


@click.group("audit", cls=BridgeGroup)
def audit_group() -> None:
    """The audit trail: who signed in where and when, what failed, device passwords, ended
    sessions, changed settings (never a password)."""


@audit_group.command("list")
@click.option("--login", metavar="LOGIN", help="Only events of this login.")
@click.option("--kind", type=click.Choice([kind.value for kind in Kind]),
              help="Only events of this kind.")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]),
              help="From this day on (in --time-zone).")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]),
              help="Up to and with this day (in --time-zone).")
@click.option("--time-zone", "time_zone", default="UTC", show_default=True, metavar="ZONE",
              help="The time zone (IANA name) of --from, --to and the table's times; csv and "
                   "json carry each time with its UTC offset.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True,
              help="At most this many events, newest first.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table for reading, csv/json for other programs.")
@pass_app
def list_command(app: AppContext, login: str | None, kind: str | None,
                 since: datetime | None, until: datetime | None, time_zone: str, limit: int,
                 fmt: str) -> None:
    """The newest events first."""
    zone = ZoneInfo(zone_named(time_zone))
    wanted = Filter(
        login=login, kind=Kind(kind) if kind else None,
        since=datetime.combine(since.date(), time(), zone) if since else None,
        until=datetime.combine(until.date() + timedelta(days=1), time(), zone)
        if until else None,
        limit=limit)
    with transaction(app.engine(), write=False) as session:
        rows = [_row(event, zone) for event in events(session, wanted)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    elif not rows:
        click.echo("no event matches", err=True)
    else:
        for row in rows:
            click.echo(f"{str(row['at'])[:19].replace('T', ' ')}  {row['kind']:40}  "
                       f"{row['login'] or '–':12} {row['address'] or '–':15} "
                       + " ".join(part for part in (
                           f"by {row['actor']}" if row["actor"] else "", row["detail"]) if part))


def _row(event: AuditEvent, zone: ZoneInfo) -> dict[str, str | None]:
    return {"at": event.at.astimezone(zone).isoformat(timespec="seconds"), "kind": event.kind,
            "login": event.login, "actor": event.actor, "address": event.address,
            "detail": event.detail}
