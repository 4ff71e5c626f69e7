"""A realistic demo data set, loaded through the real import path.

Three weeks ago the mobile system exported its appointments and HQ imported them; today a
second export brings the outcome: completed, rejected, suspended, not processed. HQ users
and calendar clients have added activities of their own. Every rule leaves its trace: skip
messages per sales channel, Delayed appointments, frozen ones, read-only mobile ones.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from bridge.errors import InvalidInput
from bridge.hq.definitions import APPOINTMENT_SYNCHRONIZE, install_defaults, set_active
from bridge.hq.editing import ActivityFields, add_activity, complete_activity
from bridge.hq.employees import set_password
from bridge.importing.activities import import_activities
from bridge.importing.customers import import_customers
from bridge.importing.employees import import_employees
from bridge.importing.job import ImportOptions
from bridge.importing.report import RunReport
from bridge.infra.db import transaction
from bridge.infra.schema import upgrade
from bridge.models import Employee, Kind, Origin

CHANNELS = ("North", "South", "East")
STAFF: tuple[tuple[str, str, str | None, list[str], bool], ...] = (
    # login, name, manager, channels, representative
    ("awhite", "Anna White", None, ["North", "South", "East"], True),
    ("bwilson", "Ben Wilson", "awhite", ["North"], True),
    ("cdavis", "Carol Davis", "awhite", ["South"], True),
    ("ddiaz", "Dan Diaz", "awhite", ["East"], True),
    ("efischer", "Eva Fischer", "awhite", ["North", "East"], True),
    ("hqadmin", "Hanna Quist", None, [], False),
)
SUBORDINATES = ("bwilson", "cdavis", "ddiaz", "efischer")
ZONES = (timezone(timedelta(hours=1)), timezone(timedelta(hours=2)), UTC)
TOPICS = ("Quarterly review", "Price list update", "New product demo", "Contract renewal",
          "Complaint follow-up", "Stock check", "Promotion planning", "Order collection")
CITIES = (("Warsaw", "PL"), ("Berlin", "DE"), ("Prague", "CZ"), ("Vienna", "AT"),
          ("Poznan", "PL"), ("Leipzig", "DE"), ("Brno", "CZ"), ("Graz", "AT"))
CUSTOMER_COUNT = 60
APPOINTMENT_COUNT = 560


def demo_password(login: str) -> str:
    return f"{login}-demo-2026"


def demo_logins() -> list[tuple[str, str, str]]:
    """Login, password (as the demo sets it) and name of everyone in the demo."""
    return [(login, demo_password(login), name) for login, name, *_ in STAFF]


def holds_data(engine: Engine) -> bool:
    """Whether the database has employees (the demo, or what was done with it since); one
    that does is brought to the current schema, as `bridge init` would."""
    upgrade(engine)
    with transaction(engine, write=False) as session:
        return bool(session.scalar(select(func.count()).select_from(Employee)))


@dataclass(frozen=True)
class DemoResult:
    logins: list[tuple[str, str, str]]
    reports: list[RunReport]
    data_dir: Path


def load_demo(engine: Engine, data_dir: Path, now: datetime, seed: int = 2026,
              started_by: str = "demo") -> DemoResult:
    """Initialise the database and fill it; refuses a database that already has employees."""
    upgrade(engine)
    with transaction(engine) as session:
        install_defaults(session)
        if session.scalar(select(func.count()).select_from(Employee)):
            raise InvalidInput(
                "this database already has data; load the demo into a new one "
                "(for example --database sqlite:///demo.db)"
            )
        set_active(session, APPOINTMENT_SYNCHRONIZE, True)
    rng = random.Random(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    files = _write_exports(data_dir, rng, now)
    then = now - timedelta(days=21)
    options = ImportOptions(now=now, started_by=started_by)
    earlier = ImportOptions(now=then, started_by=started_by)
    reports = [
        import_employees(engine, files["employees"], options),
        import_customers(engine, files["customers-1"], earlier),
        import_activities(engine, files["appointments-1"], earlier),
        import_customers(engine, files["customers-2"], options),
        import_activities(engine, files["appointments-2"], options),
    ]
    logins = _set_passwords(engine)
    _add_hq_and_client_activities(engine, rng, now)
    return DemoResult(logins, reports, data_dir)


def _set_passwords(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(engine) as session:
        for login, password, _ in demo_logins():
            set_password(session, login, password)
    return demo_logins()


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _write_exports(data_dir: Path, rng: random.Random, now: datetime) -> dict[str, Path]:
    then = now - timedelta(days=21)
    customers = list(_customers(rng))
    first = list(_appointments(rng, then, now + timedelta(days=45), customers))
    return {
        "employees": _write(data_dir / "employees.json", {
            "format": "hq-employees/1",
            "employees": [
                {"login": login, "name": name, "email": f"{login}@example.com",
                 "sales_representative": rep, "manager": manager, "sales_channels": channels}
                for login, name, manager, channels, rep in STAFF
            ],
        }),
        # The first customer export lacks a few customers that arrive only later: their
        # appointments are skipped in the first run and reported per sales channel.
        "customers-1": _write(data_dir / "customers-1.json", {
            "format": "bus-customers/1", "exported_at": _iso(then),
            "customers": customers[: CUSTOMER_COUNT - 6],
        }),
        "appointments-1": _write(data_dir / "appointments-1.json", {
            "format": "bus-appointments/1", "exported_at": _iso(then),
            "appointments": first,
        }),
        "customers-2": _write(data_dir / "customers-2.json", {
            "format": "bus-customers/1", "exported_at": _iso(now),
            "customers": customers,
        }),
        "appointments-2": _write(data_dir / "appointments-2.json", {
            "format": "bus-appointments/1", "exported_at": _iso(now),
            "appointments": [_outcome(rng, record, now) for record in first]
            + list(_appointments(rng, now, now + timedelta(days=40), customers, start=len(first),
                                 count=60)),
        }),
    }


def _iso(value: datetime) -> str:
    return value.isoformat()


def _customers(rng: random.Random) -> Iterator[dict[str, Any]]:
    for index in range(CUSTOMER_COUNT):
        city, country = CITIES[index % len(CITIES)]
        yield {
            "number": f"C-{1001 + index}",
            "name": f"{rng.choice(('Acme', 'Baltic', 'Central', 'Delta', 'Euro', 'Fjord'))} "
                    f"{rng.choice(('Trading', 'Retail', 'Foods', 'Hardware', 'Pharma'))} "
                    f"{index + 1}",
            "sales_channel": CHANNELS[index % len(CHANNELS)],
            "address": {"street": f"{rng.choice(('Main St', 'Market Sq', 'Oak Ave'))} "
                                  f"{rng.randint(1, 120)}",
                        "postal_code": f"{rng.randint(10, 99)}-{rng.randint(100, 999)}",
                        "city": city, "country": country},
            "phone": f"+48 22 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "email": f"office{index + 1}@customer.example",
            "active": index % 29 != 0,
        }


def _appointments(rng: random.Random, clock: datetime, until: datetime,
                  customers: list[dict[str, Any]], start: int = 0,
                  count: int = APPOINTMENT_COUNT) -> Iterator[dict[str, Any]]:
    span = (until - clock).total_seconds()
    reps = [login for login, *_, rep in STAFF if rep]
    for index in range(start, start + count):
        when = clock + timedelta(seconds=rng.uniform(3600, span))
        when = when.replace(minute=rng.choice((0, 30)), second=0, microsecond=0)
        zone = rng.choice(ZONES)
        begin = when.astimezone(zone)
        customer = rng.choice(customers)
        rep = rng.choice(reps)
        customer_number = customer["number"]
        if index % 47 == 0:
            customer_number = f"C-{9000 + index}"  # never exported: always skipped
        yield {
            "mobile_id": f"MA-{100000 + index}",
            "number": f"APP/2026/{index + 1:05d}",
            "name": rng.choice(TOPICS),
            "sales_channel": customer["sales_channel"],
            "representative": "hqadmin" if index % 97 == 0 else rep,
            "customer": customer_number,
            "start": begin.isoformat(),
            "end": (begin + timedelta(minutes=rng.choice((30, 60, 90)))).isoformat(),
            "confirmed": index % 23 != 0,
            "status": "planned",
            "description": rng.choice(("Bring the new price list", "Check shelf placement",
                                       "Discuss payment terms", "")),
            "completed_on": None,
            "completed_by": None,
            "modified_at": clock.isoformat(),
        }


def _outcome(rng: random.Random, record: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What the second export says about an appointment of the first one."""
    start = datetime.fromisoformat(record["start"])
    end = datetime.fromisoformat(record["end"])
    changed = {**record, "modified_at": (now - timedelta(hours=1)).isoformat()}
    roll = rng.random()
    if end < now:
        if roll < 0.6:
            return {**changed, "status": "completed",
                    "completed_on": (end + timedelta(minutes=10)).isoformat(),
                    "completed_by": record["representative"]}
        if roll < 0.7:
            return {**changed, "status": "rejected",
                    "description": "Customer cancelled: stock still full"}
        if roll < 0.8:
            return {**changed, "status": "not_processed"}
        return record  # nobody touched it: becomes Delayed when its period has elapsed
    if roll < 0.08:
        return {**changed, "status": "rejected", "description": "Customer moved the meeting"}
    if roll < 0.16:
        return {**changed, "status": "suspended"}
    if roll < 0.22 and start - now < timedelta(days=2):
        return {**changed, "status": "in_progress"}
    if roll < 0.26:
        return {**changed, "status": "waiting_for_customer"}
    return record


