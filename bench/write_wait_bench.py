#!/usr/bin/env python3
"""How long a calendar client's write waits for a running import (a benchmark, not a test).

On one HQ database, a representative's client writes to two of their appointments while an
import of N mobile appointments runs (``bridge import activities``, one transaction):

* an appointment the import does not touch — on PostgreSQL its writes should not wait;
* an HQ appointment whose period the import's status sweep finds elapsed, so the import
  makes it Delayed at its end — a write to it may wait until the import commits.

Each client writes once every 50 ms with ``If-Match`` of the ETag it last read, as a real
client does, and re-reads after a 412. Prints the import's duration and, per appointment,
the writes made during the import with their median and longest latency, and how they were
answered. Nothing here is a pass/fail test: read the figures.

    python bench/write_wait_bench.py [-n 100000] [--database postgresql|sqlite]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bridge_bench]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import BRIDGE, generate, prepare_postgresql, run_checked

HERE = Path(__file__).resolve().parent

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bridge_bench"
PASSWORD = "bench-password-1"
EVENT = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\nBEGIN:VEVENT\nUID:{uid}\n"
         "SUMMARY:{summary}\nDTSTART:{start:%Y%m%dT%H%M%SZ}\nDTEND:{end:%Y%m%dT%H%M%SZ}\n"
         "END:VEVENT\nEND:VCALENDAR\n")


class Writer(threading.Thread):
    """A client writing one item again and again, as long as ``running`` is set."""

    def __init__(self, url: str, login: str, uid: str, start: datetime,
                 running: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.uid, self.start_at, self.running = url, uid, start, running
        self.http = requests.Session()
        self.http.auth = (login, PASSWORD)
        self.latencies: list[float] = []
        self.answers: Counter[int] = Counter()

    def run(self) -> None:
        etag = self.http.get(self.url).headers["ETag"]
        minute = 0
        while self.running.is_set():
            minute += 1
            start = self.start_at + timedelta(minutes=minute % 20)
            text = EVENT.format(uid=self.uid, summary="Bench visit", start=start,
                                end=start + timedelta(hours=1))
            began = time.perf_counter()
            response = self.http.put(self.url, data=text, headers={"If-Match": etag})
            self.latencies.append(time.perf_counter() - began)
            self.answers[response.status_code] += 1
            etag = response.headers.get("ETag") or self.http.get(self.url).headers["ETag"]
            time.sleep(0.05)

    def report(self, name: str) -> str:
        if not self.latencies:
            return f"{name:48} no write during the import"
        answers = ", ".join(f"{count}× {status}" for status, count in sorted(self.answers.items()))
        return (f"{name:48} {len(self.latencies):5d} writes  median "
                f"{statistics.median(self.latencies) * 1000:7.1f} ms  longest "
                f"{max(self.latencies) * 1000:8.1f} ms  ({answers})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="appointments in the import")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a dedicated PostgreSQL database")
    parser.add_argument("--port", type=int, default=5331)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="write-wait-"))
    url = args.pg_url if args.database == "postgresql" else f"sqlite:///{work / 'hq.db'}"
    if args.database == "postgresql":
        prepare_postgresql(url)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = now + timedelta(hours=2)  # the import clock: the sweep finds the HQ visit elapsed
    data = generate(work / "data", args.n, clock.isoformat(), 42)
    env = dict(os.environ, BRIDGE_USER="bench")
    env.pop("BRIDGE_DATABASE_URL", None)
    bridge = [str(BRIDGE), "--database", url]
    run_checked([*bridge, "init"], env)
    run_checked([*bridge, "definition", "activate", "ibus.AppointmentSynchronize"], env)
    run_checked([*bridge, "employees", "import", str(data / "employees.json")], env)
    run_checked([*bridge, "import", "customers", str(data / "customers.json")], env)
    login = next(e["login"] for e in json.loads((data / "employees.json").read_text())["employees"]
                 if e["sales_representative"])
    subprocess.run([*bridge, "employees", "set-password", login, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    run_checked([*bridge, "activities", "add", "-r", login, "--name", "Visit ending soon",
                 "--start", (now + timedelta(minutes=30)).isoformat(),
                 "--end", (now + timedelta(hours=1)).isoformat()], env)

    server = subprocess.Popen([*bridge, "serve", "--port", str(args.port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}/{login}/appointments/"
    try:
        _wait_for_server(base, login)
        untouched = base + "bench-untouched.ics"
        created = requests.put(untouched, auth=(login, PASSWORD), data=EVENT.format(
            uid="bench-untouched", summary="Untouched", start=now + timedelta(days=3),
            end=now + timedelta(days=3, hours=1)))
        assert created.status_code == 201, created.text
        running = threading.Event()
        running.set()
        writers = {
            "appointment the import does not touch": Writer(
                untouched, login, "bench-untouched", now + timedelta(days=3), running),
            "HQ appointment the import's sweep makes Delayed": Writer(
                base + "HQ-000001.ics", login, "HQ-000001@sales-calendar-bridge",
                now + timedelta(minutes=30), running),
        }
        for writer in writers.values():
            writer.start()
        time.sleep(0.5)
        print(f"{args.database}: importing {args.n:,} appointments while two clients write …",
              flush=True)
        began = time.perf_counter()
        imported = subprocess.run([*bridge, "import", "activities",
                                   str(data / "appointments.json"), "--now", clock.isoformat()],
                                  env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        time.sleep(0.5)
        running.clear()
        for writer in writers.values():
            writer.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    if imported.returncode != 0:
        print(imported.stdout, imported.stderr)
        return 1
    print(imported.stdout.splitlines()[0])
    print(f"import took {seconds:.1f} s")
    for name, writer in writers.items():
        print(writer.report(name))
    return 0


def _wait_for_server(url: str, login: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url, auth=(login, PASSWORD), timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("bridge serve did not start")


if __name__ == "__main__":
    sys.exit(main())
