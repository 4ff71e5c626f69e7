"""Shared fixtures: a real HQ database (SQLite, or BRIDGE_TEST_DATABASE_URL), the CLI, exports.

Every test gets an empty, migrated database with the definition installed. On SQLite each
test has its own file (copied from one migrated template); on PostgreSQL the tables are
emptied between tests.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text

from bridge import calendars
from bridge.cli.main import cli
from bridge.hq.definitions import install_defaults
from bridge.infra.db import make_engine, transaction
from bridge.infra.schema import upgrade
from bridge.models import Base, ImportRun, RunStatus
from tests.clock import NOW, NOW_ISO, iso

calendars.subscribe()  # what every entry point does (the tests call the domain directly too)

TEST_DATABASE_ENV = "BRIDGE_TEST_DATABASE_URL"

BRIDGE = str(Path(sys.executable).parent / "bridge")
"""The `bridge` command of this installation."""


def _reset_server_database(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


Bridge = Callable[..., Result]
"""The ``bridge`` and ``hq`` fixtures: run a `bridge` command → click's Result."""
WriteExport = Callable[..., Path]
"""The ``write_export`` fixture: write an exchange file → its path."""

T = TypeVar("T")
_opened: list[Any] = []


def opened(client: T) -> T:
    """``client`` (an HTTP session or a ``caldav`` client), closed when the test ends: each
    ``caldav`` client's connection pool keeps a thread of its own until it is closed."""
    _opened.append(client)
    return client


def close_opened() -> None:
    """Close every client :func:`opened` so far (a closed one opens new connections if it
    is used again)."""
    while _opened:
        _opened.pop().close()


