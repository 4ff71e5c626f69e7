#!/usr/bin/env python3
"""Benchmark a large HQ: 1 000 representatives × 1 000 activities against 10 representatives.

For each HQ size (``--reps``, default 10 and 1 000) the script builds an HQ on PostgreSQL
through the real paths — ``bridge init``, employees, customers (5 per representative) and
``bridge import activities`` of about ``--per-rep`` appointments per representative
(bench/generate.py: random representatives, ~4 % refused by the import's rules) — and serves
it with ``bridge serve``. Then:

1. **Per representative** (1 process), for one representative of each HQ (median of
   ``--repeat``): the ctag poll of ``mobile/`` (PROPFIND Depth 0), an incremental
   sync-collection after one change, a one-week calendar-query, a PUT of a new appointment,
   and the initial sync of the ~1 000-item ``mobile/`` calendar (sync-collection with an
   empty token, then a multiget of every item). Target: the large HQ at most 1.2 × the small.
   Both HQs are served at once (1 process each) and every run of an operation is timed on
   both in turn, so that the machine's drift falls on both alike.
2. **Throughput** (largest HQ, ``--workers`` 1 and 2): every representative is a client
   (``--clients``); they poll (the ctag of their four collections) and, after an import that
   changes appointments of all of them, sync ``mobile/`` (sync-collection and a multiget of
   what changed). Requests are sent at a fixed rate, raised step by step; the table has each
   step's rate sustained, p50/p99 and errors — the highest rate with p99 ≤ 100 ms is the
   figure. Clients are threads of this process on the same two cores as the server.
3. **A large import into the large HQ**: ``--import`` new appointments; appointments/s and
   the import process's peak RSS, against the same import into the small HQ.

Uses its own PostgreSQL databases (``bridge_scale_<reps>``, emptied first) and keeps the
generated files in ``--data`` (generated once; the same arguments give the same files).
Prints markdown tables. Exit 0 whatever the figures; 1 if the benchmark could not run.

    python bench/scale_bench.py [--reps 10,1000] [--per-rep 1000] [--import 100000]
                                [--workers 1,2] [--rates 25,50,100,200,400] [--step 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dav_bench import (
    BRIDGE,
    CALDAV,
    DAV,
    PROPFIND_CTAG,
    BenchError,
    Server,
    free_port,
    scratch,
    sync_body,
    wait_ready,
)
from generate import DEFAULT_NOW, generate, parse_instant
from import_bench import Measured, prepare_postgresql, run_checked, timed

NOW = DEFAULT_NOW
WEEK = parse_instant(NOW).replace(hour=0) + timedelta(days=42 - parse_instant(NOW).weekday())
"""The Monday of the week searched, six weeks ahead (PUTs go into its Tuesday)."""
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bridge_scale_{reps}"
PASSWORD = "scale-bench-password"
COLLECTIONS = ("appointments", "mobile", "tasks", "customers")
ADMITTED = 0.96
"""About this share of generated appointments passes the import's rules."""
FLAT_TARGET = 1.2
P99_TARGET_MS = 100.0
SYNC_SHARE = 0.2
"""Of a changed client's requests, this share is its sync (the others poll: four
collections' ctags for each sync of the one that changed)."""


def env() -> dict[str, str]:
    found = dict(os.environ, BRIDGE_USER="bench")
    found.pop("BRIDGE_DATABASE_URL", None)
    return found


def bridge(url: str, *args: str) -> str:
    return run_checked([str(BRIDGE), "--database", url, *args], env())


# --- building an HQ ----------------------------------------------------------------------------

@dataclass
class HQ:
    reps: int
    url: str
    activities: int
    import_seconds: float


