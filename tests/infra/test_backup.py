"""Backups and restores of the HQ database (bridge.infra.backup): the restored database is
the one backed up, whatever happened since; a file that is no backup of ours, or one of the
other kind of database, is refused before anything is changed, and so is a backup of a
newer version; a restore that fails half-way changes nothing."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bridge.infra import backup as backups
from bridge.infra.readiness import SCHEMA_REVISION
from bridge.models import Base
from tests.conftest import Bridge, WriteExport, appointment, import_appointments


def _mobile_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(text("SELECT mobile_id FROM activities")))


def _tables(engine: Engine) -> set[str]:
    from sqlalchemy import inspect

    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def test_a_restore_puts_back_what_was_backed_up(
        hq: Bridge, write_export: WriteExport, database_url: str, engine: Engine,
        tmp_path: Path) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    file = tmp_path / "hq.backup"
    steps: list[tuple[int, int]] = []
    backups.backup(database_url, file, progress=lambda done, total: steps.append((done, total)))
    assert steps and steps[-1][0] == steps[-1][1]
    assert backups.file_kind(file) == backups.kind(database_url)
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-2"))
    with engine.begin() as connection:  # (another application's table beside ours)
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER)"))
    engine.dispose()
    restored = backups.restore(database_url, file)
    assert restored.revision == SCHEMA_REVISION and not restored.needs_upgrade
    assert _mobile_ids(engine) == ["MA-1"]
    if _is_sqlite(database_url):  # (the file is the backup's, whole)
        assert "someone_elses" not in _tables(engine)
    else:  # (PostgreSQL: the bridge's tables are replaced, not the database)
        assert "someone_elses" in _tables(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE someone_elses"))
        engine.dispose()
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-3"))
    assert _mobile_ids(engine) == ["MA-1", "MA-3"]  # (it works on: sequences restored too)


def test_a_backup_does_not_replace_a_file_unless_asked(
        hq: Bridge, database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "hq.backup"
    file.write_bytes(b"precious")
    with pytest.raises(backups.BackupError, match="exists already"):
        backups.backup(database_url, file)
    assert file.read_bytes() == b"precious"
    backups.backup(database_url, file, overwrite=True)
    assert backups.file_kind(file) == backups.kind(database_url)
    assert not [path for path in tmp_path.iterdir() if "partial" in path.name]


def test_a_file_that_is_no_backup_is_refused_by_name(
        hq: Bridge, database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("not a backup\n", encoding="utf-8")
    with pytest.raises(backups.BackupError, match=r"notes\.txt is not a backup"):
        backups.restore(database_url, file)
    with pytest.raises(backups.BackupError, match=r"missing\.db: no such file"):
        backups.restore(database_url, tmp_path / "missing.db")


def test_an_sqlite_database_of_something_else_is_refused(
        hq: Bridge, database_url: str, tmp_path: Path) -> None:
    if not _is_sqlite(database_url):
        pytest.skip("an SQLite file is the other kind here (see the test below)")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    with pytest.raises(backups.BackupError, match=r"other\.db is not a backup of an HQ database"):
        backups.restore(database_url, other)


def test_a_backup_of_the_other_kind_of_database_is_refused(
        hq: Bridge, database_url: str, tmp_path: Path) -> None:
    sqlite_file = tmp_path / "sqlite.db"
    with sqlite3.connect(sqlite_file) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    dump = tmp_path / "pg.dump"
    dump.write_bytes(backups.PG_DUMP_MAGIC + b"\x01\x0e\x00" + b"\x00" * 64)
    other = dump if _is_sqlite(database_url) else sqlite_file
    with pytest.raises(backups.BackupError, match=rf"{other.name} is a backup of an? "
                       r"(PostgreSQL|SQLite) database; this database is"):
        backups.restore(database_url, other)


def test_a_backup_of_a_newer_version_is_refused_and_an_older_one_is_left_to_upgrade(
        hq: Bridge, database_url: str, engine: Engine, tmp_path: Path) -> None:
    newer, older = tmp_path / "newer.backup", tmp_path / "older.backup"
    for file, revision in ((newer, "9999"), (older, "0015")):
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                               {"revision": revision})
        backups.backup(database_url, file)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                           {"revision": SCHEMA_REVISION})
    engine.dispose()
    with pytest.raises(backups.BackupError, match=r"newer\.backup was made by a newer version"):
        backups.restore(database_url, newer)
    restored = backups.restore(database_url, older)
    assert restored.needs_upgrade and restored.revision == "0015"
    with engine.begin() as connection:  # (the schema is this version's: only its number was)
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                           {"revision": SCHEMA_REVISION})
    engine.dispose()


def test_a_restore_that_fails_half_way_changes_nothing(
        hq: Bridge, write_export: WriteExport, database_url: str, engine: Engine,
        tmp_path: Path) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    file = tmp_path / "hq.backup"
    backups.backup(database_url, file)
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-2"))
    cut = tmp_path / "cut.backup"
    cut.write_bytes(file.read_bytes()[:file.stat().st_size * 2 // 3])
    engine.dispose()
    with pytest.raises(backups.BackupError, match=r"cut\.backup"):
        backups.restore(database_url, cut)
    assert _mobile_ids(engine) == ["MA-1", "MA-2"]


def test_postgresql_without_its_client_tools_is_a_clear_error(
        hq: Bridge, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if _is_sqlite(database_url):
        pytest.skip("SQLite needs no tools")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backups.BackupError, match=r"`pg_dump` is not installed"):
        backups.backup(database_url, tmp_path / "hq.backup")


def test_a_postgresql_restore_leaves_the_database_s_extensions_in_place(
        hq: Bridge, database_url: str, engine: Engine, tmp_path: Path) -> None:
    """Dropping an extension needs its owner — maybe the superuser who made it for the
    bridge's user: the restore makes one only where it is missing."""
    if _is_sqlite(database_url):
        pytest.skip("PostgreSQL's extensions")
    query = text("SELECT oid FROM pg_extension WHERE extname = 'pg_trgm'")
    with engine.connect() as connection:
        before = connection.scalar(query)
    if before is None:
        pytest.skip("pg_trgm is not installed on this server")
    file = tmp_path / "hq.backup"
    backups.backup(database_url, file)
    engine.dispose()
    backups.restore(database_url, file)
    with engine.connect() as connection:
        assert connection.scalar(query) == before
        assert connection.scalar(text(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_activities_search_trgm'")) == 1
    engine.dispose()


def test_a_restore_of_an_older_schema_leaves_no_table_of_the_newer_one(
        hq: Bridge, database_url: str, engine: Engine, tmp_path: Path) -> None:
    newer = Base.metadata.tables["audit_events"]  # (as if the newer schema had added it)
    with engine.begin() as connection:
        newer.drop(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0015'"))
    file = tmp_path / "older.backup"
    backups.backup(database_url, file)
    with engine.begin() as connection:
        newer.create(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                           {"revision": SCHEMA_REVISION})
    engine.dispose()
    assert backups.restore(database_url, file).needs_upgrade
    assert "audit_events" not in _tables(engine)  # (`bridge init` makes it again)
    with engine.begin() as connection:  # (the upgrade's part, for the tests after this one)
        newer.create(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                           {"revision": SCHEMA_REVISION})
    engine.dispose()


def test_an_sqlite_backup_is_the_database_at_its_start_whatever_is_written_meanwhile(
        hq: Bridge, write_export: WriteExport, database_url: str, engine: Engine,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _is_sqlite(database_url):
        pytest.skip("SQLite's backup API")
    import_appointments(hq, write_export, *(appointment(f"MA-{n}") for n in range(200)))
    monkeypatch.setattr(backups, "PAGES_PER_STEP", 2)
    writes = 0

    def write_meanwhile(done: int, total: int) -> None:
        nonlocal writes
        if done < total:
            with engine.begin() as connection:  # (another connection, between two steps)
                connection.execute(text("UPDATE activities SET name = 'Written meanwhile'"))
            writes += 1

    file = tmp_path / "hq.backup"
    backups.backup(database_url, file, progress=write_meanwhile)
    assert writes > 3
    with sqlite3.connect(file) as copy:
        names = {row[0] for row in copy.execute("SELECT name FROM activities")}
    copy.close()
    assert names == {"Quarterly review"}
