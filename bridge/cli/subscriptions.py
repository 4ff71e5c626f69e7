"""`bridge subscriptions show|renew|revoke`: a representative's calendar subscription — the
secret address Outlook, Google and Apple Calendar subscribe to (``bridge.hq.subscriptions``)."""

import click

from bridge.calendars.feed import address, webcal
from bridge.cli.context import AppContext, BridgeGroup, pass_app
from bridge.hq.subscriptions import renew, revoke, subscription_of
from bridge.infra.db import transaction

SERVER_URL_ENV = "BRIDGE_SERVER_URL"
DEFAULT_SERVER_URL = "http://localhost:5232"


@click.group("subscriptions", cls=BridgeGroup)
def subscriptions_group() -> None:
    """A representative's calendar subscription: their appointments at a secret address that
    Outlook (web, new and classic), Google and Apple Calendar subscribe to without an add-in.

    The address is shown once, when it is made (only a hash of its secret is kept): `renew`
    makes a new one and the old one stops at once; `revoke` stops it.
    """


@subscriptions_group.command("show")
@click.argument("login")
@pass_app
def show(app: AppContext, login: str) -> None:
    """Whether LOGIN has a subscription, since when and who made it."""
    with transaction(app.engine(), write=False) as session:
        found = subscription_of(session, login)
        shown = (f"{login} has no calendar subscription; `bridge subscriptions renew {login}` "
                 "makes one." if found is None else
                 f"{login} has a calendar subscription, made {found.created_at:%Y-%m-%d %H:%M} "
                 f"UTC by {found.created_by}; tasks with a due date "
                 f"{'included' if found.include_tasks else 'not included'}; "
                 f"{'shared: private appointments as busy time only' if found.shared else 'own'}"
                 ". (Its address was "
                 "shown when it was made; `renew` makes a new one.)")
    click.echo(shown)


@subscriptions_group.command("renew")
@click.argument("login")
@click.option("--tasks/--no-tasks", "include_tasks", default=None,
              help="Include open tasks with a due date, as events (default: as before; "
                   "not for a new subscription).")
@click.option("--shared/--own", "shared", default=None,
              help="Shared: the address is given to others (an assistant, a team calendar), "
                   "so private appointments are in it as busy time only (default: as before; "
                   "own for a new subscription).")
@click.option("--server-url", envvar=SERVER_URL_ENV, default=DEFAULT_SERVER_URL,
              show_default=True, metavar="URL",
              help=f"The server's address as representatives reach it (or ${SERVER_URL_ENV}).")
@pass_app
def renew_command(app: AppContext, login: str, include_tasks: bool | None,
                  shared: bool | None, server_url: str) -> None:
    """Make LOGIN's subscription address (a new one if there was one: the old stops)."""
    with transaction(app.engine()) as session:
        secret = renew(session, login, app.user, include_tasks, shared)
    url = address(server_url.rstrip("/") + app.catalog.mount(app.selected), secret)
    click.echo(f"Calendar subscription of {login} (keep it secret: whoever has it reads the "
               f"appointments):\n  {url}\n  {webcal(url)}")


@subscriptions_group.command("revoke")
@click.argument("login")
@pass_app
def revoke_command(app: AppContext, login: str) -> None:
    """Stop LOGIN's subscription address (at once, on every server process)."""
    with transaction(app.engine()) as session:
        found = revoke(session, login)
    click.echo(f"The calendar subscription of {login} is revoked." if found else
               f"{login} had no calendar subscription.")
