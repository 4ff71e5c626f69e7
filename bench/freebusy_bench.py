#!/usr/bin/env python3
"""Benchmark a manager's planning view: the free/busy time of a team of 10 over eight weeks,
against stock Radicale where it has a counterpart.

For each size N (default 100 and 1 000) the script builds an HQ in a temporary directory
through the real import (``hq_dav_bench.build_hq``): 10 representatives of one sales channel,
each with N mobile appointments, N HQ appointments and N HQ tasks, and a manager (no
representative) who manages them all. It starts ``bridge serve`` on it, lays out what the
manager's team views serve (``/{manager}/team-{login}-appointments/`` and
``…-mobile/``, ``bridge.calendars.team``) for a stock Radicale 3.9 at the same paths in the
manager's home, and times on both, turn by turn (median of ``--repeat`` after ``--warmup``),
signed in as the manager, over eight weeks from the benchmark's today:

  team REPORT   a CalDAV free-busy-query REPORT (RFC 4791 §7.10) on each of the two calendars
                of each of the 10 representatives (20 REPORTs), answered in sequence
  team .vfb     GET /freebusy/{login}.vfb?start=…&end=… of each representative (10 GETs; the
                bridge's Internet free/busy, Basic auth); Radicale has no counterpart: –
  team outbox   one RFC 6638 free/busy request POSTed to the manager's schedule outbox for
                all 10 representatives by e-mail (Thunderbird's and Apple Calendar's "find a
                time"); stock Radicale has no scheduling: –

Each server's answers are compared: the BUSY* periods of every REPORT (Radicale lists a
cancelled event as FBTYPE=FREE, the bridge's busy time lists busy time only), and each
representative's .vfb and outbox reply against the merged periods of their two REPORTs on the
bridge; a
difference is printed as a warning (the figures are printed anyway). Then each server's peak
resident memory. Prints a markdown table (ratio = radicale ms / bridge ms; above 1 the bridge
is faster). Exit 0 whatever the figures; 1 if the benchmark could not run.

A further workload is one more entry of OPERATIONS: its name → the callable timing it on each
server that has a counterpart (a Probe in, seconds out).

    python bench/freebusy_bench.py [--sizes 100,1000] [--repeat 5] [--warmup 1] [--keep]
"""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dav_bench import (
    CALDAV,
    BenchError,
    RequestFailed,
    Server,
    measure,
    request,
    scratch,
    serve_bridge,
    start_radicale,
)
from hq_dav_bench import (
    TODAY,
    build_hq,
    copy_collection,
    peak_memory,
    print_memory,
    print_table,
)

MANAGER = "teamlead"
TEAM = tuple(f"rep{i:02d}" for i in range(1, 11))
CALENDARS = ("appointments", "mobile")
"""The representative's calendars that hold busy time (``bridge.calendars.busy_time``)."""
SPAN_START = TODAY
SPAN_END = TODAY + timedelta(weeks=8)
FREE_BUSY_QUERY = (f'<C:free-busy-query xmlns:C="{CALDAV}"><C:time-range '
                   f'start="{SPAN_START:%Y%m%dT%H%M%SZ}" end="{SPAN_END:%Y%m%dT%H%M%SZ}"/>'
                   "</C:free-busy-query>")

Busy = frozenset[tuple[datetime, datetime, str]]
"""BUSY* periods of a VFREEBUSY: (start, end, FBTYPE)."""


def view_name(login: str, calendar: str) -> str:
    """The manager's team view of ``login``'s ``calendar`` (``bridge.calendars.team``)."""
    return f"team-{login}-{calendar}"


def view_path(login: str, calendar: str) -> str:
    return f"/{MANAGER}/{view_name(login, calendar)}/"


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def busy_of(text: str) -> Busy:
    """The BUSY* periods of a VFREEBUSY's FREEBUSY lines (FREE ones left out)."""
    found = set()
    for line in text.replace("\r\n ", "").replace("\n ", "").splitlines():
        head, _, values = line.partition(":")
        name, *params = head.split(";")
        if name.upper() != "FREEBUSY":
            continue
        kind = next((param.split("=", 1)[1].upper() for param in params
                     if param.upper().startswith("FBTYPE=")), "BUSY")
        if kind.startswith("BUSY"):
            for period in values.split(","):
                start, _, end = period.strip().partition("/")
                if end.startswith("P"):
                    raise BenchError(f"a FREEBUSY period given with a duration: {period}")
                found.add((_instant(start), _instant(end), kind))
    return frozenset(found)


