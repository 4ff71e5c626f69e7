#!/usr/bin/env python3
"""How long other representatives' ordinary requests take while one sends hostile input,
on the bridge and on stock Radicale (issue 29).

Builds an HQ through the real import (``hq_dav_bench.build_hq``: ``--size`` customers of one
sales channel, and ``--size`` mobile appointments, HQ appointments and HQ tasks of each of two
representatives, bwilson and cdavis; SQLite in a temporary directory, or ``--database URL``, an
empty database) and serves it with ``bridge serve``. Stock Radicale 3.9 (``python -m
radicale``, its own file storage in the same temporary directory, the same logins) gets the
same items in the same-named collections: what the bridge serves in each of the two
representatives' ``appointments/``, ``mobile/``, ``tasks/`` and ``customers/``, fetched once
from the bridge before anything is measured and laid out as its files
(``hq_dav_bench.copy_to_radicale``). On both, bwilson's general calendar and address book
(``hostile-calendar/``, ``hostile-book/``) are made by MKCALENDAR/MKCOL. Then for each server —
the bridge in each of ``--workers`` process counts, and Radicale — two phases of ``--seconds``
each:

  alone     two clients of cdavis, without pause, on cdavis's HQ collections:
              a phone   for each of appointments/, tasks/ and customers/: PROPFIND Depth 0 of
                        getctag + sync-token; when the token moved, sync-collection from the
                        last token and a multiget of the items it names
              a desktop a week's calendar-query on appointments/ (VEVENT) and on tasks/ (VTODO),
                        25 items each; a rewrite of one of cdavis's HQ appointments (its
                        description changed, DTSTAMP and LAST-MODIFIED now) by PUT with
                        If-Match, as Thunderbird edits; a GET of it when the answer carries no
                        ETag (the server changed the text) or the PUT failed; PROPFIND Depth 1
                        getetag of appointments/
  hostile   the same, while bwilson sends, one after another and again, the seeded hostile
            run of the suite (``tests/storage_plugin/hostile.hostile_run``: recurrences of
            every FREQ with pathological INTERVAL/COUNT/UNTIL/BYxxx, huge RDATE/EXDATE lists,
            VTIMEZONEs with rules, deep and wide XML, big and slow bodies, and the first five
            classes), without the probes of issue 29 that stall a server today (INTERVAL<=0,
            COUNT<=0, rules that never occur) unless ``--with-issue-29``

Every ordinary request has a bound of 10 s (over it: failed). Prints a markdown table of the
ordinary requests' latencies (p50, p99, max), the failed ones, those over 1 s by kind, and the
hostile requests' answers (how many, how many 5xx, how many unanswered within 30 s); then a
table of p50/p99 per kind of ordinary request, and the hostile requests answered 5xx, not at
all, or after more than 10 s. The target (issue 29): p99 at most 1 s under hostile load. Exit 0
whatever the figures; 1 if the benchmark could not run.

    python bench/hostile_bench.py [--seconds 20] [--size 500] [--workers 1,2]
                                  [--database URL] [--no-radicale] [--with-issue-29] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dav_bench import (  # (sibling scripts)
    PASSWORD,
    PROPFIND_CTAG,
    PROPFIND_ETAGS,
    Answer,
    BenchError,
    RequestFailed,
    Server,
    multistatus,
    run_in_scratch,
    serve_bridge,
    start_radicale,
    sync_body,
)
from hq_dav_bench import QUERY_WEEK, build_hq, copy_to_radicale, multiget_body, path_of

from tests.storage_plugin.hostile import LOGIN as HOSTILE
from tests.storage_plugin.hostile import Probe, hostile_run, send

ORDINARY = "cdavis"
"""The representative whose clients are timed (the hostile run writes to bwilson's collections
and tries cdavis's)."""
SYNCED = ("appointments", "tasks", "customers")
"""cdavis's collections the phone syncs…"""
SEARCHED = {"appointments": "VEVENT", "tasks": "VTODO"}
"""…and those the desktop searches (with the component it asks for)."""
BOUND = 10.0
"""Seconds an ordinary request may take before it counts as failed."""
HOSTILE_BOUND = 30.0
TARGET_P99 = 1.0
KINDS = ("ctag", "sync", "multiget", "query", "put", "get", "etags")
ADDRESS_BOOK = ('<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set>'
                "<D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
                "</D:prop></D:set></D:mkcol>")


def session(login: str) -> requests.Session:
    opened = requests.Session()
    opened.auth = (login, PASSWORD)
    return opened


# --- the collections --------------------------------------------------------------------------

def general_collections(server: Server) -> None:
    """bwilson's general calendar and address book, which the hostile run writes into."""
    hostile = session(HOSTILE)
    for method, name, body in (("MKCALENDAR", "hostile-calendar", None),
                               ("MKCOL", "hostile-book", ADDRESS_BOOK)):
        made = hostile.request(method, f"{server.base}/{HOSTILE}/{name}/", data=body,
                               timeout=60)
        if made.status_code not in (201, 405, 409):  # (409, 405: made in an earlier round)
            raise BenchError(f"{server.name}: {method} {name}/ answered {made.status_code}")


def edited(text: str, revision: int) -> str:
    """``text`` as a calendar client sends it back after its user changed the description:
    the VEVENT's DESCRIPTION replaced (added if there was none), DTSTAMP and LAST-MODIFIED
    set to now, everything else as served."""
    lines: list[str] = []
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    now = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    replaced = ("DESCRIPTION", "DTSTAMP", "LAST-MODIFIED")
    out: list[str] = []
    components: list[str] = []
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        in_event = components[-1:] == ["VEVENT"]
        if name == "BEGIN":
            components.append(line.split(":", 1)[1].strip().upper())
        elif name == "END":
            if in_event:
                out += [f"DESCRIPTION:Agenda: prices (edit {revision})", f"DTSTAMP:{now}",
                        f"LAST-MODIFIED:{now}"]
            components.pop()
        elif in_event and name in replaced:
            continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"


# --- the phases -------------------------------------------------------------------------------

@dataclass
class Phase:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failed: Counter[str] = field(default_factory=Counter)
    slow: Counter[str] = field(default_factory=Counter)
    hostile: Counter[str] = field(default_factory=Counter)
    hostile_odd: Counter[str] = field(default_factory=Counter)
    """The hostile requests answered 5xx, not at all, or after more than BOUND seconds."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, kind: str, http: requests.Session, method: str, url: str,
              body: str | None = None, headers: dict[str, str] | None = None,
              expected: tuple[int, ...] = (207,)) -> requests.Response | None:
        """One ordinary request, timed to its whole answer; the answer (None: failed)."""
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Type", "application/xml; charset=utf-8")
        started = time.monotonic()
        answer: requests.Response | None = None
        try:
            answer = http.request(method, url, data=body.encode() if body else None,
                                  headers=headers, timeout=BOUND)
            status: int | str = answer.status_code
        except requests.RequestException as error:
            status = type(error).__name__
        elapsed = time.monotonic() - started
        ok = status in expected and elapsed <= BOUND
        with self.lock:
            self.latencies[kind].append(elapsed)
            if elapsed > TARGET_P99:
                self.slow[kind] += 1
            if not ok:
                self.failed[f"{kind} {status}"] += 1
        return answer if ok else None

    def parsed(self, kind: str, server: Server, answer: requests.Response) -> Answer | None:
        """The multistatus ``answer`` read (None: not one, counted as failed)."""
        try:
            return multistatus(server, answer)
        except RequestFailed:
            with self.lock:
                self.failed[f"{kind} unreadable"] += 1
            return None

    def all(self) -> list[float]:
        return sorted(value for values in self.latencies.values() for value in values)


def phone(server: Server, deadline: float, phase: Phase) -> None:
    """Polls cdavis's collections as DAVx5 does: ctag, then sync-collection and a multiget of
    what changed."""
    http = session(ORDINARY)
    tokens: dict[str, str] = {}
    for name in SYNCED:  # (its first sync, not timed)
        first = http.request("REPORT", server.base + path_of(name, ORDINARY), data=sync_body(""),
                             headers={"Depth": "0"}, timeout=60)
        tokens[name] = multistatus(server, first).sync_token or ""
    while time.monotonic() < deadline:
        for name in SYNCED:
            url = server.base + path_of(name, ORDINARY)
            polled = phase.timed("ctag", http, "PROPFIND", url, PROPFIND_CTAG, {"Depth": "0"})
            if polled is None:
                continue
            answer = phase.parsed("ctag", server, polled)
            props = next(iter(answer.responses.values()), {}) if answer else {}
            if props.get("{DAV:}sync-token", tokens[name]) == tokens[name]:
                continue
            synced = phase.timed("sync", http, "REPORT", url, sync_body(tokens[name]),
                                 {"Depth": "0"})
            answer = phase.parsed("sync", server, synced) if synced is not None else None
            if answer is None:
                continue
            changed = sorted(href for href, found in answer.responses.items() if found)
            if changed:
                phase.timed("multiget", http, "REPORT", url, multiget_body(name, changed),
                            {"Depth": "1"})
            tokens[name] = answer.sync_token or tokens[name]


def desktop(server: Server, deadline: float, phase: Phase) -> None:
    """Searches a week of cdavis's appointments and tasks and rewrites one appointment of that
    week, as Thunderbird does."""
    http = session(ORDINARY)
    week = {name: QUERY_WEEK.replace("{component}", component)
            for name, component in SEARCHED.items()}
    appointments = server.base + path_of("appointments", ORDINARY)
    found = http.request("REPORT", appointments, data=week["appointments"],  # (not timed)
                         headers={"Depth": "1"}, timeout=60)
    hrefs = sorted(multistatus(server, found).responses)
    if found.status_code != 207 or not hrefs:
        raise BenchError(f"{server.name}: no appointment of cdavis in the week "
                         f"({found.status_code})")
    item = server.base + hrefs[0]
    fetched = http.get(item, timeout=60)
    text, etag = fetched.text, fetched.headers.get("ETag", "")
    revision = 0
    while time.monotonic() < deadline:
        for name in SEARCHED:
            phase.timed("query", http, "REPORT", server.base + path_of(name, ORDINARY),
                        week[name], {"Depth": "1"})
        revision += 1
        sent = edited(text, revision)
        put = phase.timed("put", http, "PUT", item, sent,
                          {"If-Match": etag, "Content-Type": "text/calendar; charset=utf-8"},
                          (201, 204))
        if put is not None and put.headers.get("ETag"):
            text, etag = sent, put.headers["ETag"]
        else:  # (the server changed what it stored, or the PUT failed: fetch its version)
            got = phase.timed("get", http, "GET", item, expected=(200,))
            if got is not None:
                text, etag = got.text, got.headers.get("ETag", "")
        phase.timed("etags", http, "PROPFIND", appointments, PROPFIND_ETAGS, {"Depth": "1"})


def ordinary_work(server: Server, deadline: float, phase: Phase) -> None:
    errors: list[BaseException] = []

    def guarded(client) -> None:
        try:
            client(server, deadline, phase)
        except (BenchError, RequestFailed, requests.RequestException) as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(client,)) for client in (phone, desktop)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:  # (a client could not set itself up, or an answer was not XML)
        raise errors[0]


def hostile_sender(server: Server, probes: list[Probe], stop_: threading.Event,
                   phase: Phase) -> None:
    while not stop_.is_set():
        for probe in probes:
            if stop_.is_set():
                return
            started = time.monotonic()
            try:
                status: int | str = send(server.base + "/", probe, PASSWORD,
                                         timeout=HOSTILE_BOUND)
            except (http.client.HTTPException, OSError) as error:
                status = type(error).__name__
            elapsed = time.monotonic() - started
            phase.hostile[str(status)] += 1
            if not isinstance(status, int) or status >= 500 or elapsed > BOUND:
                what = " ".join(probe.description.split())[:70]
                phase.hostile_odd[f"{probe.kind} {probe.method} {probe.path[:60]} → {status} "
                                  f"after {elapsed:.0f} s ({what})"] += 1


def measure(server: Server, seconds: float, probes: list[Probe] | None) -> Phase:
    phase = Phase()
    stop_ = threading.Event()
    sender = threading.Thread(target=hostile_sender, args=(server, probes or [], stop_, phase),
                              daemon=True)
    if probes:
        sender.start()
    try:
        ordinary_work(server, time.monotonic() + seconds, phase)
    finally:
        stop_.set()
        if probes:
            sender.join(timeout=HOSTILE_BOUND + 10)
    return phase


# --- the tables -------------------------------------------------------------------------------

def cuts(times: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max of ``times`` (sorted), in ms."""
    if not times:
        return 0.0, 0.0, 0.0
    quantiles = (statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1
                 else times * 99)
    return quantiles[49] * 1000, quantiles[98] * 1000, times[-1] * 1000


def counted(counter: Counter[str]) -> str:
    return ", ".join(f"{what}×{count}" for what, count in sorted(counter.items()))


def row(name: str, phase_name: str, phase: Phase) -> str:
    times = phase.all()
    p50, p99, longest = cuts(times)
    hostile = sum(phase.hostile.values())
    five = sum(count for status, count in phase.hostile.items()
               if status.isdigit() and int(status) >= 500)
    unanswered = sum(count for status, count in phase.hostile.items() if not status.isdigit())
    mark = " ✗" if phase_name == "hostile" and p99 > TARGET_P99 * 1000 else ""
    failed = sum(phase.failed.values())
    slow = sum(phase.slow.values())
    return (f"| {name} | {phase_name} | {len(times)} | {p50:.0f} | {p99:.0f}{mark} | "
            f"{longest:.0f} | {failed}{f' ({counted(phase.failed)})' if failed else ''} | "
            f"{slow}{f' ({counted(phase.slow)})' if slow else ''} | "
            + (f"{hostile}, {five} 5xx, {unanswered} unanswered |" if hostile else "- |"))


def kinds_row(name: str, phase_name: str, phase: Phase) -> str:
    cells = []
    for kind in KINDS:
        times = sorted(phase.latencies.get(kind, []))
        p50, p99, _ = cuts(times)
        cells.append(f"{len(times)}: {p50:.0f} / {p99:.0f}" if times else "-")
    return f"| {name} | {phase_name} | " + " | ".join(cells) + " |"


# --- the run ----------------------------------------------------------------------------------

def run(workdir: Path, args: argparse.Namespace) -> None:
    probes = hostile_run(issue=False)
    if args.with_issue_29:
        probes += hostile_run(issue=True)
    print(f"{len(probes)} hostile requests in the run; building an HQ of {args.size} items per "
          f"collection and representative in {workdir} …", flush=True)
    started = time.monotonic()
    database = build_hq(workdir, args.size, args.database, representatives=(HOSTILE, ORDINARY))
    print(f"HQ built through the import in {time.monotonic() - started:.0f} s", flush=True)
    plans: list[int | None] = [int(workers) for workers in args.workers.split(",")]
    if not args.no_radicale:
        plans.append(None)
    copied = args.no_radicale
    rows: list[tuple[str, str, Phase]] = []
    print(f"\n{args.size} items per collection, {database.split(':')[0]} for the bridge, "
          f"{args.seconds:.0f} s per phase; ordinary requests bounded by {BOUND:g} s "
          f"(✗: p99 over the target of {TARGET_P99:g} s)\n")
    print("| server | phase | ordinary requests | p50 ms | p99 ms | max ms | failed | "
          f"over {TARGET_P99:g} s | hostile requests |")
    print("|---|---|---|---|---|---|---|---|---|")
    for workers in plans:
        if workers is None:
            server = start_radicale(workdir, (HOSTILE, ORDINARY), auth_delay=0,
                                    name="stock Radicale")
        else:
            server = serve_bridge(workdir, database, workers,
                                  f"bridge, {workers} process{'es' if workers > 1 else ''}")
        try:
            if not copied:  # (what the bridge serves, before any client changed it)
                for login in (HOSTILE, ORDINARY):
                    copy_to_radicale(workdir, server, login)
                copied = True
            general_collections(server)
            for phase_name, with_hostile in (("alone", None), ("hostile", probes)):
                phase = measure(server, args.seconds, with_hostile)
                rows.append((server.name, phase_name, phase))
                print(row(server.name, phase_name, phase), flush=True)
        finally:
            server.stop()
    print("\nBy kind: requests: p50 / p99 ms\n")
    print("| server | phase | " + " | ".join(KINDS) + " |")
    print("|---|---|" + "---|" * len(KINDS))
    for name, phase_name, phase in rows:
        print(kinds_row(name, phase_name, phase))
    for name, phase_name, phase in rows:
        for odd, count in sorted(phase.hostile_odd.items()):
            print(f"\n{name}, {phase_name}: hostile {odd} (×{count})", end="")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--size", type=int, default=500,
                        help="customers, and mobile appointments, HQ appointments and HQ tasks "
                             "of each representative")
    parser.add_argument("--workers", default="1,2",
                        help="the bridge's process counts, comma-separated")
    parser.add_argument("--database", help="an empty database to build the HQ in "
                                           "(default: SQLite in a temporary directory)")
    parser.add_argument("--no-radicale", action="store_true", help="the bridge only")
    parser.add_argument("--with-issue-29", action="store_true",
                        help="send the probes that stall a server today too (each may take "
                             f"{HOSTILE_BOUND:g} s and leave the server stalled)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    return run_in_scratch("hostile-bench-", args.keep, lambda workdir: run(workdir, args))


if __name__ == "__main__":
    sys.exit(main())