def build(reps: int, per_rep: int, data: Path, logs: Path, reuse: bool) -> HQ:
    url = PG.format(reps=reps)
    if reuse:
        return HQ(reps, url, _count(url), float("nan"))
    files = data / f"{reps}-reps"
    if not (files / "appointments.json").exists():
        print(f"  generating {reps} representatives × {per_rep} …", flush=True)
        generate(files, appointments=round(reps * per_rep / ADMITTED), now=parse_instant(NOW),
                 representatives=reps, customers=reps * 5)
    prepare_postgresql(url)
    bridge(url, "init")
    bridge(url, "definition", "activate", "ibus.AppointmentSynchronize")
    bridge(url, "employees", "import", str(files / "employees.json"))
    bridge(url, "import", "customers", str(files / "customers.json"), "--now", NOW)
    print(f"  importing the appointments of {reps} representatives …", flush=True)
    measured = timed([str(BRIDGE), "--database", url, "import", "activities",
                      str(files / "appointments.json"), "--now", NOW], env(),
                     logs / f"import-{reps}.log")
    _set_passwords(url)
    _vacuum(url)
    return HQ(reps, url, measured.counts.get("imported", 0), measured.seconds)


def _vacuum(url: str) -> None:
    """What autovacuum would do over the next minutes, done before measuring (it would
    otherwise take a core in the middle of the measurements)."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def _count(url: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.exec_driver_sql("SELECT count(*) FROM activities").scalar_one()
    engine.dispose()
    return int(found)


def _next_mobile_number(url: str) -> int:
    """The number after the highest of the HQ's mobile appointments (MA-00000042 → 43)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as connection:
        highest = connection.exec_driver_sql(
            "SELECT max(mobile_id) FROM activities WHERE mobile_id LIKE 'MA-%%'").scalar()
    engine.dispose()
    return int(highest[3:]) + 1 if highest else 1


def _set_passwords(url: str) -> None:
    """Every representative gets PASSWORD (hashed once: a salt shared across accounts is
    fine for a benchmark, and 1 000 Argon2id hashes would take minutes)."""
    from sqlalchemy import update

    from bridge.hq.passwords import hash_password
    from bridge.infra.db import make_engine, transaction
    from bridge.models import Employee

    engine = make_engine(url)
    with transaction(engine) as session:
        session.execute(update(Employee).values(password_hash=hash_password(PASSWORD)))
    engine.dispose()


