"""A database URL the command line cannot use is named with what to do: a PostgreSQL URL whose
driver is not installed, a mistyped SQLite path (which leaves no empty file behind); and
`bridge demo --database URL` ends with a hint that works on that same database."""

import importlib.util
import os
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bridge.cli.main import cli
from bridge.infra.catalog import CATALOG_ENV, DATABASE_ENV


def _bridge(*args: str, cwd: Path | None = None) -> Result:
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner(env={DATABASE_ENV: None, CATALOG_ENV: None}).invoke(cli, list(args))
    finally:
        os.chdir(previous)


@pytest.mark.parametrize("driver", ["pg8000", "psycopg2"])
def test_a_postgresql_url_without_its_driver_says_to_install_the_extra(driver: str) -> None:
    module = "psycopg2" if driver == "psycopg2" else driver
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")
    url = "postgresql://hq:secret@db.example.com/hq" if driver == "psycopg2" \
        else f"postgresql+{driver}://hq:secret@db.example.com/hq"
    result = _bridge("--database", url, "runs", "list")
    assert result.exit_code == 1, result.output
    assert f"driver ({module}) is not installed" in result.output
    assert "pip install -e '.[postgresql]'" in result.output
    assert "postgresql+psycopg://" in result.output
    assert "secret" not in result.output


@pytest.mark.parametrize("path", ["no-such-folder/hq.db", "hq-typo.db"])
def test_a_mistyped_sqlite_path_is_named_and_leaves_no_file(tmp_path: Path, path: str) -> None:
    for command in (["runs", "list"], ["employees", "list"], ["customers", "show", "C-1"],
                    ["activities", "list"]):
        result = _bridge("--database", f"sqlite:///{path}", *command, cwd=tmp_path)
        assert result.exit_code == 1, result.output
        assert f"there is no database file {path}" in result.output
        assert "bridge init" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_demo_ends_with_a_hint_on_its_own_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo db.sqlite'}"
    result = _bridge("--database", url, "demo", "--data-dir", str(tmp_path / "exports"))
    assert result.exit_code == 0, result.output
    hint = result.output.strip().splitlines()[-1]
    assert hint == (f"Try: bridge --database '{url}' activities list --team awhite "
                    "--status delayed")
    command = shlex.split(hint.removeprefix("Try: bridge "))  # as a shell splits it
    assert command[:2] == ["--database", url]
    again = _bridge("--database", url, *command[2:], "--format", "csv")
    assert again.exit_code == 0 and again.output.count("\n") > 1, again.output
