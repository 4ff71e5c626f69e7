#!/usr/bin/env python3
"""Benchmark the web cockpit on a large HQ: the first page of the activities table for the
views HQ staff use, and the streamed exports — against a real `bridge serve` on PostgreSQL.

The HQ is built through the real path (bench/generate.py, `bridge init`, the imports) in a
database of its own (``bridge_cockpit_bench``; ``--keep`` reuses it when it already holds the
activities), then the clock is moved on and the status sweep run, so the statuses are mixed.
An HQ user who is no representative (sees everything) signs in as a browser would.

Each view's first page is fetched ``--repeat`` times after one warm-up; the figures are the
server's own time (its ``Server-Timing`` header) and the whole round trip on loopback.

    python bench/cockpit_bench.py [-n 1000000] [--keep] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import (
    BRIDGE,
    DEFAULT_NOW,
    DEFINITION,
    HERE,
    generate,
    prepare_postgresql,
    run_checked,
    vm_peak_mb,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bridge_cockpit_bench"
ADMIN, PASSWORD = "benchadmin", "bench-admin-password"
TARGET_MS = 300.0
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM activities"))
    except Exception:  # noqa: BLE001 - no schema yet: nothing to keep
        return 0
    finally:
        engine.dispose()


def build(url: str, n: int, now: str) -> None:
    data = generate(HERE / "out" / f"cockpit-{n}", n, now, 42)
    prepare_postgresql(url)
    env = dict(os.environ, BRIDGE_USER="bench")
    bridge = [str(BRIDGE), "--database", url]
    run_checked([*bridge, "init"], env)  # (again at every run: a newer version's indexes)
    run_checked([*bridge, "definition", "activate", DEFINITION], env)
    run_checked([*bridge, "employees", "import", str(data / "employees.json")], env)
    run_checked([*bridge, "import", "customers", str(data / "customers.json"), "--now", now],
                env)
    started = time.perf_counter()
    print(f"  importing {n} appointments …", end="", flush=True)
    run_checked([*bridge, "import", "activities", str(data / "appointments.json"), "--now", now],
                env)
    print(f" {time.perf_counter() - started:.0f}s", flush=True)
    # A month later, an (empty) import runs the status sweep: what was not processed in
    # time is Delayed, as in a working HQ.
    later = datetime.fromisoformat(now.replace("Z", "+00:00")) + timedelta(days=30)
    empty = data / "appointments-empty.json"
    empty.write_text(json.dumps({"format": "bus-appointments/1", "exported_at": None,
                                 "appointments": []}))
    run_checked([*bridge, "import", "activities", str(empty), "--now", later.isoformat()], env)


def prepare_admin(url: str) -> None:
    """An HQ user who is no representative and manages nobody: sees every activity."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO employees (login, name, sales_representative, active, created_at,"
            " modified_at) VALUES (:login, 'Bench Admin', false, true, now(), now())"
            " ON CONFLICT (login) DO NOTHING"), {"login": ADMIN})
        connection.execute(text("ANALYZE"))
    engine.dispose()
    run_checked([str(BRIDGE), "--database", url, "employees", "set-password", ADMIN,
                 "--password-stdin"], dict(os.environ), stdin=PASSWORD + "\n")


