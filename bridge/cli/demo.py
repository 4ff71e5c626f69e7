"""`bridge demo`: load the demo data set."""

import shlex
from pathlib import Path

import click
from click.core import ParameterSource

from bridge.cli.context import AppContext, now, pass_app
from bridge.cli.imports import print_summary
from bridge.demo import SUBORDINATES, load_demo


@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bridge-demo"), show_default=True,
              help="Where to write the demo's export files (you can import them again).")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="Random seed: the same seed gives the same data.")
@pass_app
def demo_command(app: AppContext, data_dir: Path, seed: int) -> None:
    """Load a realistic demo data set into a new database, through the real import path.

    Creates the schema, activates ibus.AppointmentSynchronize, imports employees, customers
    and two appointment exports (three weeks ago and now), adds HQ and client activities,
    and prints the logins and passwords it set.
    """
    result = load_demo(app.engine(ready=False), data_dir, now(), seed, app.user)
    for report in result.reports:
        print_summary(report)
    click.echo("")
    click.echo(f"Demo loaded into {app.database}; export files in {result.data_dir}/")
    click.echo(f"Manager awhite manages {', '.join(SUBORDINATES)}; hqadmin is an HQ user "
               "without the sales representative flag.")
    click.echo("Logins (also for calendar clients):")
    for login, password, name in result.logins:
        click.echo(f"  {login:10} {password:22} {name}")
    click.echo(f"Try: bridge{_same_database(app)} activities list --team awhite "
               "--status delayed")


def _same_database(app: AppContext) -> str:
    """The options that choose the demo's database again, as given on the command line
    (none when it came from the environment, which the next command has too)."""
    root = click.get_current_context().find_root()
    chosen = ""
    for option, name in (("--databases", "catalog_file"), ("--database", "url"),
                         ("--db", "name")):
        if root.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            chosen += f" {option} {shlex.quote(str(root.params[name]))}"
    return chosen
