"""`bridge devices list|create|revoke`: device passwords — one per device's calendar client,
for HQ users managing anyone's (``bridge.hq.devices``; representatives manage their own in
the cockpit's "Device passwords" page)."""

from datetime import UTC, datetime

import click

from bridge.cli.context import AppContext, BridgeGroup, pass_app
from bridge.hq.devices import Device, create, devices, revoke
from bridge.infra.db import transaction


@click.group("devices", cls=BridgeGroup)
def devices_group() -> None:
    """Device passwords: a password per device's calendar client ("Pixel 8 – DAVx5"),
    signing in to the calendar server only (never the cockpit), possibly read-only.

    The password is shown once, when it is made (only a hash is kept); `revoke` stops it at
    once on every server process. Whether the account password still signs calendar
    clients in is the server's `[auth] calendar_passwords` setting.
    """


@devices_group.command("list")
@click.argument("login", required=False)
@click.option("--revoked", is_flag=True, help="Show revoked device passwords too.")
@pass_app
def list_command(app: AppContext, login: str | None, revoked: bool) -> None:
    """The device passwords of LOGIN (everyone's without it), newest first."""
    with transaction(app.engine(), write=False) as session:
        found = devices(session, login, revoked=revoked)
    if not found:
        click.echo(f"{login or 'Nobody'} has no device passwords."
                   if not revoked else "No device passwords.")
        return
    for device in found:
        click.echo(_line(device))


@devices_group.command("create")
@click.argument("login")
@click.argument("name")
@click.option("--read-only", is_flag=True,
              help="The calendar client may read the calendars but change nothing.")
@pass_app
def create_command(app: AppContext, login: str, name: str, read_only: bool) -> None:
    """Make a device password for LOGIN's device NAME ("Pixel 8 – DAVx5"); it is shown
    once."""
    with transaction(app.engine()) as session:
        made, secret = create(session, login, name, read_only=read_only, actor=app.user,
                              address=None, now=datetime.now(UTC))
    click.echo(f"Device password {made.id} of {login} for “{made.name}”"
               f"{' (read-only)' if read_only else ''} — shown only now; sign in with the "
               f"login {login} and:\n  {secret}")


@devices_group.command("revoke")
@click.argument("device_id", metavar="ID", type=int)
@pass_app
def revoke_command(app: AppContext, device_id: int) -> None:
    """Revoke device password ID (see `bridge devices list`): it stops signing in at once."""
    with transaction(app.engine()) as session:
        revoked = revoke(session, device_id, actor=app.user, address=None,
                         now=datetime.now(UTC))
    click.echo(f"Device password {device_id} of {revoked.login} (“{revoked.name}”) is revoked."
               if revoked else f"Device password {device_id} was revoked already.")


def _line(device: Device) -> str:
    used = (f"last used {device.last_used_at:%Y-%m-%d %H:%M} UTC from {device.last_used_from}"
            if device.last_used_at else "never used")
    revoked = f"; revoked {device.revoked_at:%Y-%m-%d %H:%M} UTC" if device.revoked_at else ""
    return (f"{device.id:>5}  {device.login:<12} {device.name} — "
            f"{'read-only' if device.read_only else 'read and change'}; made "
            f"{device.created_at:%Y-%m-%d %H:%M} UTC; {used}{revoked}")
