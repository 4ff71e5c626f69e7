#!/usr/bin/env python3
"""Polls per second under 50 concurrent polling clients: bridge serve (1 and 2 processes),
stock Radicale and Xandikos.

A representative's phone or Outlook polls its calendars every few minutes with one request
per calendar, a PROPFIND Depth 0 of CS:getctag and DAV:sync-token, and reads more only when
they changed; 1 000 representatives' devices make a steady stream of such polls. This
benchmark sends that stream as fast as the server answers it: ``--clients`` concurrent
clients (default 50), each polling one representative's ``mobile/`` calendar without pause,
one request after the other, for ``--seconds`` per server (default 20).

It builds an HQ through the real import (``hq_dav_bench.build_hq``: ``--reps``
representatives of one sales channel, default 50, each with ``--size`` mobile appointments,
default 1 000, and the channel's ``--size`` customers; no HQ appointments or tasks, which a
poll of ``mobile/`` does not read), starts ``bridge serve`` on it and lays out what it
serves in every representative's ``mobile/`` for a stock Radicale 3.9 and a stock Xandikos
0.4 (``hq_dav_bench.copy_collection``: the same hrefs, texts and properties). Client *i*
signs in as representative *i* modulo ``--reps`` (with ``--reps 1`` every client polls the
same login's calendar: said in the output). The four servers run side by side: ``bridge
serve``, ``bridge serve --workers 2`` (on the same database), stock Radicale, Xandikos. Each
first answers one poll of each login's calendar, one after the other (checked: a 207 with
getctag and sync-token; untimed, it fills the peers' caches: stock Radicale reads and caches
every item of a calendar at its first poll, minutes for 50 × 1 000 items). Then the servers
take turns under the load, ``--rounds`` rounds (default 2; the order reversed every other
round) of one window on each server: ``--warmup`` seconds (default 3, not counted), then
``--seconds / --rounds`` measured; so a passing disturbance of a shared machine falls on all
of them alike, and the output gives each window's figures and the other processes' CPU.

The clients are ``--client-processes`` processes (default 5) of ``clients / processes``
threads each, each thread with its own ``http.client`` connection kept open where the
server allows it (a new one after an answer that closes it): the output counts the
connections each server's clients opened, and says which servers close the connection after
each answer (a new TCP connection per poll). Xandikos (aiohttp) is polled over HTTPS (its
HTTP Basic authentication requires TLS, see ``dav_bench.start_xandikos``): its figures
include TLS on loopback.

A poll is counted if it started within a measured window; polls/s = those polls /
``--seconds``; p50/p99 are of their latencies (from sending the request to the whole
answer read, connecting included). An answer other than 207, or a failed request, is an
error (counted, not in the latencies). The server's CPU (its processes, from /proc), the
clients' and the other processes' (the machine's busy time less those two) over the windows
are given in percent of one core: clients and server share the machine's cores, which bounds
the figures. Exit 0 whatever the figures; 1 if the benchmark
could not run. The servers listen on free ports (``BENCH_PORTS=LOW-HIGH``: within that range,
see ``dav_bench.free_port``).

    python bench/poll_load_bench.py [--size 1000] [--reps 50] [--clients 50]
                                    [--client-processes 5] [--seconds 20] [--rounds 2]
                                    [--warmup 3]
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
    server_peak_rss_mib,
    server_tree,
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
    """Where the clients poll: a server's address on loopback."""

    scheme: str
    port: int


@dataclass
class Outcome:
    """What the clients of one process (or of all, merged) saw in the measured window."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    seconds: float = 0.0
    """The measured window (windows merged: added up)."""
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_cpu: float = 0.0
    """CPU seconds over the window: the clients', the server's, all the machine's cores'."""

    def merge(self, other: Outcome) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)
        self.connections += other.connections
        self.seconds += other.seconds
        self.client_cpu += other.client_cpu
        self.server_cpu += other.server_cpu
        self.machine_cpu += other.machine_cpu

    @property
    def step(self) -> Step:
        """As a step of scale_bench's throughput (no rate asked: the clients never pause)."""
        return Step(rate=0.0, latencies=self.latencies, errors=sum(self.errors.values()),
                    seconds=self.seconds)


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
    outcome.client_cpu = cpu_self() - cpu
    for thread in threads:
        thread.join()
    return outcome


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- a server under load ----------------------------------------------------------------------

