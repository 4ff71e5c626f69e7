"""`bridge settings show|set`: a representative's activity synchronization settings."""

from datetime import UTC, datetime
from typing import Any

import click

from bridge.cli.context import AppContext, BridgeGroup, pass_app
from bridge.hq.settings import (
    SERVER_ZONE,
    SettingsChange,
    calendar_window,
    change_settings,
    settings_of,
    task_window,
)
from bridge.infra.db import transaction
from bridge.models import SyncSettings, TextPriority


@click.group("settings", cls=BridgeGroup)
def settings_group() -> None:
    """Activity synchronization settings of a sales representative.

    Window bounds are dates (2026-01-01) or days from today (-90d, +365d, today): only
    activities inside the window are served to the representative's calendar client.
    """


def _shown(login: str, settings: SyncSettings) -> str:
    """The settings as the commands print them (made inside the transaction, printed after
    it committed: a reader that goes away loses no change)."""
    now = datetime.now(UTC)
    cal = calendar_window(settings, now)
    tasks = task_window(settings, now)
    priority = ("  (HQ text wins over client edits)" if settings.text_priority is TextPriority.HQ
                else "  (client edits of text are taken)")
    return "\n".join([
        f"Activity synchronization settings of {login}",
        f"  Calendar entries: {settings.calendar_start} … {settings.calendar_end}"
        f"  (today: {cal.days()})",
        f"  Tasks:            {settings.task_start} … {settings.task_end}"
        f"  (today: {tasks.days()})",
        f"  Transfer to HQ:   tasks {_yes(settings.transfer_tasks)}, "
        f"appointments {_yes(settings.transfer_appointments)}",
        f"  Text priority:    {settings.text_priority.value}{priority}",
        f"  Time zone:        {settings.time_zone or 'the server default'}"
        "  (for times a client sends without a zone, and the windows' days"
        + ("" if settings.time_zone else ", which are in UTC") + ")",
    ])


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@settings_group.command("show")
@click.argument("login")
@pass_app
def show(app: AppContext, login: str) -> None:
    """Show LOGIN's settings and the windows they give today."""
    with transaction(app.engine()) as session:
        shown = _shown(login, settings_of(session, login))
    click.echo(shown)


@settings_group.command("set")
@click.argument("login")
@click.option("--calendar-start", metavar="BOUND", help="Start of the calendar window.")
@click.option("--calendar-end", metavar="BOUND", help="End of the calendar window.")
@click.option("--task-start", metavar="BOUND", help="Start of the task window.")
@click.option("--task-end", metavar="BOUND", help="End of the task window.")
@click.option("--transfer-tasks/--no-transfer-tasks", default=None,
              help="Tasks created in the client become HQ activities (default: yes).")
@click.option("--transfer-appointments/--no-transfer-appointments", default=None,
              help="Appointments created in the client become HQ activities (default: yes).")
@click.option("--text-priority", type=click.Choice([p.value for p in TextPriority]),
              help="hq: HQ text overrides client edits; client: the client's text is taken.")
@click.option("--time-zone", metavar="ZONE",
              help="Zone of times the client sends without one (floating times, as calcurse "
                   f"and many scripts send): an IANA name such as Europe/Warsaw, or "
                   f"'{SERVER_ZONE}' for the server's default ([storage] time_zone).")
@pass_app
def set_(app: AppContext, /, login: str, text_priority: str | None, **bounds: Any) -> None:
    """Change LOGIN's settings; options not given stay as they are."""
    change = SettingsChange(
        text_priority=TextPriority(text_priority) if text_priority else None,
        **bounds,
    )
    with transaction(app.engine()) as session:
        shown = _shown(login, change_settings(session, login, change, datetime.now(UTC),
                                              actor=app.user))
    click.echo(shown)
