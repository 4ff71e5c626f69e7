"""`bridge serve` says when a PostgreSQL server allows fewer connections than its processes
may hold (their requests beyond would be answered 503 under load), and what to change."""

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bridge.infra.capacity import Limits, check, server_of, shortfall, wanted
from bridge.infra.db import make_engine

DEFAULTS = Limits(max_connections=100, reserved=3)
"""PostgreSQL's defaults."""


def test_each_busy_thread_holds_a_connection_and_each_further_database_keeps_idle_ones() -> None:
    assert wanted(processes=1, threads=20, databases=1) == 20
    assert wanted(processes=4, threads=20, databases=1) == 80
    assert wanted(processes=4, threads=20, databases=3) == 4 * (20 + 2 * 5)


def test_a_server_that_allows_enough_is_not_mentioned() -> None:
    assert shortfall("db:5432", DEFAULTS, processes=4, threads=20, databases=1) is None


def test_a_server_that_allows_too_few_is_named_with_the_figures_and_what_to_change() -> None:
    said = shortfall("db:5432", DEFAULTS, processes=5, threads=20, databases=1)
    assert said is not None
    assert "PostgreSQL at db:5432 allows 97 connections (max_connections 100, 3 of them" in said
    assert "5 server processes × 20 threads may hold 100" in said
    assert "answered 503" in said
    assert "Raise max_connections to at least 103" in said and "--workers" in said
    several = shortfall("db:5432", DEFAULTS, processes=2, threads=40, databases=3)
    assert several is not None and "over 3 of its databases may hold 100" in several


def _server_limits(url: str) -> Limits:
    """The limits as PostgreSQL lists its settings (every reserved kind counted)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        settings = dict(connection.execute(text(
            "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', "
            "'superuser_reserved_connections', 'reserved_connections')")).tuples().all())
    engine.dispose()
    maximum = int(settings.pop("max_connections"))
    return Limits(maximum, sum(map(int, settings.values())))


def test_a_server_is_known_by_its_host_or_its_socket() -> None:
    assert server_of("postgresql+psycopg://u@db.example.com/hq") == "db.example.com:5432"
    assert server_of("postgresql+psycopg://u@db:5433/hq") == "db:5433"
    assert server_of("postgresql+psycopg://u@/hq?host=/run/postgresql&port=5434") == \
        "/run/postgresql:5434"
    assert server_of("postgresql+psycopg:///hq") == "the local socket:5432"
    assert server_of("sqlite:///hq.db") is None


def test_databases_on_one_server_are_counted_together(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("the connection limits are PostgreSQL's")
    limits = _server_limits(database_url)
    other = str(make_url(database_url).set(database="postgres"))
    threads = limits.allowed // 2  # (one database: enough; two: 2 × (threads + 5), too many)
    assert check([database_url], processes=2, threads=threads) == []
    [said] = check([database_url, other, database_url], processes=2, threads=threads)
    assert "over 2 of its databases" in said


def test_the_limits_are_read_from_the_postgresql_server_itself(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        assert check([database_url], processes=1000, threads=1000) == []  # (SQLite: none)
        pytest.skip("the connection limits are PostgreSQL's")
    limits = _server_limits(database_url)
    assert check([database_url], processes=1, threads=limits.allowed) == []
    [said] = check([database_url], processes=1, threads=limits.allowed + 1)
    assert f"allows {limits.allowed} connections" in said
    assert f"may hold {limits.allowed + 1}" in said
