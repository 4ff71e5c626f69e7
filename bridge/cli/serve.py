"""`bridge serve`: the CalDAV/CardDAV server for calendar clients."""

import os
from pathlib import Path

import click
from sqlalchemy.exc import DBAPIError

from bridge.cli.context import AppContext, now, pass_app
from bridge.errors import InvalidInput
from bridge.infra import capacity
from bridge.infra.catalog import Catalog, Database, single
from bridge.infra.db import make_engine
from bridge.infra.readiness import problem_at

DEMO_DATABASE = Path("bridge-demo.db")
STATEMENT_TIMEOUT_SECONDS = 60


@click.command("serve")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="A Radicale INI file whose sections are laid over our defaults "
                   "(see config/radicale.ini.example).")
@click.option("--host", help="Address to listen on (default 127.0.0.1, or the config file's).")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on (default 5232, or the config file's).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Server processes, under gunicorn (default 1, or the config file's "
                   "[server] workers): one per core or two for PostgreSQL under load; one "
                   "killed or stuck is replaced.")
@click.option("--demo", is_flag=True,
              help=f"Serve the demo data: a SQLite database ({DEMO_DATABASE}) made the first "
                   "time and kept — what you change stays for the next time; delete the file "
                   "to start afresh.")
@pass_app
def serve_command(app: AppContext, config_file: Path | None, host: str | None, port: int | None,
                  workers: int | None, demo: bool) -> None:
    """Serve every sales representative's activities and customers over CalDAV/CardDAV,
    and HQ's web cockpit.

    Each representative signs in with their HQ login and password and finds, under
    http://HOST:PORT/LOGIN/: Appointments (HQ and client appointments, writable), Mobile
    appointments (read-only), Tasks (writable) and Customers (an address book, read-only).
    Calendar clients discover them from the server address alone.

    HQ staff open http://HOST:PORT/cockpit/ in a web browser (the server's address leads
    there) and sign in with their HQ login: activities (filter, sort, export, edit), import
    uploads with a dry-run preview, synchronization settings, lost client values.

    With a catalog of several databases (--databases FILE), one server serves them all:
    database NAME at http://HOST:PORT/NAME/ (cockpit: …/NAME/cockpit/), the default one at
    the root. A representative signs in as LOGIN@NAME and the server address is enough for
    discovery; a login without @NAME is one of the default database. --db NAME serves one.

    The server runs under gunicorn, which replaces a process that was killed or whose
    request is stuck, and keeps a client's connection open for its next request. With
    --workers N it runs N processes, which agree through the database alone: for
    PostgreSQL under load; SQLite is safe too, but has one writer.
    """
    from storage_plugin.server import (  # the Radicale edge
        check_addresses,
        configuration,
        serve,
        served_catalog,
    )
    from storage_plugin.workers import threads_of

    served = app.catalog.only(app.selected) if app.chosen else app.catalog
    if demo:
        served = single(f"sqlite:///{DEMO_DATABASE}")
    settings = configuration(served.default.url, host, port, config_file, workers)
    loaded = settings.configuration
    check_addresses(loaded)
    logins = _demo(served.default.url, app.user) if demo else []
    served = served_catalog(loaded, served)
    address = loaded.get("server", "hosts")[0]
    root = f"http://{address[0]}:{address[1]}"
    if served.several:
        click.echo(f"Serving the HQ databases of {served.source}"
                   f"{_in_processes(settings.workers)} — Ctrl+C stops:")
        for database in served.databases:
            click.echo(_database_line(served, database, root))
    else:
        checked = app.on(served.default)
        checked.engine()  # refuses a database `bridge init` has not prepared
        checked.close()
        click.echo(f"Serving CalDAV/CardDAV on {root}/ and the HQ cockpit on {root}/cockpit/"
                   f"{_in_processes(settings.workers)} — Ctrl+C stops.")
    if logins:
        click.echo("Connect a calendar client to that address with one of these logins:")
        for login, password, name in logins:
            click.echo(f"  {login:10} {password:22} {name}")
    for said in capacity.check([database.url for database in served.databases],
                               settings.workers, threads_of(loaded)):
        click.echo(f"Warning: {said}", err=True)
    # Set only now, as this process becomes the server (a command that stopped before would
    # leave them to whatever its process does next):
    os.environ.setdefault("PGAPPNAME", "bridge serve")  # (its sessions in pg_stat_activity)
    # No statement of a request may run for more than a minute (it is answered 503 instead).
    os.environ.setdefault("PGOPTIONS", f"-c statement_timeout={STATEMENT_TIMEOUT_SECONDS}s")
    serve(loaded, catalog=served, workers=settings.workers)


def _demo(url: str, user: str) -> list[tuple[str, str, str]]:
    """The demo database as the last session left it, or — the first time, or after it was
    deleted — made afresh; the demo's logins."""
    from bridge.demo import demo_logins, holds_data, load_demo

    engine = make_engine(url)
    try:
        if DEMO_DATABASE.exists() and holds_data(engine):
            click.echo(f"The demo database {DEMO_DATABASE} is served as you left it (delete "
                       "the file to start afresh).")
            return demo_logins()
        from bridge.cli.imports import print_summary

        result = load_demo(engine, Path("bridge-demo"), now(), 2026, user)
        for report in result.reports:
            print_summary(report)
        click.echo(f"\nDemo data loaded into {DEMO_DATABASE}.")
        return result.logins
    except DBAPIError as error:
        raise InvalidInput(f"{DEMO_DATABASE} cannot be used ({error.orig}); move it away or "
                           "delete it, and the demo makes a new one") from error
    finally:
        engine.dispose()


def _database_line(catalog: Catalog, database: Database, root: str) -> str:
    """One database as `bridge serve` starts it: where, how to sign in, and its state."""
    found = problem_at(database.url)
    state = "ready" if found is None else f"NOT SERVED until fixed: {found[1].splitlines()[0]}"
    logins = f"LOGIN@{database.name} or LOGIN" if database == catalog.default \
        else f"LOGIN@{database.name}"
    address = f"{root}{catalog.mount(database)}"
    return (f"  {database.name:10} {database.title}: {address}/ (cockpit {address}/cockpit/), "
            f"logins {logins} — {state}")


def _in_processes(workers: int) -> str:
    return f" in {workers} processes" if workers > 1 else ""