def server_cpu(server: Server) -> float:
    """CPU seconds the server's processes used so far (utime + stime)."""
    return sum(int(fields[12]) + int(fields[13]) for fields in server_tree(server)) / CLOCK_TICKS


def machine_cpu() -> float:
    """CPU seconds all the machine's cores were busy so far (/proc/stat)."""
    counts = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = counts
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def first_poll(server: Server, logins: tuple[str, ...]) -> float:
    """One poll of each login's calendar (checked: a 207 with getctag and sync-token); the
    seconds it took."""
    started = time.perf_counter()
    for login in logins:
        _, response = request(server, "PROPFIND", path_of(COLLECTION, login), PROPFIND_CTAG,
                              {"Depth": "0"}, login=login)
        props = next(iter(multistatus(server, response).responses.values()), {})
        check(server, response, bool(props.get(f"{{{CS}}}getctag"))
              and bool(props.get(f"{{{DAV}}}sync-token")),
              f"{login}'s {COLLECTION}/: no getctag or no sync-token")
    return time.perf_counter() - started


def window(server: Server, logins: tuple[str, ...], seconds: float,
           args: argparse.Namespace) -> Outcome:
    """``args.clients`` client threads in ``args.client_processes`` processes polling
    ``server`` for ``args.warmup`` seconds, then ``seconds`` measured."""
    clients = [logins[i % len(logins)] for i in range(args.clients)]
    per_process = [clients[i::args.client_processes] for i in range(args.client_processes)]
    target = Target(server.scheme, server.port)
    start = time.monotonic() + 1.0  # (time for the processes to start)
    with multiprocessing.get_context("fork").Pool(len(per_process)) as pool:
        pending = pool.starmap_async(client_process, [
            (target, part, start, args.warmup, seconds) for part in per_process if part])
        time.sleep(max(0.0, start + args.warmup - time.monotonic()))
        cpu, busy = server_cpu(server), machine_cpu()
        time.sleep(max(0.0, start + args.warmup + seconds - time.monotonic()))
        cpu, busy = server_cpu(server) - cpu, machine_cpu() - busy
        outcomes = pending.get(timeout=args.warmup + seconds + 120)
    merged = Outcome(seconds=seconds, server_cpu=cpu, machine_cpu=busy)
    for outcome in outcomes:
        merged.merge(outcome)
    return merged


def summary(outcome: Outcome) -> str:
    step = outcome.step
    others = outcome.machine_cpu - outcome.server_cpu - outcome.client_cpu
    return (f"{step.sustained:5.0f} polls/s  p50 {step.quantile(0.5):6.1f} ms  p99 "
            f"{step.quantile(0.99):6.1f} ms  errors {step.errors}  CPU % server "
            f"{100 * outcome.server_cpu / outcome.seconds:.0f}, clients "
            f"{100 * outcome.client_cpu / outcome.seconds:.0f}, other processes "
            f"{100 * others / outcome.seconds:.0f}")


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
    layout = starts["bridge"]()  # (its own process: the peak memory in the table is the polls')
    try:
        started = time.perf_counter()
        for login in logins:
            copy_collection(workdir, layout, COLLECTION, login, peers)
        print(f"  {COLLECTION}/ of {len(logins)} representatives laid out for "
              f"{', '.join(peers) or 'no peer'} in {time.perf_counter() - started:.0f} s",
              flush=True)
    finally:
        layout.stop()
    servers: dict[str, Server] = {}
    try:
        for name in args.servers:
            server = servers[name] = starts[name]()
            print(f"  {name}: the first poll of each login's {COLLECTION}/ took "
                  f"{first_poll(server, logins):.1f} s in all", flush=True)
        slice_ = args.seconds / args.rounds
        print(f"\n{args.clients} clients ({args.client_processes} processes), {args.rounds} "
              f"rounds of {args.warmup:g} s warm-up + {slice_:g} s measured per server:",
              flush=True)
        outcomes = {name: Outcome() for name in args.servers}
        for round_ in range(args.rounds):
            order = args.servers if round_ % 2 == 0 else args.servers[::-1]
            for name in order:
                outcome = window(servers[name], logins, slice_, args)
                outcomes[name].merge(outcome)
                print(f"  round {round_ + 1} {name:9} {summary(outcome)}", flush=True)
        memory = {name: server_peak_rss_mib(servers[name]) for name in args.servers}
        workers = {name: len(server_tree(servers[name])) - 1 for name in args.servers}
    finally:
        for server in servers.values():
            server.stop()
    print_table(outcomes, memory, workers, logins, args)