def merged(busy: Busy) -> Busy:
    """Overlapping or touching periods of one FBTYPE as one (as a VFREEBUSY of two
    calendars' events lists them)."""
    result = set()
    for kind in {kind for _, _, kind in busy}:
        current: tuple[datetime, datetime] | None = None
        for start, end in sorted((start, end) for start, end, each in busy if each == kind):
            if current is not None and start <= current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current is not None:
                result.add((*current, kind))
            current = (start, end)
        if current is not None:
            result.add((*current, kind))
    return frozenset(result)


# --- the timed operations ---------------------------------------------------------------------

@dataclass
class Probe:
    """One server's side of the workloads; ``answers`` holds, per operation, the busy
    periods last answered per path."""

    server: Server
    answers: dict[str, dict[str, Busy]] = field(default_factory=dict)

    def run(self, op: str) -> float:
        return OPERATIONS[op][self.server.name](self)


def team_report(probe: Probe) -> float:
    """The free-busy-query REPORTs of every team view, in sequence."""
    total, answers = 0.0, {}
    for login in TEAM:
        for calendar in CALENDARS:
            path = view_path(login, calendar)
            elapsed, response = request(probe.server, "REPORT", path, FREE_BUSY_QUERY,
                                        {"Depth": "1"}, expect=(200,), login=MANAGER)
            answers[path] = busy_of(response.text)
            total += elapsed
    probe.answers["team REPORT"] = answers
    return total


def team_vfb(probe: Probe) -> float:
    """GET /freebusy/LOGIN.vfb over the span of every representative, in sequence."""
    total, answers = 0.0, {}
    for login in TEAM:
        path = (f"/freebusy/{login}.vfb?start={SPAN_START:%Y-%m-%dT%H:%M:%SZ}"
                f"&end={SPAN_END:%Y-%m-%dT%H:%M:%SZ}")
        elapsed, response = request(probe.server, "GET", path, None,
                                    {"Accept-Encoding": "identity"}, expect=(200,),
                                    login=MANAGER)
        answers[login] = busy_of(response.text)
        total += elapsed
    probe.answers["team .vfb"] = answers
    return total


OUTBOX_REQUEST = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", "METHOD:REQUEST",
    "BEGIN:VFREEBUSY", "UID:bench-find-a-time", f"DTSTAMP:{SPAN_START:%Y%m%dT%H%M%SZ}",
    f"DTSTART:{SPAN_START:%Y%m%dT%H%M%SZ}", f"DTEND:{SPAN_END:%Y%m%dT%H%M%SZ}",
    f"ORGANIZER:mailto:{MANAGER}@example.com",
    *(f"ATTENDEE:mailto:{login}@example.com" for login in TEAM),
    "END:VFREEBUSY", "END:VCALENDAR", ""])
"""The manager's "find a time" for the whole team over the span, as Thunderbird asks it."""


def team_outbox(probe: Probe) -> float:
    """One free/busy request for the whole team to the manager's schedule outbox."""
    elapsed, response = request(probe.server, "POST", f"/scheduling/{MANAGER}/outbox/",
                                OUTBOX_REQUEST, {"Content-Type": "text/calendar"},
                                expect=(200,), login=MANAGER)
    replies = ET.fromstring(response.content).iter(f"{{{CALDAV}}}response")
    probe.answers["team outbox"] = {
        reply.findtext(f"{{{CALDAV}}}recipient/{{DAV:}}href", "").removeprefix("mailto:")
        .removesuffix("@example.com"): busy_of(reply.findtext(f"{{{CALDAV}}}calendar-data", ""))
        for reply in replies}
    return elapsed


