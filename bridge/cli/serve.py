"""`bridge serve`: the CalDAV/CardDAV server for calendar clients."""

from pathlib import Path

import click

from bridge.cli.context import AppContext, now, pass_app
from bridge.infra.db import make_engine

DEMO_DATABASE = Path("bridge-demo.db")


@click.command("serve")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="A Radicale INI file whose sections are laid over our defaults "
                   "(see config/radicale.ini.example).")
@click.option("--host", help="Address to listen on (default 127.0.0.1, or the config file's).")
@click.option("--port", type=click.IntRange(0, 65535),
              help="Port to listen on (default 5232, or the config file's).")
@click.option("--demo", is_flag=True,
              help=f"Load the demo data into a fresh SQLite database ({DEMO_DATABASE}) and "
                   "serve it.")
@pass_app
def serve_command(app: AppContext, config_file: Path | None, host: str | None, port: int | None,
                  demo: bool) -> None:
    """Serve every sales representative's activities and customers over CalDAV/CardDAV,
    and HQ's web cockpit.

    Each representative signs in with their HQ login and password and finds, under
    http://HOST:PORT/LOGIN/: Appointments (HQ and client appointments, writable), Mobile
    appointments (read-only), Tasks (writable) and Customers (an address book, read-only).
    Calendar clients discover them from the server address alone.

    HQ staff open http://HOST:PORT/cockpit/ in a web browser (the server's address leads
    there) and sign in with their HQ login: activities (filter, sort, export, edit), import
    uploads with a dry-run preview, synchronization settings, kept client values.
    """
    from storage_plugin.server import configuration, serve  # the Radicale edge

    database = app.database
    if demo:
        database = f"sqlite:///{DEMO_DATABASE}"
        DEMO_DATABASE.unlink(missing_ok=True)
        from bridge.cli.imports import print_summary
        from bridge.demo import load_demo

        result = load_demo(make_engine(database), Path("bridge-demo"), now(), 2026, app.user)
        for report in result.reports:
            print_summary(report)
        click.echo(f"\nDemo data loaded into {DEMO_DATABASE}.")
    else:
        app.engine()  # refuses a database `bridge init` has not prepared
    loaded = configuration(database, host, port, config_file)
    address = loaded.get("server", "hosts")[0]
    click.echo(f"Serving CalDAV/CardDAV on http://{address[0]}:{address[1]}/ and the HQ "
               f"cockpit on http://{address[0]}:{address[1]}/cockpit/ — Ctrl+C stops.")
    if demo:
        click.echo("Connect a calendar client to that address with one of these logins:")
        for login, password, name in result.logins:
            click.echo(f"  {login:10} {password:22} {name}")
    serve(loaded)
