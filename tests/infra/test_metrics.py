"""The metrics of ``bridge.infra.metrics`` in one process: write transactions observed, and
the counts read from the database when scraped (one query each, reused for a few seconds)."""

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from bridge.infra import metrics
from bridge.infra.db import transaction
from tests.clock import NOW_ISO
from tests.conftest import Bridge, WriteExport, customer


def samples(*collectors: metrics.DatabaseCounts) -> dict[tuple[str, tuple[str, ...]], float]:
    body, _ = metrics.exposition(collectors)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples}


def count(found: dict[tuple[str, tuple[str, ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_write_transaction_is_timed_waiting_and_holding(engine: Engine) -> None:
    dialect = engine.dialect.name
    before = samples()
    with transaction(engine):
        pass
    with transaction(engine, write=False):
        pass  # (a reader takes no write lock)
    after = samples()
    for name in ("bridge_write_lock_wait_seconds_count", "bridge_write_lock_held_seconds_count"):
        assert count(after, name, dialect=dialect) - count(before, name, dialect=dialect) == 1


def test_runs_and_kept_values_are_read_from_the_database_and_reused_briefly(
        engine: Engine, bridge: Bridge, write_export: WriteExport,
        monkeypatch: pytest.MonkeyPatch) -> None:
    counts = metrics.DatabaseCounts({"hq": engine})
    empty = samples(counts)
    assert count(empty, "bridge_kept_client_values_open", database="hq") == 0
    assert not [key for key in empty if key[0] == "bridge_import_runs_total"]

    result = bridge("import", "customers", write_export("customers", [customer("C-1001")]),
                    "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    kept = {key: found for key, found in samples(counts).items() if ("database", "hq") in key[1]}
    assert kept == {key: found for key, found in empty.items() if ("database", "hq") in key[1]}
    # (read again after COUNTS_SECONDS only)
    monkeypatch.setattr(metrics, "COUNTS_SECONDS", 0.0)
    found = samples(counts)
    assert count(found, "bridge_import_runs_total", database="hq", job="customers",
                 outcome="succeeded") == 1
    assert count(found, "bridge_import_rows_total", database="hq", job="customers",
                 count="read") == 1
    assert count(found, "bridge_import_rows_total", database="hq", job="customers",
                 count="imported") == 1


def test_a_database_that_cannot_be_read_is_left_out(engine: Engine) -> None:
    from bridge.infra.db import make_engine

    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/nothing")
    registry = CollectorRegistry()
    registry.register(metrics.DatabaseCounts({"hq": engine, "down": down}))
    names = {sample.labels.get("database") for family in registry.collect()
             for sample in family.samples}
    assert names == {"hq"}
    down.dispose()