def views(url: str) -> dict[str, str]:
    """The query strings of the views measured: a team, a month and a word from the data."""
    engine = create_engine(url)
    with engine.connect() as connection:
        team = connection.scalar(text(
            "SELECT m.login FROM employees m JOIN employees e ON e.manager_id = m.id "
            "WHERE m.sales_representative = false AND m.login <> 'head' "
            "GROUP BY m.login ORDER BY count(*) DESC, m.login LIMIT 1"))
        month = connection.scalar(text(
            "SELECT date_trunc('month', start_at AT TIME ZONE 'UTC') FROM activities "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"))
        word = connection.scalar(text("SELECT name FROM activities LIMIT 1")).split()[-1]
    engine.dispose()
    last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {
        "default (all, newest first)": "",
        "one team + Planned + a month": f"?team={team}&status=Planned"
                                         f"&from={month:%Y-%m-%d}&to={last:%Y-%m-%d}",
        f"free text {word!r}": f"?q={word}",
        "sorted by customer name": "?sort=customer_name",
    }


def serve(url: str, workdir: Path) -> tuple[str, subprocess.Popen[bytes]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = workdir / "cockpit-bench.ini"
    config.write_text("[auth]\ndelay = 0\n[logging]\nlevel = warning\n")
    process = subprocess.Popen([str(BRIDGE), "--database", url, "serve", "--port", str(port),
                                "--config", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/cockpit/"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(base, timeout=2)
            return base, process
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bridge serve did not start") from None
            time.sleep(0.2)


def signed_in(base: str) -> requests.Session:
    http = requests.Session()
    token = TOKEN.search(http.get(base + "sign-in").text).group(1)
    answer = http.post(base + "sign-in", data={"login": ADMIN, "password": PASSWORD,
                                               "csrf_token": token})
    if "Sign out" not in answer.text:
        raise SystemExit("could not sign in")
    return http


def server_ms(answer: requests.Response) -> float:
    return float(answer.headers["Server-Timing"].split("dur=")[1])


def first_pages(http: requests.Session, base: str, wanted: dict[str, str],
                repeat: int) -> list[tuple[str, float, float, float, str]]:
    rows = []
    for label, query in wanted.items():
        http.get(base + "activities" + query)  # warm-up
        server, trip = [], []
        shown = ""
        for _ in range(repeat):
            started = time.perf_counter()
            answer = http.get(base + "activities" + query)
            trip.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            server.append(server_ms(answer))
            shown = re.search(r'<p class="count" role="status">([^<]*)<', answer.text).group(1)
        rows.append((label, statistics.median(server), max(server), statistics.median(trip),
                     shown.strip()))
    return rows


def export(http: requests.Session, base: str, fmt: str, query: str) -> tuple[float, float, int]:
    """Seconds to the first byte, in all, and the bytes of one streamed export."""
    started = time.perf_counter()
    first = None
    size = 0
    with http.get(base + f"activities/export.{fmt}" + query, stream=True) as answer:
        answer.raise_for_status()
        for part in answer.iter_content(1 << 16):
            first = first or time.perf_counter() - started
            size += len(part)
    return first or 0.0, time.perf_counter() - started, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="activities (default 1 000 000)")
    parser.add_argument("--database", default=DEFAULT_URL, help="a PostgreSQL URL of its own")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database if it already holds the activities")
    parser.add_argument("--repeat", type=int, default=7, help="timed fetches per view")
    parser.add_argument("--exports", default="csv,xlsx,ics,json",
                        help="formats whose export is measured ('' for none)")
    args = parser.parse_args(argv)
    if not (args.keep and count(args.database) >= args.n * 0.9):  # (a few are skipped)
        build(args.database, args.n, DEFAULT_NOW)
    run_checked([str(BRIDGE), "--database", args.database, "init"], dict(os.environ))
    prepare_admin(args.database)
    wanted = views(args.database)
    workdir = HERE / "out"
    workdir.mkdir(exist_ok=True)
    base, process = serve(args.database, workdir)
    try:
        http = signed_in(base)
        print(f"\nCockpit on PostgreSQL, {count(args.database):,} activities, first page of "
              f"50 rows ({args.repeat} fetches after a warm-up):")
        print(f"  {'view':34} {'server median':>13} {'server max':>10} {'round trip':>10}  "
              "shown")
        failed = False
        for label, median, worst, trip, shown in first_pages(http, base, wanted, args.repeat):
            mark = "" if worst <= TARGET_MS else f"  ABOVE {TARGET_MS:.0f} ms"
            failed |= bool(mark)
            print(f"  {label:34} {median:10.1f} ms {worst:7.1f} ms {trip:7.1f} ms  {shown}{mark}")
        print("\nExports, streamed (time to the first byte, in all, size; server peak RSS):")
        for fmt in filter(None, args.exports.split(",")):
            for label, query in (("the team's month", wanted["one team + Planned + a month"]),
                                 ("everything", "")):
                if fmt != "csv" and not query:
                    continue  # everything once: the other formats stream the same rows
                first, total, size = export(http, base, fmt, query)
                print(f"  {fmt:5} {label:18} first byte {first * 1000:7.0f} ms, in all "
                      f"{total:6.1f} s, {size / 1e6:8.1f} MB; peak RSS "
                      f"{vm_peak_mb(process.pid):.0f} MiB", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