def serve(hq: HQ, workers: int, logs: Path) -> Server:
    port = free_port()
    log = logs / f"serve-{hq.reps}-{workers}.log"
    process = subprocess.Popen(
        [str(BRIDGE), "--database", hq.url, "serve", "--port", str(port), "--workers",
         str(workers)], env=env(), stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(f"bridge {hq.reps} reps, {workers} process(es)", process, port, log)
    wait_ready(server)
    return server


# --- one representative's operations ----------------------------------------------------------

class Client:
    """One representative's calendar client (a persistent connection, as clients keep)."""

    def __init__(self, server: Server, login: str) -> None:
        self.base = f"{server.base}/{login}/"
        self.http = requests.Session()
        self.http.auth = (login, PASSWORD)
        self.tokens: dict[str, str] = {}

    def send(self, method: str, path: str, body: str = "", **headers: str) -> requests.Response:
        answer = self.http.request(method, self.base + path, data=body.encode(),
                                   headers=headers, timeout=120)
        if answer.status_code >= 400:
            raise BenchError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer

    def poll(self, name: str) -> None:
        self.send("PROPFIND", f"{name}/", PROPFIND_CTAG, Depth="0")

    def sync(self, name: str) -> list[str]:
        """sync-collection from the last token (all, the first time); the hrefs reported."""
        answer = self.send("REPORT", f"{name}/", sync_body(self.tokens.get(name, "")))
        text = answer.text
        self.tokens[name] = text.split("sync-token>")[1].split("<")[0]
        return [part.split("</")[0] for part in text.split("href>")[1::2]
                if part.split("</")[0].endswith((".ics", ".vcf"))]

    def multiget(self, name: str, hrefs: list[str]) -> None:
        if hrefs:
            body = "".join(f"<D:href>{href}</D:href>" for href in hrefs)
            self.send("REPORT", f"{name}/",
                      f'<?xml version="1.0"?><C:calendar-multiget xmlns:D="{DAV}" '
                      f'xmlns:C="{CALDAV}"><D:prop><D:getetag/><C:calendar-data/></D:prop>'
                      f"{body}</C:calendar-multiget>")

    def week(self) -> None:
        start = WEEK
        self.send("REPORT", "mobile/",
                  f'<?xml version="1.0"?><C:calendar-query xmlns:D="{DAV}" '
                  f'xmlns:C="{CALDAV}"><D:prop><D:getetag/><C:calendar-data/></D:prop>'
                  '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                  f'<C:time-range start="{start:%Y%m%dT%H%M%SZ}" '
                  f'end="{start + timedelta(days=7):%Y%m%dT%H%M%SZ}"/>'
                  "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>",
                  Depth="1")

    def put(self, uid: str) -> None:
        self.send("PUT", f"appointments/{uid}.ics",
                  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//scale bench//EN\r\n"
                  f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:Bench visit\r\n"
                  f"DTSTART:{WEEK + timedelta(days=1, hours=9):%Y%m%dT%H%M%SZ}\r\n"
                  f"DTEND:{WEEK + timedelta(days=1, hours=10):%Y%m%dT%H%M%SZ}\r\n"
                  "END:VEVENT\r\nEND:VCALENDAR\r\n", **{"If-None-Match": "*",
                                                       "Content-Type": "text/calendar"})


def per_rep(servers: dict[int, Server], repeat: int) -> dict[int, dict[str, float]]:
    """Median milliseconds of each operation for rep0001 of each HQ (by its size). The HQs
    are served side by side and each run of an operation is timed on every HQ in turn (the
    order alternating), so that the machine's drift and noise fall on all alike."""
    clients = {reps: Operations(server) for reps, server in servers.items()}
    timings: dict[int, dict[str, list[float]]] = {reps: {} for reps in servers}
    for name in Operations.OPERATIONS:
        for run in range(repeat + 1):  # (the first is a warm-up)
            order = list(clients) if run % 2 else list(reversed(clients))
            for reps in order:
                took = clients[reps].timed(name)
                if run:
                    timings[reps].setdefault(name, []).append(took)
    return {reps: {**{name: statistics.median(runs) for name, runs in ops.items()},
                   "(items in mobile/)": float(len(Client(servers[reps], "rep0001")
                                                   .sync("mobile")))}
            for reps, ops in timings.items()}


class Operations:
    """rep0001's operations on one server, each timed without its preparation."""

    # name → (its preparation, the work timed): methods of this class
    OPERATIONS: ClassVar[dict[str, tuple[str | None, str]]] = {
        "ctag poll (PROPFIND Depth 0)": (None, "poll"),
        "incremental sync, one change": ("new_appointment", "sync"),
        "calendar-query, one week": (None, "week"),
        "PUT of a new appointment": (None, "new_appointment"),
        "initial sync of mobile/ (sync + multiget)": (None, "initial_sync"),
    }

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = Client(server, "rep0001")
        self.client.poll("mobile")  # (signed in: the password is checked once)
        self.client.sync("appointments")
        self.counter = iter(range(1_000_000))

    def timed(self, name: str) -> float:
        prepare, work = self.OPERATIONS[name]
        if prepare:
            getattr(self, prepare)()
        started = time.perf_counter()
        getattr(self, work)()
        return (time.perf_counter() - started) * 1000

    def poll(self) -> None:
        self.client.poll("mobile")

    def sync(self) -> None:
        self.client.sync("appointments")

    def week(self) -> None:
        self.client.week()

    def initial_sync(self) -> None:
        fresh = Client(self.server, "rep0001")
        fresh.http = self.client.http
        fresh.multiget("mobile", fresh.sync("mobile"))

    def new_appointment(self) -> None:
        self.client.put(f"scale-{time.time_ns()}-{next(self.counter)}")


# --- throughput -------------------------------------------------------------------------------

@dataclass
class Step:
    rate: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0

    @property
    def sustained(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def throughput(server: Server, hq: HQ, rates: list[float], step_seconds: float,
               data: Path) -> list[Step]:
    """Each step begins with an import that changes an appointment of every representative;
    then each request is a client's poll of one of its collections' ctag or — one in
    SYNC_SHARE, if its mobile/ changed since its last sync — its sync of mobile/ (a
    sync-collection and a multiget of what changed, timed as one)."""
    clients = [Client(server, f"rep{i:04d}") for i in range(1, hq.reps + 1)]
    print(f"    signing in {len(clients)} clients and taking their sync tokens …", flush=True)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda c: c.sync("mobile"), clients))
    rng = random.Random(7)
    results = []
    lock = threading.Lock()  # (each round's threads are done before the next round's start)
    for round_, rate in enumerate(rates):
        bridge(hq.url, "import", "activities", str(changed_export(data, hq.reps, round_)),
               "--now", NOW)
        pending = {id(client) for client in clients}
        step = Step(rate)

        def send(client: Client, step: Step = step, pending: set[int] = pending) -> None:
            with lock:
                syncing = id(client) in pending and rng.random() < SYNC_SHARE
                pending.discard(id(client) if syncing else 0)
            started = time.perf_counter()
            try:
                if syncing:
                    client.multiget("mobile", client.sync("mobile"))
                else:
                    client.poll(rng.choice(COLLECTIONS))
            except (BenchError, requests.RequestException):
                with lock:
                    step.errors += 1
                return
            with lock:
                step.latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        with ThreadPoolExecutor(64) as pool:
            for n in range(int(rate * step_seconds)):
                due = began + n / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, clients[rng.randrange(len(clients))])
        step.seconds = time.perf_counter() - began
        results.append(step)
        print(f"    {rate:>5.0f}/s: sustained {step.sustained:.0f}/s, p50 "
              f"{step.quantile(0.5):.1f} ms, p99 {step.quantile(0.99):.1f} ms, "
              f"{step.errors} errors", flush=True)
        if step.quantile(0.99) > 4 * P99_TARGET_MS:
            break  # (far past the target: higher rates say nothing more)
    return results


