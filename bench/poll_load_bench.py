#!/usr/bin/env python3
"""Polls per second under 50 concurrent polling clients: bridge serve (1 and 2 processes),
stock Radicale and Xandikos.

A representative's phone or Outlook polls its calendars every few minutes with one request
per calendar, a PROPFIND Depth 0 of CS:getctag and DAV:sync-token, and reads more only when
they changed; 1 000 representatives' devices make a steady stream of such polls. This
benchmark sends that stream as fast as the server answers it: ``--clients`` concurrent
clients (default 50), each polling one representative's ``mobile/`` calendar without pause,
one request after the other, for ``--seconds`` (default 20) after ``--warmup`` seconds
(default 5, not counted).

It builds an HQ through the real import (``hq_dav_bench.build_hq``: ``--reps``
representatives of one sales channel, default 50, each with ``--size`` mobile appointments,
default 1 000, and the channel's ``--size`` customers; no HQ appointments or tasks, which a
poll of ``mobile/`` does not read), starts ``bridge serve`` on it and lays out what it
serves in every representative's ``mobile/`` for a stock Radicale 3.9 and a stock Xandikos
0.4 (``hq_dav_bench.copy_collection``: the same hrefs, texts and properties). Client *i*
signs in as representative *i* modulo ``--reps`` (with ``--reps 1`` every client polls the
same login's calendar: said in the output). Then, one server after the other (the others
stopped): ``bridge serve``, ``bridge serve --workers 2``, stock Radicale, Xandikos.

The clients are ``--client-processes`` processes (default 5) of ``clients / processes``
threads each, each thread with its own ``http.client`` connection kept open where the
server allows it (a new one after an answer that closes it): the output counts the
connections each server's clients opened, and says which servers close the connection after
each answer (a new TCP connection per poll). Xandikos (aiohttp) is polled over HTTPS (its
HTTP Basic authentication requires TLS, see ``dav_bench.start_xandikos``): its figures
include TLS on loopback.

A poll is counted if it started within the measured window; polls/s = those polls /
``--seconds``; p50/p99 are of their latencies (from sending the request to the whole
answer read, connecting included). An answer other than 207, or a failed request, is an
error (counted, not in the latencies). The server's CPU (its processes, from /proc) and the
clients' CPU over the window are given in percent of one core: client and server share the
machine's cores, which bounds the figures. Exit 0 whatever the figures; 1 if the benchmark
could not run.

    python bench/poll_load_bench.py [--size 1000] [--reps 50] [--clients 50]
                                    [--client-processes 5] [--seconds 20] [--warmup 5]
                                    [--servers bridge,bridge-2,radicale,xandikos] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing
import os
import resource
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dav_bench import (
    CS,
    DAV,
    LOGIN,
    PASSWORD,
    PROPFIND_CTAG,
    Server,
    check,
    multistatus,
    request,
    run_in_scratch,
    serve_bridge,
    start_radicale,
    start_xandikos,
)
from hq_dav_bench import build_hq, copy_collection, path_of
from scale_bench import Step

COLLECTION = "mobile"
SERVERS = ("bridge", "bridge-2", "radicale", "xandikos")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the clients ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Where the clients poll: a server's address, and the logins they sign in as."""

    scheme: str
    port: int
    logins: tuple[str, ...]


