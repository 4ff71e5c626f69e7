#!/usr/bin/env python3
"""Generate a deterministic exchange set for the import benchmark.

Writes three files to OUT_DIR (the formats of SPEC.md, "Fixed interfaces"):

* ``employees.json``    hq-employees/1: sales representatives spread over the sales channels,
                         one manager per channel and a head of sales above them;
* ``customers.json``    bus-customers/1;
* ``appointments.json`` bus-appointments/1 with N appointments spread over the representatives
                         and customers, starting after the import clock (``--now``), with mixed
                         UTC offsets and mobile statuses, ~2 % unconfirmed and ~2 % with a
                         customer that does not exist in HQ.

Records are written one by one (nothing is collected in memory), so N = 1 000 000 works.
The same arguments always produce byte-identical files (seeded random).

    python bench/generate.py OUT_DIR [-n 100000] [--now 2027-03-01T09:00:00Z] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

DEFAULT_NOW = f"{datetime.now(UTC):%Y-%m-%d}T09:00:00Z"
"""The import clock: today, 09:00 UTC (the server judges the calendar windows by the real
date: a fixed date would fall out of them as the calendar moves on)."""
CHANNEL_NAMES = ["North", "South", "East", "West", "Central", "Coast", "Mountain", "Capital"]
OFFSETS = [  # (weight, tz or None for "Z")
    (35, timezone(timedelta(hours=1))),
    (25, timezone(timedelta(hours=2))),
    (20, timezone(timedelta(hours=-5))),
    (20, None),
]
STATUSES = [  # (weight, mobile status)
    (84, "planned"),
    (5, "completed"),
    (5, "in_progress"),
    (3, "suspended"),
    (3, "rejected"),
]
FIRST_NAMES = ["Anna", "Ben", "Carla", "David", "Ewa", "Filip", "Greta", "Hugo", "Irena",
               "Jan", "Kasia", "Leon", "Maria", "Nora", "Oskar", "Piotr", "Rosa", "Tomasz"]
LAST_NAMES = ["White", "Wilson", "Nowak", "Kowalski", "Schmidt", "Garcia", "Novak", "Smith",
              "Lewandowska", "Brown", "Fischer", "Horvat", "Keller", "Wojcik", "Meyer"]
COMPANY_WORDS = ["Acme", "Baltic", "Central", "Delta", "Euro", "Future", "Global", "Horizon",
                 "Iron", "Jade", "Kappa", "Lumen", "Metro", "Nord", "Orbit", "Prime", "Quantum"]
COMPANY_KINDS = ["Trading", "Foods", "Logistics", "Retail", "Systems", "Wholesale", "Pharma"]
CITIES = [("Warsaw", "PL", "00"), ("Krakow", "PL", "30"), ("Gdansk", "PL", "80"),
          ("Berlin", "DE", "10"), ("Munich", "DE", "80"), ("Prague", "CZ", "110"),
          ("Vienna", "AT", "1010"), ("Bratislava", "SK", "811")]
SUBJECTS = ["Quarterly review", "Price list presentation", "New product demo", "Order intake",
            "Shelf audit", "Contract renewal", "Complaint follow-up", "Promotion planning",
            "Stock check", "Introductory visit"]
DESCRIPTIONS = ["Bring the new price list", "Discuss payment terms", "Check the display",
                "Collect the signed contract", "", "Present the winter promotion",
                "Ask about competitor prices"]


def parse_instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date-time") from error
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (add Z or +01:00)")
    return value.astimezone(UTC)


def iso(value: datetime, tz: timezone | None) -> str:
    """ISO 8601 text in ``tz`` (None: UTC written as ``Z``)."""
    if tz is None:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    return value.astimezone(tz).isoformat()


def write_document(out: IO[str], header: dict[str, Any], key: str,
                   records: Iterable[dict[str, Any]]) -> int:
    """Write ``{**header, key: [records…]}`` streaming, one record per line; the count."""
    head = json.dumps(header, ensure_ascii=False)
    out.write(head[:-1] + f', "{key}": [\n')
    count = 0
    for record in records:
        if count:
            out.write(",\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


class Generator:
    def __init__(self, *, seed: int, now: datetime, representatives: int, channels: int,
                 customers: int) -> None:
        self.seed = seed
        self.now = now
        self.channels = CHANNEL_NAMES[:channels]
        self.rep_count = representatives
        self.customer_count = customers
        self.exported_at = now - timedelta(hours=1)
        # Who is in which channel: cheap, derived, the only thing appointments need.
        self.reps = [(f"rep{i:04d}", self.channels[i % len(self.channels)])
                     for i in range(1, representatives + 1)]
        self.customers_by_channel: dict[str, list[str]] = {c: [] for c in self.channels}
        for i in range(1, customers + 1):
            self.customers_by_channel[self.channels[i % len(self.channels)]].append(
                self.customer_number(i))

    @staticmethod
    def customer_number(i: int) -> str:
        return f"C-{i:06d}"

    @staticmethod
    def _person(rng: random.Random) -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    def employees(self) -> Iterator[dict[str, Any]]:
        rng = random.Random(f"{self.seed}-employees")
        yield {"login": "head", "name": self._person(rng), "email": "head@example.com",
               "sales_representative": False, "manager": None,
               "sales_channels": list(self.channels)}
        for channel in self.channels:
            login = f"mgr-{channel.lower()}"
            yield {"login": login, "name": self._person(rng), "email": f"{login}@example.com",
                   "sales_representative": False, "manager": "head",
                   "sales_channels": [channel]}
        for login, channel in self.reps:
            yield {"login": login, "name": self._person(rng), "email": f"{login}@example.com",
                   "sales_representative": True, "manager": f"mgr-{channel.lower()}",
                   "sales_channels": [channel]}

    def customers(self) -> Iterator[dict[str, Any]]:
        rng = random.Random(f"{self.seed}-customers")
        for i in range(1, self.customer_count + 1):
            city, country, postal = rng.choice(CITIES)
            number = self.customer_number(i)
            yield {
                "number": number,
                "name": f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {i}",
                "sales_channel": self.channels[i % len(self.channels)],
                "address": {"street": f"Main St {rng.randint(1, 250)}",
                            "postal_code": f"{postal}-{rng.randint(1, 999):03d}",
                            "city": city, "country": country},
                "phone": f"+48 22 {rng.randint(100, 999)} {rng.randint(10, 99)} "
                         f"{rng.randint(10, 99)}",
                "email": f"office{i}@customer.example",
                "active": rng.random() > 0.01,
            }

    def appointments(self, count: int, first: int = 1) -> Iterator[dict[str, Any]]:
        """``count`` appointments numbered from ``first`` (a later export of new ones starts
        after the last of an earlier one)."""
        rng = random.Random(f"{self.seed}-appointments" + (f"-{first}" if first > 1 else ""))
        offset_weights = [w for w, _ in OFFSETS]
        offset_zones = [tz for _, tz in OFFSETS]
        status_weights = [w for w, _ in STATUSES]
        status_names = [s for _, s in STATUSES]
        # Start times from 1 hour to ~180 days after the clock, on a quarter of an hour.
        base = self.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        slots = 180 * 24 * 4
        year = self.now.year
        for i in range(first, first + count):
            login, channel = self.reps[rng.randrange(len(self.reps))]
            if rng.random() < 0.02:
                customer = f"C-X{i:07d}"  # not an HQ customer
            else:
                pool = self.customers_by_channel[channel]
                customer = pool[rng.randrange(len(pool))]
            start = base + timedelta(minutes=15 * rng.randrange(slots))
            end = start + timedelta(minutes=rng.choice((30, 45, 60, 90, 120)))
            tz = rng.choices(offset_zones, offset_weights)[0]
            status = rng.choices(status_names, status_weights)[0]
            modified = self.exported_at - timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
            completed = status == "completed"
            yield {
                "mobile_id": f"MA-{i:08d}",
                "number": f"APP/{year}/{i:08d}",
                "name": rng.choice(SUBJECTS),
                "sales_channel": channel,
                "representative": login,
                "customer": customer,
                "start": iso(start, tz),
                "end": iso(end, tz),
                "confirmed": rng.random() >= 0.02,
                "status": status,
                "description": rng.choice(DESCRIPTIONS),
                "completed_on": iso(modified, tz) if completed else None,
                "completed_by": login if completed else None,
                "modified_at": iso(modified, None),
            }


def generate(out_dir: Path, *, appointments: int, now: datetime, seed: int = 42,
             representatives: int = 200, channels: int = 5, customers: int = 5000,
             first: int = 1) -> dict[str, Path]:
    """Write the three files into ``out_dir``; their paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed=seed, now=now, representatives=representatives, channels=channels,
                    customers=customers)
    exported = iso(gen.exported_at, None)
    paths = {
        "employees": out_dir / "employees.json",
        "customers": out_dir / "customers.json",
        "appointments": out_dir / "appointments.json",
    }
    documents = [
        ("employees", {"format": "hq-employees/1"}, gen.employees()),
        ("customers", {"format": "bus-customers/1", "exported_at": exported}, gen.customers()),
        ("appointments", {"format": "bus-appointments/1", "exported_at": exported},
         gen.appointments(appointments, first)),
    ]
    for key, header, records in documents:
        with paths[key].open("w", encoding="utf-8", buffering=1 << 20) as out:
            write_document(out, header, key, records)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a deterministic benchmark exchange set (hq-employees/1, "
        "bus-customers/1, bus-appointments/1) to OUT_DIR, streaming record by record.")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR",
                        help="folder to write employees.json, customers.json, appointments.json")
    parser.add_argument("-n", "--appointments", type=int, default=100_000, metavar="N",
                        help="number of appointments (default: %(default)s)")
    parser.add_argument("--now", type=parse_instant, default=parse_instant(DEFAULT_NOW),
                        metavar="ISO-TIME",
                        help=f"the import clock; every start is after it (default: {DEFAULT_NOW})")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    parser.add_argument("--representatives", type=int, default=200,
                        help="sales representatives (default: %(default)s)")
    parser.add_argument("--channels", type=int, default=5, choices=range(1, len(CHANNEL_NAMES) + 1),
                        metavar=f"1..{len(CHANNEL_NAMES)}",
                        help="sales channels (default: %(default)s)")
    parser.add_argument("--customers", type=int, default=5000,
                        help="customers (default: %(default)s)")
    parser.add_argument("--first", type=int, default=1,
                        help="number of the first appointment (MA-…): a later export of new "
                             "appointments starts after an earlier one's (default: 1)")
    args = parser.parse_args(argv)
    if args.appointments < 0 or args.representatives < 1 or args.customers < args.channels:
        parser.error("need N >= 0, at least one representative and a customer per channel")
    paths = generate(args.out_dir, appointments=args.appointments, now=args.now, seed=args.seed,
                     representatives=args.representatives, channels=args.channels,
                     customers=args.customers, first=args.first)
    for kind, path in paths.items():
        print(f"{kind:12} {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