def changed_export(data: Path, reps: int, round_: int) -> Path:
    """An export that changes one appointment of every representative (their first), a
    later version at each round."""
    source = data / f"{reps}-reps" / "appointments.json"
    firsts: dict[str, dict] = {}
    with source.open(encoding="utf-8") as lines:
        for raw in lines:
            line = raw.strip().rstrip(",")
            if not line.startswith('{"mobile_id"'):
                continue
            record = json.loads(line)
            if record["confirmed"] and not record["customer"].startswith("C-X"):
                firsts.setdefault(record["representative"], record)
            if len(firsts) == reps:
                break
    records = [{**record, "description": f"Changed in round {round_}",
                "modified_at": f"{NOW[:10]}T08:{30 + round_:02d}:00Z"}
               for record in firsts.values()]
    path = data / f"{reps}-reps" / f"changes-{round_}.json"
    path.write_text(json.dumps({"format": "bus-appointments/1",
                                "exported_at": NOW,
                                "appointments": records}), encoding="utf-8")
    return path


# --- the large import -------------------------------------------------------------------------

def large_import(hq: HQ, count: int, data: Path, logs: Path) -> tuple[float, Measured]:
    """Appointments/s of importing ``count`` new appointments, and what was measured (new:
    numbered after every appointment of the HQ, also when an earlier run imported some)."""
    first = max(10_000_001, _next_mobile_number(hq.url))
    files = data / f"{hq.reps}-reps-new-{count}-from-{first}"
    if not (files / "appointments.json").exists():
        generate(files, appointments=count, now=parse_instant(NOW), representatives=hq.reps,
                 customers=hq.reps * 5, first=first)
    measured = timed([str(BRIDGE), "--database", hq.url, "import", "activities",
                      str(files / "appointments.json"), "--now", NOW], env(),
                     logs / f"import-new-{hq.reps}.log")
    return measured.counts.get("read", 0) / measured.seconds, measured


