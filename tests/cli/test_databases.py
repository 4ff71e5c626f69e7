"""`bridge --databases FILE …`: every command works on one database of the catalog, chosen
with --db NAME (or BRIDGE_DB); `bridge init` prepares each; `bridge databases list` shows
their schema state."""

from pathlib import Path

from click.testing import CliRunner, Result

from bridge.cli.main import cli


def _bridge(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _catalog(tmp_path: Path) -> Path:
    path = tmp_path / "databases.ini"
    path.write_text(f"""\
[database emea]
title = Europe
url = sqlite:///{tmp_path / "emea.db"}
default = yes

[database us]
title = United States
url = sqlite:///{tmp_path / "us.db"}
""", encoding="utf-8")
    return path


def test_init_prepares_every_database_and_list_shows_their_state(tmp_path: Path) -> None:
    catalog = str(_catalog(tmp_path))
    listed = _bridge("--databases", catalog, "databases", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("not prepared yet") == 2, listed.output

    prepared = _bridge("--databases", catalog, "init")
    assert prepared.exit_code == 0, prepared.output
    assert "database emea (Europe) ready" in prepared.output
    assert "database us (United States) ready" in prepared.output
    assert "bridge --db us definition activate" in prepared.output

    listed = _bridge("--databases", catalog, "databases", "list")
    rows = [line for line in listed.output.splitlines() if "sqlite:///" in line]
    assert rows[0].startswith("* emea") and "ready (" in rows[0], listed.output
    assert rows[1].startswith("  us") and "ready (" in rows[1], listed.output


def test_db_chooses_the_database_a_command_works_on(tmp_path: Path) -> None:
    catalog = str(_catalog(tmp_path))
    assert _bridge("--databases", catalog, "--db", "us", "init").exit_code == 0
    assert "us.db" in _bridge("--databases", catalog, "--db", "us", "init").output
    assert not (tmp_path / "emea.db").exists() or \
        "not prepared" in _bridge("--databases", catalog, "databases", "list").output

    by_env = _bridge("runs", "list", env={"BRIDGE_DATABASES": catalog, "BRIDGE_DB": "us"})
    assert by_env.exit_code == 0 and "Import runs of database us (United States)" in by_env.output
    default = _bridge("--databases", catalog, "runs", "list")
    assert default.exit_code == 1 and "run `bridge init` first" in default.output


def test_a_wrong_choice_of_database_is_a_clear_error(tmp_path: Path) -> None:
    catalog = str(_catalog(tmp_path))
    unknown = _bridge("--databases", catalog, "--db", "apac", "runs", "list")
    assert unknown.exit_code == 1
    assert "no database named 'apac'" in unknown.output and "known: emea, us" in unknown.output
    both = _bridge("--databases", catalog, "--db", "us", "--database", "sqlite:///x.db",
                   "runs", "list")
    assert both.exit_code == 2 and "give --db NAME or --database URL, not both" in both.output
    alone = _bridge("--db", "us", "runs", "list", env={"BRIDGE_DATABASES": ""})
    assert alone.exit_code == 1 and "without a catalog file" in alone.output
    both_set = _bridge("runs", "list", env={"BRIDGE_DATABASES": catalog,
                                           "BRIDGE_DATABASE_URL": "sqlite:///x.db"})
    assert both_set.exit_code == 2 and "unset $BRIDGE_DATABASE_URL" in both_set.output
    broken = tmp_path / "broken.ini"
    broken.write_text("[database us\n", encoding="utf-8")
    refused = _bridge("--databases", str(broken), "runs", "list")
    assert refused.exit_code == 1 and str(broken) in refused.output, refused.output