@dataclass
class Outcome:
    """What the clients of one process (or of all, merged) saw in the measured window."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    cpu_seconds: float = 0.0

    def merge(self, other: Outcome) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)
        self.connections += other.connections
        self.cpu_seconds += other.cpu_seconds


def connect(target: Target) -> http.client.HTTPConnection:
    if target.scheme == "https":  # (Xandikos' self-signed certificate, on loopback)
        return http.client.HTTPSConnection("127.0.0.1", target.port, timeout=60,
                                           context=ssl._create_unverified_context())
    return http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)


def poll_loop(target: Target, login: str, begin: float, end: float, outcome: Outcome,
              lock: threading.Lock) -> None:
    """One client: poll ``login``'s calendar, one request after the other, until ``end``;
    note the polls that started at ``begin`` or later (latencies, errors, connections)."""
    path = path_of(COLLECTION, login)
    body = PROPFIND_CTAG.encode("utf-8")
    token = base64.b64encode(f"{login}:{PASSWORD}".encode()).decode()
    headers = {"Depth": "0", "Authorization": f"Basic {token}",
               "Content-Type": "application/xml; charset=utf-8"}
    connection = connect(target)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    connections = 0
    while (now := time.monotonic()) < end:
        counted = now >= begin
        opening = connection.sock is None  # (http.client reconnects after a closing answer)
        started = time.perf_counter()
        try:
            connection.request("PROPFIND", path, body, headers)
            answer = connection.getresponse()
            answer.read()
            failure = None if answer.status == 207 else f"HTTP {answer.status}"
        except (OSError, http.client.HTTPException) as error:
            failure = type(error).__name__
            connection.close()
        took = time.perf_counter() - started
        if counted:
            connections += opening
            if failure is None:
                latencies.append(took)
            else:
                errors[failure] += 1
    connection.close()
    with lock:
        outcome.latencies += latencies
        outcome.errors.update(errors)
        outcome.connections += connections


def client_process(target: Target, logins: list[str], start: float, warmup: float,
                   seconds: float) -> Outcome:
    """One client process: a thread per login in ``logins``, polling from ``start`` to
    ``start + warmup + seconds`` (monotonic clock, shared by the processes); the polls of the
    last ``seconds`` counted, and this process's CPU time over them."""
    begin, end = start + warmup, start + warmup + seconds
    outcome, lock = Outcome(), threading.Lock()
    threads = [threading.Thread(target=poll_loop, args=(target, login, begin, end, outcome, lock))
               for login in logins]
    time.sleep(max(0.0, start - time.monotonic()))
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, begin - time.monotonic()))
    cpu = cpu_self()
    time.sleep(max(0.0, end - time.monotonic()))
    outcome.cpu_seconds = cpu_self() - cpu
    for thread in threads:
        thread.join()
    return outcome


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- a server under load ----------------------------------------------------------------------

def server_tree(server: Server) -> list[list[str]]:
    """The /proc stat fields (after the command name) of the server process and of its
    children (``--workers``: gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if server.process.pid in (int(entry.name), int(fields[1])):
            found.append([entry.name, *fields])
    return found


def server_cpu(server: Server) -> float:
    """CPU seconds the server's processes used so far (utime + stime)."""
    return sum(int(fields[12]) + int(fields[13]) for fields in server_tree(server)) / CLOCK_TICKS


def server_peak_rss_mib(server: Server) -> float:
    """The server's processes' peak resident memory, added up (MiB)."""
    total = 0.0
    for fields in server_tree(server):
        status = Path(f"/proc/{fields[0]}/status").read_text()
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmHWM:")) / 1024
    return total


@dataclass
class Row:
    server: str
    processes: str
    step: Step
    errors: Counter[str]
    connections: int
    server_cpu: float
    client_cpu: float
    rss_mib: float


def first_poll(server: Server, logins: tuple[str, ...]) -> None:
    """One poll of each login's calendar (checked: a 207 with getctag and sync-token)."""
    for login in logins:
        _, response = request(server, "PROPFIND", path_of(COLLECTION, login), PROPFIND_CTAG,
                              {"Depth": "0"}, login=login)
        props = next(iter(multistatus(server, response).responses.values()), {})
        check(server, response, bool(props.get(f"{{{CS}}}getctag"))
              and bool(props.get(f"{{{DAV}}}sync-token")),
              f"{login}'s {COLLECTION}/: no getctag or no sync-token")


def load(server: Server, label: str, logins: tuple[str, ...],
         args: argparse.Namespace) -> Row:
    """``args.clients`` clients polling ``server`` for ``args.warmup + args.seconds``."""
    first_poll(server, logins)
    clients = [logins[i % len(logins)] for i in range(args.clients)]
    per_process = [clients[i::args.client_processes] for i in range(args.client_processes)]
    target = Target(server.scheme, server.port, logins)
    start = time.monotonic() + 1.0  # (time for the processes to start)
    context = multiprocessing.get_context("fork")
    with context.Pool(len(per_process)) as pool:
        pending = pool.starmap_async(client_process, [
            (target, part, start, args.warmup, args.seconds) for part in per_process if part])
        time.sleep(max(0.0, start + args.warmup - time.monotonic()))
        cpu = server_cpu(server)
        time.sleep(max(0.0, start + args.warmup + args.seconds - time.monotonic()))
        used = server_cpu(server) - cpu
        outcomes = pending.get(timeout=args.warmup + args.seconds + 120)
    merged = Outcome()
    for outcome in outcomes:
        merged.merge(outcome)
    step = Step(rate=0.0, latencies=merged.latencies, seconds=args.seconds)  # (no rate asked)
    step.errors = sum(merged.errors.values())
    workers = len(server_tree(server)) - 1
    row = Row(label, f"{workers} (+ master)" if workers else "1", step, merged.errors,
              merged.connections, used / args.seconds, merged.cpu_seconds / args.seconds,
              server_peak_rss_mib(server))
    print(f"  {label:10} {step.sustained:7.0f} polls/s  p50 {step.quantile(0.5):6.1f} ms  "
          f"p99 {step.quantile(0.99):6.1f} ms  errors {step.errors}", flush=True)
    return row