def _add_hq_and_client_activities(engine: Engine, rng: random.Random, now: datetime) -> None:
    """Activities HQ users and calendar clients created: appointments and tasks."""
    reps = [login for login, *_, rep in STAFF if rep]
    with transaction(engine) as session:
        for index in range(90):
            origin = Origin.CLIENT if index % 4 == 0 else Origin.HQ
            kind = Kind.TASK if index % 3 != 2 else Kind.APPOINTMENT
            rep = reps[index % len(reps)]
            when = (now + timedelta(days=rng.randint(-20, 30), hours=rng.randint(0, 8)))
            when = when.replace(minute=0, second=0, microsecond=0).astimezone(rng.choice(ZONES))
            fields = ActivityFields(
                name=rng.choice(("Send offer", "Call back", "Prepare visit report",
                                 "Update contact data", "Follow up payment", "Team meeting")),
                start=when if kind is Kind.APPOINTMENT else None,
                end=when + timedelta(hours=1),
                customer=f"C-{1001 + rng.randrange(CUSTOMER_COUNT)}",
                representative=rep,
                description="Created in HQ" if origin is Origin.HQ else "Created in Outlook",
            )
            activity = add_activity(session, kind, fields, now, origin=origin)
            if when < now and index % 2 == 0:
                complete_activity(session, activity.number, when + timedelta(hours=1), rep)