@pytest.fixture(autouse=True)
def _clients_closed() -> Iterator[None]:
    yield
    close_opened()


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: the template file on SQLite, the test database on a server."""
    server_url = os.environ.get(TEST_DATABASE_ENV)
    if server_url:
        _reset_server_database(server_url)
        return server_url
    template = tmp_path_factory.mktemp("template") / "hq.db"
    engine = make_engine(f"sqlite:///{template}")
    upgrade(engine)
    engine.dispose()
    return str(template)


@pytest.fixture
def database_url(_migrated: str, tmp_path: Path) -> str:
    return fresh_database(_migrated, tmp_path)


def fresh_database(migrated: str, directory: Path) -> str:
    """An empty, migrated database with the definition installed: a copy of the template in
    ``directory`` on SQLite; the test database, emptied, on a server."""
    if os.environ.get(TEST_DATABASE_ENV):
        engine = make_engine(migrated)
        with engine.begin() as connection:  # (a few rows: DELETE takes a sixth of TRUNCATE's
            for table in reversed(Base.metadata.sorted_tables):  # time, which makes files)
                connection.execute(table.delete())
            for name in connection.scalars(text(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = current_schema()")):
                connection.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
        _install(engine)
        engine.dispose()
        return migrated
    path = directory / "hq.db"
    shutil.copyfile(migrated, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    _install(engine)
    engine.dispose()
    return url


def _install(engine: Engine) -> None:
    with transaction(engine) as session:
        install_defaults(session)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def bridge(database_url: str) -> Bridge:
    """Run a `bridge` command in-process against the test database, as a user would type it.

    ``bridge("import", "customers", path)`` → click's Result (exit_code, output).
    """
    runner = CliRunner()

    def run(*args: Any, input: str | None = None) -> Result:
        argv = ["--database", database_url, "--user", "tester", *map(str, args)]
        return runner.invoke(cli, argv, input=input, catch_exceptions=False)

    return run


@pytest.fixture
def write_export(tmp_path: Path) -> WriteExport:
    """Write an exchange file: ``write_export("appointments", [records…])`` → its path."""
    formats = {
        "customers": "bus-customers/1",
        "appointments": "bus-appointments/1",
        "employees": "hq-employees/1",
    }
    counter = iter(range(1_000_000))

    def write(kind: str, records: list[dict[str, Any]], name: str | None = None) -> Path:
        path = tmp_path / (name or f"{kind}-{next(counter)}.json")
        document = {"format": formats[kind], "exported_at": EXPORTED_AT, kind: records}
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write


def employee(login: str, **fields: Any) -> dict[str, Any]:
    return {
        "login": login,
        "name": fields.pop("name", login.title()),
        "email": f"{login}@example.com",
        "sales_representative": True,
        "manager": None,
        "sales_channels": ["North"],
        **fields,
    }


def customer(number: str, **fields: Any) -> dict[str, Any]:
    return {
        "number": number,
        "name": fields.pop("name", f"Customer {number}"),
        "sales_channel": "North",
        "address": {"street": "Main St 1", "postal_code": "00-001", "city": "Warsaw",
                    "country": "PL"},
        "phone": "+48 22 000 00 00",
        "email": f"{number.lower()}@customer.example",
        "active": True,
        **fields,
    }


EXPORTED_AT = (NOW - timedelta(hours=1)).isoformat()
"""When the mobile system wrote the exports of the tests (an hour before the import clock)."""
MODIFIED_AT = (NOW - timedelta(hours=17)).isoformat()
"""When the mobile system last changed an appointment of an export (the day before NOW)."""


def appointment(mobile_id: str, **fields: Any) -> dict[str, Any]:
    """A confirmed, planned appointment of bwilson at C-1001 in six days, 09:00 in Warsaw,
    last modified by the mobile system the afternoon before the import clock."""
    return {
        "mobile_id": mobile_id,
        "number": fields.pop("number", f"APP/{mobile_id}"),
        "name": "Quarterly review",
        "sales_channel": "North",
        "representative": "bwilson",
        "customer": "C-1001",
        "start": iso(6, "09:00"),
        "end": iso(6, "10:00"),
        "confirmed": True,
        "status": "planned",
        "description": "Bring the new price list",
        "completed_on": None,
        "completed_by": None,
        "modified_at": MODIFIED_AT,
        **fields,
    }


CHANGED_AT = (NOW - timedelta(minutes=30)).isoformat()
"""When the mobile system changed an appointment again (after ``appointment``'s version)."""


def later_version(mobile_id: str, **fields: Any) -> dict[str, Any]:
    """A later version of ``appointment(mobile_id)`` from the mobile system."""
    return appointment(mobile_id, **{"modified_at": CHANGED_AT, **fields})


STAFF = [
    employee("awhite", name="Anna White"),
    employee("bwilson", name="Ben Wilson", manager="awhite"),
    employee("cdavis", name="Carol Davis", manager="awhite", sales_channels=["South"]),
    employee("ddiaz", name="Dan Diaz", manager="awhite", sales_channels=["East"]),
    employee("eclerk", name="Eve Clerk", sales_representative=False, sales_channels=[]),
]


@pytest.fixture
def hq(bridge: Bridge, write_export: WriteExport) -> Bridge:
    """An HQ with the staff above, customers C-1001 (North) and C-2001 (South), and the
    definition activated. Returns ``bridge`` for convenience."""
    assert bridge("employees", "import", write_export("employees", STAFF)).exit_code == 0
    customers = [customer("C-1001", name="Acme Trading"),
                 customer("C-2001", name="Southwind", sales_channel="South")]
    result = bridge("import", "customers", write_export("customers", customers),
                    "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    assert bridge("definition", "activate", "ibus.AppointmentSynchronize").exit_code == 0
    return bridge


def import_appointments(hq: Bridge, write_export: WriteExport,
                        *records: dict[str, Any], now: str = NOW_ISO) -> Result:
    """`bridge import activities` of an export holding ``records``; it must succeed."""
    result = hq("import", "activities", write_export("appointments", list(records)),
                "--now", now)
    assert result.exit_code == 0, result.output
    return result


def activities_json(bridge: Bridge, *args: str) -> list[dict[str, Any]]:
    """`bridge activities list --format json` parsed, as a script would read it."""
    result = bridge("activities", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, all released at the same moment; their results
    (an exception in any call is raised here)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result() for future in futures]


def run_command(database_url: str, *args: str) -> None:
    """A `bridge` command run as an operator types it — a process of its own — so that it
    can race the server and other commands (CliRunner cannot run in several threads at once;
    run in threads of this process, commands shared its heap and its pauses); it must
    succeed."""
    done = subprocess.run([BRIDGE, "--database", database_url, "--user", "tester", *args],
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bridge {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stdout}{done.stderr}")


def recorded_as_running(engine: Engine) -> int:
    """A run on record as running, as a run's process records it before its work; its id."""
    with transaction(engine) as session:
        run = ImportRun(job="activities", source="waiting.json", started_by="tester",
                        clock=NOW, status=RunStatus.RUNNING)
        session.add(run)
        session.flush()
        return run.id