# --- the run ----------------------------------------------------------------------------------

def representatives(count: int) -> tuple[str, ...]:
    return (LOGIN, *(f"rep{i:03d}" for i in range(2, count + 1)))


def run(workdir: Path, args: argparse.Namespace) -> None:
    logins = representatives(args.reps)
    started = time.perf_counter()
    print(f"building an HQ of {len(logins)} representatives × {args.size} mobile appointments "
          f"in {workdir} …", flush=True)
    database = build_hq(workdir, args.size, representatives=logins, hq_activities=False)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    starts: dict[str, Callable[[], Server]] = {
        "bridge": lambda: serve_bridge(workdir, database, name="bridge"),
        "bridge-2": lambda: serve_bridge(workdir, database, 2, name="bridge-2"),
        "radicale": lambda: start_radicale(workdir, logins),
        "xandikos": lambda: start_xandikos(workdir, logins),
    }
    peers = tuple(name for name in ("radicale", "xandikos") if name in args.servers)
    rows: list[Row] = []
    bridge = starts["bridge"]()
    try:
        started = time.perf_counter()
        for login in logins:
            copy_collection(workdir, bridge, COLLECTION, login, peers)
        print(f"  {COLLECTION}/ of {len(logins)} representatives laid out for "
              f"{', '.join(peers) or 'no peer'} in {time.perf_counter() - started:.0f} s",
              flush=True)
        print(f"\n{args.clients} clients ({args.client_processes} processes), "
              f"{args.warmup:g} s warm-up, {args.seconds:g} s measured:", flush=True)
        if "bridge" in args.servers:
            rows.append(load(bridge, "bridge", logins, args))
    finally:
        bridge.stop()
    for name in args.servers:
        if name == "bridge":
            continue
        server = starts[name]()
        try:
            rows.append(load(server, name, logins, args))
        finally:
            server.stop()
    print_table(rows, logins, args)


def print_table(rows: list[Row], logins: tuple[str, ...], args: argparse.Namespace) -> None:
    who = (f"{min(args.clients, len(logins))} logins, each its own {COLLECTION}/"
           if len(logins) > 1 else f"all the same login's {COLLECTION}/ (--reps 1)")
    print(f"\n{args.clients} concurrent clients polling ({who}; {args.size} items each), "
          f"{args.seconds:g} s after {args.warmup:g} s warm-up, "
          f"{args.client_processes} client processes\n")
    print("| server | processes | polls/s | p50 ms | p99 ms | errors | new connections | "
          "server CPU % | clients CPU % | server peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        kinds = ", ".join(f"{kind}: {count}" for kind, count in row.errors.items())
        errors = f"{row.step.errors} ({kinds})" if kinds else str(row.step.errors)
        print(f"| {row.server} | {row.processes} | {row.step.sustained:.0f} | "
              f"{row.step.quantile(0.5):.1f} | {row.step.quantile(0.99):.1f} | {errors} | "
              f"{row.connections} | {row.server_cpu * 100:.0f} | {row.client_cpu * 100:.0f} | "
              f"{row.rss_mib:.0f} |")
    print(f"\nCPU in % of one core over the measured window; the machine has {os.cpu_count()} "
          "cores, shared by the server and the clients (one machine, loopback).")
    for row in rows:
        polls = len(row.step.latencies) + row.step.errors
        kept = ("keeps the connection open" if row.connections <= 2 * args.clients
                else "closes the connection after each answer")
        print(f"- {row.server}: {kept} ({row.connections} new connections for its {polls} "
              "polls in the measured window)"
              + (" — over HTTPS (Xandikos checks passwords only over TLS)"
                 if row.server == "xandikos" else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000,
                        help="mobile appointments of each representative (default: 1000)")
    parser.add_argument("--reps", type=int, default=50,
                        help="representatives the clients sign in as (default: 50)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--client-processes", type=int, default=5,
                        help="processes the clients' threads are spread over (default: 5)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds polled before")
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help=f"comma-separated, among {', '.join(SERVERS)} (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.servers = [name for name in args.servers.split(",") if name]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"--servers: unknown {', '.join(sorted(unknown))}")
    if min(args.size, args.reps, args.clients, args.client_processes) < 1:
        parser.error("--size, --reps, --clients and --client-processes must be at least 1")
    args.client_processes = min(args.client_processes, args.clients)
    return run_in_scratch("poll-load-bench-", args.keep, lambda workdir: run(workdir, args))


if __name__ == "__main__":
    sys.exit(main())
