"""`bridge init` creates the schema and upgrades an older one, keeping the data."""

import re
import warnings
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from bridge.infra.db import make_engine
from bridge.infra.readiness import SCHEMA_REVISION, recorded_revisions
from bridge.infra.schema import alembic_config, head_revision
from bridge.models import Base
from tests.clock import day


def test_init_upgrades_a_database_of_the_first_release_keeping_its_activities(
        tmp_path: Path) -> None:
    then = day(-300)  # when its rows were written
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO employees (id, login, name, sales_representative, active, created_at, "
            f"modified_at) VALUES (1, 'bwilson', 'Ben Wilson', 1, 1, '{then}', '{then}')"))
        connection.execute(text(
            "INSERT INTO activities (number, name, kind, origin, status, priority, description,"
            " representative_id, mobile_id, frozen, created_at, modified_at, revision) VALUES "
            "('APP/1', 'Old', 'appointment', 'mobile', 'Planned', 5, '', 1, 'MA-1', 0,"
            f" '{then}', '{then}', 1)"))
    from click.testing import CliRunner

    from bridge.cli.main import cli

    result = CliRunner().invoke(cli, ["--database", url, "init"])
    assert result.exit_code == 0, result.output
    assert recorded_revisions(engine) == [head_revision()]
    with engine.connect() as connection:
        row = connection.execute(text("SELECT uid, href FROM activities")).one()
        assert tuple(row) == ("mobile-MA-1@sales-calendar-bridge", "mobile-MA-1.ics")
        paths = set(connection.scalars(text("SELECT path FROM dav_collections")))
        texts = connection.execute(text("SELECT revision, text FROM rendered_activities")).one()
    assert {"bwilson", "bwilson/appointments", "bwilson/mobile", "bwilson/tasks",
            "bwilson/customers"} <= paths
    assert texts.revision == 1 and "SUMMARY:APP/1 Old" in texts.text  # served without rendering
    assert "rendered what the calendars serve of 1 activities" in result.output
    engine.dispose()


def test_the_revision_this_version_needs_is_the_newest_migration() -> None:
    assert SCHEMA_REVISION == head_revision()


def test_the_migrations_make_the_schema_the_models_describe(database_url: str) -> None:
    """Tables, columns, keys and indexes of a migrated database are the models' (PostgreSQL's
    trigram index of the cockpit's search is a migration's only, where pg_trgm is at hand)."""
    engine = make_engine(database_url)
    with engine.connect() as connection, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (alembic skips expression indexes, and says so)
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert [difference for difference in differences
            if not _is_the_search_index(difference)] == []


def _is_the_search_index(difference: object) -> bool:
    return (isinstance(difference, tuple) and difference[0] == "remove_index"
            and difference[1].name == "ix_activities_search_trgm")


def test_the_migrations_import_no_live_code() -> None:
    """A migration is frozen history: what it does must not change when the code does."""
    versions = Path(__file__).resolve().parents[2] / "bridge" / "migrations" / "versions"
    importing = [path.name for path in sorted(versions.glob("*.py"))
                 if re.search(r"^\s*(from|import)\s+bridge\b", path.read_text(), re.MULTILINE)]
    assert importing == []
