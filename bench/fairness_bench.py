#!/usr/bin/env python3
"""How long a representative's phone waits while another client sends the costliest requests.

Builds an HQ through the real import (``hq_dav_bench.build_hq``: N customers, N mobile
appointments, N HQ appointments, N HQ tasks of one representative; SQLite in a temporary
directory, or ``--database URL``, an empty database), then for each number of server
processes (``--workers 1,2``) starts ``bridge serve --workers W`` and measures, for
``--seconds`` each:

  alone     a phone polling as phones do, without pause: PROPFIND Depth 0 of getctag and
            sync-token on appointments/, then sync-collection of mobile/ from its first token
  hostile   the same, while another client sends, again and again, the costliest requests
            there are (``tests/storage_plugin/hostile.costly``: items at and over the size
            limits, thousands of alarms, a thousand recurrence rules, a century expanded, a
            hundred text filters over every item, allprop Depth 1, deep XML, a 9 MB body)

and prints a markdown table of the poll latencies (p50, p99, max), the polls that failed or
took longer than 60 s, and the costly requests' statuses. Exit 0 whatever the figures; 1 if
the benchmark could not run.

    python bench/fairness_bench.py [--size 1000] [--workers 1,2] [--seconds 30]
                                   [--database URL] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dav_bench import (
    LOGIN,
    PASSWORD,
    BenchError,
    Server,
    run_in_scratch,
    serve_bridge,
)
from hq_dav_bench import build_hq

from tests.storage_plugin.hostile import costly, send

CTAG = ('<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop><CS:getctag/>'
        '<sync-token/></prop></propfind>')
SYNC = ('<sync-collection xmlns="DAV:"><sync-token>{}</sync-token><sync-level>1</sync-level>'
        '<prop><getetag/></prop></sync-collection>')
POLL_TIMEOUT = 60


@dataclass
class Phase:
    polls: list[float] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)
    costly: Counter[int | str] = field(default_factory=Counter)


def poll(server: Server, seconds: float, phase: Phase) -> None:
    phone = requests.Session()
    phone.auth = (LOGIN, PASSWORD)
    base = f"{server.base}/{LOGIN}/"
    token = _token(phone, base + "mobile/")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            ctag = phone.request("PROPFIND", base + "appointments/", data=CTAG,
                                 headers={"Depth": "0"}, timeout=POLL_TIMEOUT)
            sync = phone.request("REPORT", base + "mobile/", data=SYNC.format(token),
                                 timeout=POLL_TIMEOUT)
            if (ctag.status_code, sync.status_code) != (207, 207):
                phase.failed[f"{ctag.status_code}/{sync.status_code}"] += 1
        except requests.RequestException as error:
            phase.failed[type(error).__name__] += 1
        phase.polls.append(time.monotonic() - started)


def hostile(server: Server, stop: threading.Event, phase: Phase) -> None:
    probes = costly(LOGIN)
    while not stop.is_set():
        for probe in probes:
            if stop.is_set():
                return
            try:
                phase.costly[send(server.base + "/", probe, PASSWORD)] += 1
            except OSError as error:
                phase.costly[type(error).__name__] += 1


def _token(phone: requests.Session, url: str) -> str:
    answer = phone.request("REPORT", url, data=SYNC.format(""), timeout=POLL_TIMEOUT)
    if answer.status_code != 207:
        raise BenchError(f"the first sync of {url} answered {answer.status_code}")
    return answer.text.split("<sync-token>")[1].split("<")[0]


def measure(server: Server, seconds: float, with_hostile: bool) -> Phase:
    phase = Phase()
    stop = threading.Event()
    sender = threading.Thread(target=hostile, args=(server, stop, phase))
    if with_hostile:
        sender.start()
    poll(server, seconds, phase)
    stop.set()
    if with_hostile:
        sender.join()
    return phase


def row(workers: int, name: str, phase: Phase) -> str:
    cuts = statistics.quantiles(phase.polls, n=100, method="inclusive")
    costly_answers = ", ".join(f"{status}: {count}" for status, count in
                               sorted(phase.costly.items(), key=str)) or "-"
    return (f"| {workers} | {name} | {len(phase.polls)} | {cuts[49] * 1000:.0f} | "
            f"{cuts[98] * 1000:.0f} | {max(phase.polls) * 1000:.0f} | "
            f"{sum(phase.failed.values())} | {costly_answers} |")


def run(workdir: Path, args: argparse.Namespace) -> None:
    print(f"building an HQ of {args.size} items per collection in {workdir} …", flush=True)
    database = build_hq(workdir, args.size, args.database)
    print(f"\n{args.size} items per collection, {database.split(':')[0]}, "
          f"{args.seconds:.0f} s per phase\n")
    print("| processes | phase | polls | p50 ms | p99 ms | max ms | failed | "
          "costly requests' answers |")
    print("|---|---|---|---|---|---|---|---|")
    for workers in (int(value) for value in args.workers.split(",")):
        server = serve_bridge(workdir, database, workers,
                              f"bridge ({workers} process{'es' if workers > 1 else ''})")
        try:
            setup = requests.request("MKCALENDAR", f"{server.base}/{LOGIN}/hostile-calendar/",
                                     auth=(LOGIN, PASSWORD), timeout=60)
            if setup.status_code not in (201, 405, 409):  # (made by a previous round)
                raise BenchError(f"MKCALENDAR answered {setup.status_code}")
            for name, with_hostile in (("alone", False), ("hostile", True)):
                print(row(workers, name, measure(server, args.seconds, with_hostile)),
                      flush=True)
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="items per collection")
    parser.add_argument("--workers", default="1,2", help="server processes, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--database", help="an empty database to build the HQ in "
                                           "(default: SQLite in a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    return run_in_scratch("fairness-bench-", args.keep, lambda workdir: run(workdir, args))


if __name__ == "__main__":
    sys.exit(main())
