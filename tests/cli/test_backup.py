"""`bridge backup FILE` and `bridge restore FILE` as an operator types them: help, a question
before the database is replaced, errors that name the file (exit 1, no traceback), progress
on a terminal."""

import re
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.test_progress import on_a_terminal
from tests.conftest import BRIDGE, Bridge, WriteExport, appointment, import_appointments


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM activities"))
    engine.dispose()
    return int(count or 0)


def test_both_commands_have_help(bridge: Bridge) -> None:
    for command in ("backup", "restore"):
        result = bridge(command, "--help")
        assert result.exit_code == 0
        assert "FILE" in result.output and "backup" in result.output.lower()
    assert "backup" in bridge("--help").output and "restore" in bridge("--help").output


def test_restore_asks_first_and_a_no_changes_nothing(
        hq: Bridge, write_export: WriteExport, engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "hq.backup"
    assert hq("backup", file).exit_code == 0
    import_appointments(hq, write_export, appointment("MA-1"))
    refused = hq("restore", file, input="n\n")
    assert refused.exit_code == 1 and "Replace everything in the database" in refused.output
    assert _count(engine) == 1
    accepted = hq("restore", file, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert f"Restored the database from {file}" in accepted.output
    assert _count(engine) == 0


def test_a_database_without_a_schema_has_nothing_to_back_up(tmp_path: Path) -> None:
    run = subprocess.run([BRIDGE, "--database", f"sqlite:///{tmp_path / 'empty.db'}", "backup",
                          str(tmp_path / "hq.backup")], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 1 and "has no schema" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "hq.backup").exists()


def test_bad_files_are_named_with_exit_1_and_no_traceback(
        hq: Bridge, database_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 100)
    (tmp_path / "taken.backup").write_text("x", encoding="utf-8")
    for args, said in (
            (["restore", junk, "--yes"], f"Error: {junk} is not a backup"),
            (["restore", tmp_path / "nowhere.backup", "--yes"], "nowhere.backup: no such file"),
            (["backup", tmp_path / "taken.backup"], "taken.backup exists already (--force"),
            (["backup", tmp_path / "no-dir" / "hq.backup"], "no directory")):
        run = subprocess.run([BRIDGE, "--database", database_url, *map(str, args)],
                             capture_output=True, text=True, timeout=60, check=False)
        assert run.returncode == 1, run.stderr
        assert said in run.stderr
        assert "Traceback" not in run.stderr


def test_an_older_schema_is_backed_up_and_its_restore_says_to_upgrade(
        hq: Bridge, engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        current = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0015'"))
    file = tmp_path / "old.backup"
    engine.dispose()
    made = hq("backup", file)  # (a database not upgraded yet is backed up: before `init`)
    assert made.exit_code == 0, made.output
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    engine.dispose()
    result = hq("restore", file, "--yes")
    assert result.exit_code == 0, result.output
    assert "run `bridge init` to upgrade it" in result.output
    with engine.begin() as connection:  # (only the number was older: put it back)
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    engine.dispose()


def test_a_backup_shows_its_progress_on_a_terminal(hq: Bridge, database_url: str,
                                                   tmp_path: Path) -> None:
    finished, shown = on_a_terminal(
        [BRIDGE, "--database", database_url, "backup", str(tmp_path / "hq.backup")])
    assert finished.returncode == 0
    assert b"Backed up the database" in finished.stdout
    frames = re.findall(rb"(\d+)%", shown)
    assert frames and frames[-1] == b"100", shown[-300:]