OPERATIONS: dict[str, dict[str, Callable[[Probe], float]]] = {
    "team REPORT": {"bridge": team_report, "radicale": team_report},
    "team .vfb": {"bridge": team_vfb},
    "team outbox": {"bridge": team_outbox},
}
"""Operation → server → what times it there (a server without a counterpart is left out)."""


# --- comparing the answers --------------------------------------------------------------------

def _difference(what: str, ours: Busy, theirs: Busy, other: str) -> str | None:
    if ours == theirs:
        return None
    missing, extra = sorted(theirs - ours), sorted(ours - theirs)
    example = (missing or extra)[0]
    return (f"{what}: {len(ours)} busy periods on the bridge, {len(theirs)} {other}; "
            f"{len(missing)} only {other}, {len(extra)} only on the bridge "
            f"(e.g. {example[0]:%Y-%m-%d %H:%M}–{example[1]:%H:%M} {example[2]})")


def disagreements(probes: dict[str, Probe]) -> list[str]:
    """How the servers' answers differ (nothing: they agree)."""
    bridge, radicale = probes["bridge"].answers, probes["radicale"].answers
    found = []
    for path, ours in bridge.get("team REPORT", {}).items():
        theirs = radicale.get("team REPORT", {}).get(path)
        if theirs is not None:
            found.append(_difference(f"REPORT {path}", ours, theirs, "on Radicale"))
    for op, what in (("team .vfb", "{}.vfb"), ("team outbox", "outbox reply for {}")):
        for login, ours in bridge.get(op, {}).items():
            reports = [bridge.get("team REPORT", {}).get(view_path(login, name))
                       for name in CALENDARS]
            if all(report is not None for report in reports):
                found.append(_difference(what.format(login), ours,
                                         merged(frozenset().union(*reports)),
                                         "in the bridge's two REPORTs"))
    return [each for each in found if each]


# --- the run ----------------------------------------------------------------------------------

def bench_size(n: int, args: argparse.Namespace, root: Path, warnings: list[str]
               ) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """The timings (seconds) by operation and server, and each server's peak RSS."""
    workdir = root / f"n{n}"
    workdir.mkdir()
    started = time.perf_counter()
    database = build_hq(workdir, n, representatives=TEAM, manager=MANAGER)
    print(f"N={n}: HQ of {len(TEAM)} representatives built in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    servers: list[Server] = []
    try:
        bridge = serve_bridge(workdir, database)
        servers.append(bridge)
        for login in TEAM:
            for calendar in CALENDARS:
                copy_collection(workdir, bridge, view_name(login, calendar), MANAGER)
        radicale = start_radicale(workdir, logins=(MANAGER,))
        servers.append(radicale)
        probes = {server.name: Probe(server) for server in servers}
        results: dict[str, dict[str, float]] = {}
        for op, timers in OPERATIONS.items():
            failures: list[RequestFailed] = []
            results[op] = timed = measure(
                {name: probe for name, probe in probes.items() if name in timers}, op,
                args.warmup, args.repeat, failures)
            periods = {name: sum(map(len, probe.answers.get(op, {}).values()))
                       for name, probe in probes.items() if name in timed}
            print(f"  {op:12} " + "  ".join(
                f"{server}: {seconds * 1000:8.1f} ms ({periods[server]} busy periods)"
                for server, seconds in timed.items()), flush=True)
        for problem in disagreements(probes):
            warnings.append(f"N={n}: {problem}")
            print(f"  WARNING: {problem}", flush=True)
        return results, peak_memory(servers)
    finally:
        for server in servers:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000",
                        help="comma-separated numbers of appointments per representative and "
                             "calendar")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (median kept)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    rows, memory, warnings = [], {}, []
    try:
        with scratch("freebusy-bench-", args.keep) as root:
            for n in (int(size) for size in args.sizes.split(",")):
                timings, memory[n] = bench_size(n, args, root, warnings)
                rows += [(op, n, timed.get("bridge"), timed.get("radicale"))
                         for op, timed in timings.items()]
    except (BenchError, RequestFailed) as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        return 1
    print_table(rows, ("operation",))
    print_memory(memory)
    for warning in warnings:
        print(f"\nWARNING: the servers' free/busy answers differ: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