# --- the report -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", default="10,1000",
                        help="HQ sizes in representatives, small first (default: 10,1000)")
    parser.add_argument("--per-rep", type=int, default=1000,
                        help="activities per representative (default: 1000)")
    parser.add_argument("--import", dest="import_count", type=int, default=100_000,
                        help="new appointments of the large import (default: 100000; 0: none)")
    parser.add_argument("--workers", default="1,2", help="server processes to compare")
    parser.add_argument("--rates", default="25,50,100,200,400",
                        help="requests/s of the throughput steps")
    parser.add_argument("--step", type=float, default=15.0, help="seconds per rate step")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per operation")
    parser.add_argument("--data", type=Path, default=Path("/tmp/bridge-scale-data"),
                        help="where generated files are kept between runs")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--reuse", default="",
                        help="HQ sizes (comma-separated) to measure as a previous run left them "
                             "(no generating, no import; mind that its large import added to "
                             "them)")
    args = parser.parse_args(argv)
    sizes = [int(each) for each in args.reps.split(",")]
    workers = [int(each) for each in args.workers.split(",")]
    rates = [float(each) for each in args.rates.split(",")]
    args.data.mkdir(parents=True, exist_ok=True)
    try:
        with scratch("bridge-scale-", args.keep) as logs:
            run(sizes, workers, rates, args, logs)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    return 0


def run(sizes: list[int], workers: list[int], rates: list[float], args: argparse.Namespace,
        logs: Path) -> None:
    reused = {int(each) for each in args.reuse.split(",") if each}
    hqs = [build(reps, args.per_rep, args.data, logs, reps in reused) for reps in sizes]
    small, large = hqs[0], hqs[-1]
    servers = {hq.reps: serve(hq, 1, logs) for hq in (small, large)}
    try:
        per = per_rep(servers, args.repeat)
    finally:
        for server in servers.values():
            server.stop()
    print(f"\n### One representative's operations ({large.reps} against {small.reps} "
          f"representatives, 1 process, median of {args.repeat}, ms)\n")
    print(f"| operation | {small.reps} reps ({small.activities:,} activities) | "
          f"{large.reps} reps ({large.activities:,} activities) | ratio |")
    print("|---|---:|---:|---:|")
    for name in per[small.reps]:
        a, b = per[small.reps][name], per[large.reps][name]
        ratio = "" if name.startswith("(") else f"{b / a:.2f}"
        print(f"| {name} | {a:.1f} | {b:.1f} | {ratio} |")
    print(f"\n(target: ratio ≤ {FLAT_TARGET}; imports: {small.activities:,} appointments in "
          f"{small.import_seconds:.1f} s, {large.activities:,} in {large.import_seconds:.1f} s)")

    print(f"\n### Throughput, {large.reps} clients polling and syncing after an import\n")
    print("| processes | rate asked /s | sustained /s | p50 ms | p99 ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count in workers:
        server = serve(large, count, logs)
        try:
            print(f"  {count} process(es):", flush=True)
            steps = throughput(server, large, rates, args.step, args.data)
        finally:
            server.stop()
        for step in steps:
            print(f"| {count} | {step.rate:.0f} | {step.sustained:.0f} | "
                  f"{step.quantile(0.5):.1f} | {step.quantile(0.99):.1f} | {step.errors} |")
        best = [step.sustained for step in steps if step.quantile(0.99) <= P99_TARGET_MS]
        print(f"| {count} | **best with p99 ≤ {P99_TARGET_MS:.0f} ms** | "
              f"**{max(best, default=0):.0f}** | | | |")

    if not args.import_count:
        return
    print(f"\n### Importing {args.import_count:,} new appointments\n")
    print("| into | appointments/s | peak RSS MiB (import / its rendering helper) | imported |")
    print("|---|---:|---:|---:|")
    for hq in (small, large):
        rate, measured = large_import(hq, args.import_count, args.data, logs)
        print(f"| {hq.reps} reps ({hq.activities:,} activities) | {rate:,.0f} | "
              f"{measured.peak_rss_mb:.0f} / {measured.helper_rss_mb:.0f} | "
              f"{measured.counts.get('imported', 0):,} |")


if __name__ == "__main__":
    sys.exit(main())
