#!/usr/bin/env python3
"""How long other representatives' ordinary requests take while one sends hostile input,
on the bridge and on stock Radicale (issue 29).

Builds a bridge HQ (SQLite in a temporary directory, or ``--database URL``, an empty
database) with two representatives, bwilson and cdavis, and a stock Radicale 3.9
(``python -m radicale``, its own file storage in the same temporary directory, the same two
logins, the same collections made by MKCALENDAR/MKCOL). On each server cdavis gets a calendar
``ordinary/`` of ``--events`` events. Then for each server — the bridge in each of
``--workers`` process counts, and Radicale — two phases of ``--seconds`` each:

  alone     two ordinary clients of cdavis, without pause: one polls (PROPFIND Depth 0 ctag
            + sync-token, PROPFIND Depth 1 getetag), one searches a month (calendar-query)
            and rewrites an event (PUT)
  hostile   the same, while bwilson sends, one after another and again, the seeded hostile
            run of the suite (``tests/storage_plugin/hostile.hostile_run``: recurrences of
            every FREQ with pathological INTERVAL/COUNT/UNTIL/BYxxx, huge RDATE/EXDATE lists,
            VTIMEZONEs with rules, deep and wide XML, big and slow bodies, and the first five
            classes), without the probes of issue 29 that stall a server today (INTERVAL<=0,
            COUNT<=0, rules that never occur) unless ``--with-issue-29``

Every ordinary request has a bound of 10 s (over it: failed). Prints a markdown table of the
ordinary requests' latencies (p50, p99, max), the failed ones, and the hostile requests'
answers (how many, how many 5xx, how many unanswered within 30 s). The target (issue 29): p99
at most 1 s under hostile load. Exit 0 whatever the figures; 1 if the benchmark could not run.

    python bench/hostile_bench.py [--seconds 20] [--events 200] [--workers 1,2]
                                  [--database URL] [--no-radicale] [--with-issue-29] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dav_bench import (  # (a sibling script)
    BRIDGE,
    BenchError,
    Server,
    free_port,
    run_checked,
    scratch,
    wait_ready,
)

from tests.storage_plugin.hostile import Probe, hostile_run, send

HOSTILE, ORDINARY = "bwilson", "cdavis"
PASSWORD = "hostile-bench-password-1"
BOUND = 10.0
"""Seconds an ordinary request may take before it counts as failed."""
HOSTILE_BOUND = 30.0
TARGET_P99 = 1.0
CTAG = ('<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop><CS:getctag/>'
        "<sync-token/></prop></propfind>")
ETAGS = '<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
MONTH = ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
         "<D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\">"
         f'<C:comp-filter name="VEVENT"><C:time-range start="{TODAY:%Y%m%dT%H%M%SZ}" '
         f'end="{TODAY + timedelta(days=30):%Y%m%dT%H%M%SZ}"/></C:comp-filter></C:comp-filter>'
         "</C:filter></C:calendar-query>")
ADDRESS_BOOK = ('<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set>'
                "<D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
                "</D:prop></D:set></D:mkcol>")


def event(number: int, revision: int = 0) -> str:
    start = TODAY + timedelta(days=number % 60, hours=8 + number % 9)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:ordinary-{number}\r\nDTSTAMP:{TODAY:%Y%m%dT%H%M%SZ}\r\n"
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Visit {number} (revision {revision})\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


# --- servers ----------------------------------------------------------------------------------

def prepare_bridge(workdir: Path, database: str | None) -> str:
    database = database or f"sqlite:///{workdir / 'hq.db'}"
    employees = workdir / "employees.json"
    employees.write_text(json.dumps({"format": "hq-employees/1", "employees": [
        {"login": login, "name": login.title(), "email": f"{login}@example.com",
         "sales_representative": True, "manager": None, "sales_channels": [channel]}
        for login, channel in ((HOSTILE, "North"), (ORDINARY, "South"))]}), encoding="utf-8")
    bridge = [str(BRIDGE), "--database", database]
    run_checked([*bridge, "init"], workdir)
    run_checked([*bridge, "employees", "import", str(employees)], workdir)
    for login in (HOSTILE, ORDINARY):
        run_checked([*bridge, "employees", "set-password", login, "--password-stdin"], workdir,
                    stdin=f"{PASSWORD}\n")
    return database


def serve_bridge(workdir: Path, database: str, workers: int) -> Server:
    port = free_port()
    log = workdir / f"bridge-{workers}.log"
    process = subprocess.Popen(
        [str(BRIDGE), "--database", database, "serve", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers)], cwd=workdir, stdout=log.open("w"),
        stderr=subprocess.STDOUT)
    server = Server(f"bridge, {workers} process{'es' if workers > 1 else ''}", process, port,
                    log)
    wait_ready(server)
    return server


def serve_radicale(workdir: Path) -> Server:
    users = workdir / "htpasswd"
    users.write_text("".join(f"{login}:{PASSWORD}\n" for login in (HOSTILE, ORDINARY)),
                     encoding="utf-8")
    port = free_port()
    log = workdir / "radicale.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", "",
         "--server-hosts", f"127.0.0.1:{port}",
         "--storage-filesystem-folder", str(workdir / "radicale-collections"),
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(users),
         "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
         "--rights-type", "owner_only", "--web-type", "none", "--logging-level", "warning"],
        cwd=workdir, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server("stock Radicale", process, port, log)
    wait_ready(server)
    return server


def stop(server: Server) -> None:
    """Stop a server and the worker processes it started (killed if they do not stop)."""
    children = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
                and _parent(entry) == server.process.pid]
    server.stop()
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def collections(server: Server, radicale: bool, events: int) -> None:
    """What the probes and the ordinary clients need on ``server``."""
    def session(login: str) -> requests.Session:
        opened = requests.Session()
        opened.auth = (login, PASSWORD)
        return opened

    hostile, ordinary = session(HOSTILE), session(ORDINARY)
    wanted = [(hostile, "MKCALENDAR", f"/{HOSTILE}/hostile-calendar/", None),
              (hostile, "MKCOL", f"/{HOSTILE}/hostile-book/", ADDRESS_BOOK),
              (ordinary, "MKCALENDAR", f"/{ORDINARY}/ordinary/", None)]
    if radicale:  # (the bridge serves these HQ collections itself)
        wanted += [(hostile, "MKCALENDAR", f"/{HOSTILE}/{name}/", None)
                   for name in ("appointments", "tasks", "mobile")]
        wanted += [(hostile, "MKCOL", f"/{HOSTILE}/customers/", ADDRESS_BOOK),
                   (ordinary, "MKCALENDAR", f"/{ORDINARY}/appointments/", None),
                   (ordinary, "MKCALENDAR", f"/{ORDINARY}/mobile/", None)]
    for client, method, path, body in wanted:
        made = client.request(method, server.base + path, data=body, timeout=60)
        if made.status_code not in (201, 405, 409):  # (409, 405: made in an earlier round)
            raise BenchError(f"{server.name}: {method} {path} answered {made.status_code}")
    for number in range(events):
        put = ordinary.put(f"{server.base}/{ORDINARY}/ordinary/ordinary-{number}.ics",
                           data=event(number), headers={"Content-Type": "text/calendar"},
                           timeout=60)
        if put.status_code not in (201, 204):
            raise BenchError(f"{server.name}: PUT answered {put.status_code}: {put.text[:200]}")


# --- the phases -------------------------------------------------------------------------------

@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)
    hostile: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, name: str, call, expected: tuple[int, ...]) -> None:
        started = time.monotonic()
        try:
            status: int | str = call().status_code
        except requests.RequestException as error:
            status = type(error).__name__
        elapsed = time.monotonic() - started
        with self.lock:
            self.latencies.append(elapsed)
            if status not in expected or elapsed > BOUND:
                self.failed[f"{name} {status}"] += 1


def ordinary_work(server: Server, deadline: float, phase: Phase, events: int) -> None:
    url = f"{server.base}/{ORDINARY}/"

    def session() -> requests.Session:
        opened = requests.Session()
        opened.auth = (ORDINARY, PASSWORD)
        return opened

    def poller() -> None:
        http = session()
        while time.monotonic() < deadline:
            phase.timed("ctag", lambda: http.request(
                "PROPFIND", url + "ordinary/", data=CTAG, headers={"Depth": "0"},
                timeout=BOUND), (207,))
            phase.timed("etags", lambda: http.request(
                "PROPFIND", url + "ordinary/", data=ETAGS, headers={"Depth": "1"},
                timeout=BOUND), (207,))

    def worker() -> None:
        http = session()
        revision = 0
        while time.monotonic() < deadline:
            revision += 1
            phase.timed("query", lambda: http.request(
                "REPORT", url + "ordinary/", data=MONTH, headers={"Depth": "1"},
                timeout=BOUND), (207,))
            number = revision % max(events, 1)
            phase.timed("put", lambda number=number, revision=revision: http.put(
                url + f"ordinary/ordinary-{number}.ics", data=event(number, revision),
                headers={"Content-Type": "text/calendar"}, timeout=BOUND), (201, 204))

    threads = [threading.Thread(target=poller), threading.Thread(target=worker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def hostile_sender(server: Server, probes: list[Probe], stop_: threading.Event,
                   phase: Phase) -> None:
    while not stop_.is_set():
        for probe in probes:
            if stop_.is_set():
                return
            try:
                status: int | str = send(server.base + "/", probe, PASSWORD,
                                         timeout=HOSTILE_BOUND)
            except (http.client.HTTPException, OSError) as error:
                status = type(error).__name__
            phase.hostile[str(status)] += 1


def measure(server: Server, seconds: float, probes: list[Probe] | None, events: int) -> Phase:
    phase = Phase()
    stop_ = threading.Event()
    sender = threading.Thread(target=hostile_sender, args=(server, probes or [], stop_, phase),
                              daemon=True)
    if probes:
        sender.start()
    ordinary_work(server, time.monotonic() + seconds, phase, events)
    stop_.set()
    if probes:
        sender.join(timeout=HOSTILE_BOUND + 10)
    return phase


def row(name: str, phase_name: str, phase: Phase) -> str:
    times = sorted(phase.latencies)
    cuts = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else \
        times * 99 or [0.0] * 99
    hostile = sum(phase.hostile.values())
    five = sum(count for status, count in phase.hostile.items()
               if status.isdigit() and int(status) >= 500)
    unanswered = sum(count for status, count in phase.hostile.items() if not status.isdigit())
    failed = ", ".join(f"{what}×{count}" for what, count in sorted(phase.failed.items()))
    mark = " ✗" if phase_name == "hostile" and cuts[98] > TARGET_P99 else ""
    return (f"| {name} | {phase_name} | {len(times)} | {cuts[49] * 1000:.0f} | "
            f"{cuts[98] * 1000:.0f}{mark} | {(times[-1] if times else 0) * 1000:.0f} | "
            f"{sum(phase.failed.values())}{f' ({failed})' if failed else ''} | "
            + (f"{hostile}, {five} 5xx, {unanswered} unanswered |" if hostile else "- |"))


def run(workdir: Path, args: argparse.Namespace) -> None:
    probes = hostile_run(issue=False)
    if args.with_issue_29:
        probes += hostile_run(issue=True)
    print(f"{len(probes)} hostile requests in the run; building the servers in {workdir} …",
          flush=True)
    database = prepare_bridge(workdir, args.database)
    plans: list[tuple[str, object]] = [("bridge", int(workers))
                                       for workers in args.workers.split(",")]
    if not args.no_radicale:
        plans.append(("radicale", None))
    print(f"\n{args.events} events in cdavis's calendar, {database.split(':')[0]} for the "
          f"bridge, {args.seconds:.0f} s per phase; ordinary requests bounded by {BOUND:g} s "
          f"(✗: p99 over the target of {TARGET_P99:g} s)\n")
    print("| server | phase | ordinary requests | p50 ms | p99 ms | max ms | failed | "
          "hostile requests |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, workers in plans:
        server = (serve_bridge(workdir, database, workers) if kind == "bridge"  # type: ignore[arg-type]
                  else serve_radicale(workdir))
        try:
            collections(server, kind == "radicale", args.events)
            for phase_name, with_hostile in (("alone", None), ("hostile", probes)):
                phase = measure(server, args.seconds, with_hostile, args.events)
                print(row(server.name, phase_name, phase), flush=True)
        finally:
            stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--events", type=int, default=200,
                        help="events in the ordinary representative's calendar")
    parser.add_argument("--workers", default="1,2",
                        help="the bridge's process counts, comma-separated")
    parser.add_argument("--database", help="an empty database for the bridge "
                                           "(default: SQLite in a temporary directory)")
    parser.add_argument("--no-radicale", action="store_true", help="the bridge only")
    parser.add_argument("--with-issue-29", action="store_true",
                        help="send the probes that stall a server today too (each may take "
                             f"{HOSTILE_BOUND:g} s and leave the server stalled)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    try:
        with scratch("hostile-bench-", args.keep) as workdir:
            run(workdir, args)
    except BenchError as error:
        print(f"the benchmark could not run: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