def print_table(outcomes: dict[str, Outcome], memory: dict[str, float],
                workers: dict[str, int], logins: tuple[str, ...],
                args: argparse.Namespace) -> None:
    who = (f"{min(args.clients, len(logins))} logins, each its own {COLLECTION}/"
           if len(logins) > 1 else f"all the same login's {COLLECTION}/ (--reps 1)")
    print(f"\n{args.clients} concurrent clients polling ({who}; {args.size} items each), "
          f"{args.seconds:g} s measured per server in {args.rounds} rounds (each after "
          f"{args.warmup:g} s warm-up), {args.client_processes} client processes\n")
    print("| server | processes | polls/s | p50 ms | p99 ms | errors | new connections | "
          "server CPU % | clients CPU % | other processes CPU % | server peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, outcome in outcomes.items():
        step = outcome.step
        kinds = ", ".join(f"{kind}: {count}" for kind, count in outcome.errors.items())
        others = outcome.machine_cpu - outcome.server_cpu - outcome.client_cpu
        print(f"| {name} | {f'{workers[name]} (+ master)' if workers[name] else '1'} | "
              f"{step.sustained:.0f} | {step.quantile(0.5):.1f} | {step.quantile(0.99):.1f} | "
              f"{f'{step.errors} ({kinds})' if kinds else step.errors} | "
              f"{outcome.connections} | "
              + " | ".join(f"{100 * cpu / outcome.seconds:.0f}"
                           for cpu in (outcome.server_cpu, outcome.client_cpu, others))
              + f" | {memory[name]:.0f} |")
    print(f"\nCPU in % of one core over the measured windows; the machine has "
          f"{os.cpu_count()} cores, shared by the server, the clients and whatever else runs "
          "(other processes: the machine's busy time less the server's and the clients'). "
          "The clients poll without pause (a closed loop): each server is kept saturated, "
          "and its latency is about clients / polls/s, mostly time queued.")
    for name, outcome in outcomes.items():
        polls = len(outcome.latencies) + sum(outcome.errors.values())
        kept = ("keeps the connection open" if outcome.connections <= 2 * args.clients
                else "closes the connection after each answer")
        print(f"- {name}: {kept} ({outcome.connections} new connections for its {polls} "
              "polls in the measured windows)"
              + (" — over HTTPS (Xandikos checks passwords only over TLS)"
                 if name == "xandikos" else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000,
                        help="mobile appointments of each representative (default: 1000)")
    parser.add_argument("--reps", type=int, default=50,
                        help="representatives the clients sign in as (default: 50)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--client-processes", type=int, default=5,
                        help="processes the clients' threads are spread over (default: 5)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="measured seconds per server, all rounds (default: 20)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="the servers take turns, each round a window of seconds / rounds "
                             "on each (default: 2)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds polled, not measured, before each window (default: 3)")
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help=f"comma-separated, among {', '.join(SERVERS)} (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.servers = [name for name in args.servers.split(",") if name]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"--servers: unknown {', '.join(sorted(unknown))}")
    if min(args.size, args.reps, args.clients, args.client_processes, args.rounds) < 1:
        parser.error("--size, --reps, --clients, --client-processes and --rounds must be at "
                     "least 1")
    args.client_processes = min(args.client_processes, args.clients)
    return run_in_scratch("poll-load-bench-", args.keep, lambda workdir: run(workdir, args))


if __name__ == "__main__":
    sys.exit(main())
