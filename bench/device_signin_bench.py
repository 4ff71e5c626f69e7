#!/usr/bin/env python3
"""Benchmark what a device password costs a calendar client's request: PROPFIND Depth 0 of
the representative's calendar home over HTTP against a real `bridge serve`, signed in

  device warm      with a device password used before from this address: one indexed
                   query by its hash, nothing written (``bridge.hq.devices``)
  device cold      with a device password's first use: the same query, then its last use
                   written and its first address told to the audit trail
  device refused   with a revoked device password: the query, 401 (the server's refusal
                   delay set to 0 here, ``[auth] delay``)
  account warm     with the account password, checked before and remembered (for
                   comparison; ``bench/signin_bench.py`` times the account passwords)

The HQ is made through the real path (`bridge init`, `bridge employees import`, `bridge
employees set-password`), the warm and the revoked device password with `bridge devices
create` and `revoke`, each cold one in-process (``bridge.hq.devices.create``) just before
its first use. Every request goes over one keep-alive connection; the figures are the
median and 95th percentile of the round trip on loopback, in milliseconds.

    python bench/device_signin_bench.py [--requests 300] [--cold 30] [--workers N]
                                        [--database URL] [--keep]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import Engine

from bridge.hq.devices import create, revoke
from bridge.infra.db import make_engine, transaction

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dav_bench import (
    BRIDGE,
    LOGIN,
    PASSWORD,
    BenchError,
    Server,
    free_port,
    prepare_bridge,
    run_checked,
    run_in_scratch,
    wait_ready,
)

SECRET = re.compile(r"^  ((?:[a-z2-9]{5}-){5}[a-z2-9]{5})$", re.MULTILINE)
DEVICE_ID = re.compile(r"^Device password (\d+) ")
PROPFIND = ('<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop>'
            '<resourcetype/></prop></propfind>')


def make_device(database: str, workdir: Path, name: str) -> tuple[int, str]:
    output = run_checked([str(BRIDGE), "--database", database, "devices", "create", LOGIN,
                          name], workdir)
    secret, number = SECRET.search(output), DEVICE_ID.match(output)
    if secret is None or number is None:
        raise BenchError(f"`bridge devices create` printed no password:\n{output}")
    return int(number.group(1)), secret.group(1)


def timed(session: requests.Session, base: str, password: str, expect: int) -> float:
    started = time.perf_counter()
    answer = session.request("PROPFIND", f"{base}/{LOGIN}/", data=PROPFIND,
                             headers={"Depth": "0", "Content-Type": "application/xml"},
                             auth=(LOGIN, password), timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != expect:
        raise BenchError(f"PROPFIND answered {answer.status_code}, not {expect}: "
                         f"{answer.text[:300]}")
    return elapsed


def first_use(engine: Engine, session: requests.Session, base: str, number: int) -> float:
    """The first sign-in of a new device password (made and, after, revoked in-process, as
    `bridge devices` does: at most 20 are active at once)."""
    with transaction(engine) as db:
        made, secret = create(db, LOGIN, f"Cold phone {number}", read_only=False,
                              actor="bench", address=None, now=datetime.now(UTC))
    elapsed = timed(session, base, secret, 207)
    with transaction(engine) as db:
        revoke(db, made.id, actor="bench", address=None, now=datetime.now(UTC))
    return elapsed


def row(case: str, figures: list[float]) -> str:
    ordered = sorted(figures)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {case} | {len(figures)} | {statistics.median(figures):.2f} | {p95:.2f} |"


def serve(workdir: Path, database: str, workers: int | None) -> Server:
    port = free_port()
    config = workdir / "radicale.ini"
    config.write_text("[auth]\ndelay = 0\n", encoding="utf-8")
    command = [str(BRIDGE), "--database", database, "serve", "--host", "127.0.0.1", "--port",
               str(port), "--config", str(config)]
    if workers is not None:
        command += ["--workers", str(workers)]
    log = workdir / "bridge-serve.log"
    process = subprocess.Popen(command, cwd=workdir, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    server = Server("bridge", process, port, log)
    wait_ready(server)
    return server


def bench(workdir: Path, options: argparse.Namespace) -> None:
    database = options.database or f"sqlite:///{workdir / 'bridge.db'}"
    prepare_bridge(workdir, database)
    warm_id, warm = make_device(database, workdir, "Bench phone")
    revoked_id, revoked = make_device(database, workdir, "Lost phone")
    run_checked([str(BRIDGE), "--database", database, "devices", "revoke", str(revoked_id)],
                workdir)
    server = serve(workdir, database, options.workers)
    engine = make_engine(database)
    try:
        session = server.session
        base = server.base
        for _ in range(20):  # warm-up: connection, caches, the account password's check
            timed(session, base, warm, 207)
            timed(session, base, PASSWORD, 207)
        rows = [
            row("device warm", [timed(session, base, warm, 207)
                                for _ in range(options.requests)]),
            row("device cold (first use: last use and audit written)",
                [first_use(engine, session, base, n) for n in range(options.cold)]),
            row("device refused (revoked)", [timed(session, base, revoked, 401)
                                             for _ in range(min(options.requests, 50))]),
            row("account password warm (remembered)",
                [timed(session, base, PASSWORD, 207) for _ in range(options.requests)]),
        ]
    finally:
        server.stop()
        engine.dispose()
    kind = database.split(":", 1)[0].split("+")[0]
    workers = options.workers or 1
    print(f"PROPFIND Depth 0 of /{LOGIN}/ on {kind}, {workers} server process"
          f"{'es' if workers > 1 else ''} (device {warm_id}):\n")
    print("| sign-in | requests | median ms | p95 ms |\n|---|---:|---:|---:|")
    print("\n".join(rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="warm requests per case")
    parser.add_argument("--cold", type=int, default=30,
                        help="device passwords each used once (the cold case)")
    parser.add_argument("--workers", type=int, default=None, help="bridge serve --workers")
    parser.add_argument("--database", default=None,
                        help="an empty database (e.g. PostgreSQL) instead of SQLite in a "
                             "temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    options = parser.parse_args()
    return run_in_scratch("device-signin-bench-", options.keep,
                          lambda workdir: bench(workdir, options))


if __name__ == "__main__":
    sys.exit(main())
