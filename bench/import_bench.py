#!/usr/bin/env python3
"""Benchmark `bridge import activities` on SQLite and PostgreSQL.

For each database and each N: generate an exchange set (bench/generate.py), set up a fresh HQ
database (`bridge init`, activate ibus.AppointmentSynchronize, import employees and customers),
then time `bridge import activities FILE --now …` twice — the first import and an identical
re-import (idempotent: nothing new or updated) — each as a separate child process whose wall
time and peak RSS (the process's own high-water mark, and its rendering helper's) are
measured.

    python bench/import_bench.py [--sizes 10000,100000] [--databases sqlite,postgresql]

PostgreSQL is used only if reachable; the benchmark uses its own database (``bridge_bench``,
created if missing, its ``public`` schema dropped and recreated before every run), never the
test database.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from generate import DEFAULT_NOW

HERE = Path(__file__).resolve().parent
GENERATE = HERE / "generate.py"
BRIDGE = Path(sys.executable).parent / "bridge"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bridge_bench"
DEFINITION = "ibus.AppointmentSynchronize"
SUMMARY = re.compile(
    r"read (?P<read>\d+), imported (?P<imported>\d+), updated (?P<updated>\d+), "
    r"unchanged (?P<unchanged>\d+), skipped (?P<skipped>\d+)"
)
THROUGHPUT_TARGET = 5000.0  # appointments/s, SQLite, largest N
MEMORY_TARGET = 1.5  # peak RSS(largest N) / peak RSS(smallest N)


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    """The import process's own peak (not its helper's)."""
    counts: dict[str, int]
    output: str
    helper_rss_mb: float = 0.0
    """The peak of its helper process (rendering), if it started one."""

    def rate(self, n: int) -> float:
        return n / self.seconds if self.seconds else float("inf")


@dataclass
class Result:
    database: str
    n: int
    first: Measured
    again: Measured
    notes: list[str] = field(default_factory=list)


class BenchError(RuntimeError):
    pass


def run_checked(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, input=stdin, check=False)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def timed(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    """Run ``cmd`` as one child process: its wall time and its peak RSS.

    The peak is read from ``/proc`` while it runs (VmHWM: the process's own since it began
    the command). ``os.wait4``'s figure would not do: Linux counts in it the memory of the
    benchmark process the child was forked from, before it ran the command."""
    with log.open("w") as out:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peaks = PeakWatch(child.pid)
        child.wait()
        seconds = time.perf_counter() - started
        peaks.stop()
    output = log.read_text()
    if child.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({child.returncode}):\n{output}")
    match = SUMMARY.search(output)
    counts = {k: int(v) for k, v in match.groupdict().items()} if match else {}
    return Measured(seconds, peaks.own, counts, output, peaks.children)


def vm_peak_mb(pid: int) -> float:
    """A running process's peak resident memory (VmHWM), MiB; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakWatch:
    """Polls a process's peak memory, and its children's, until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.own = 0.0
        self.children = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.wait(0.1):
            self.own = max(self.own, vm_peak_mb(self.pid))
            for child in _children(self.pid):
                self.children = max(self.children, vm_peak_mb(child))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _children(pid: int) -> list[int]:
    try:
        return [int(each) for each in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def prepare_postgresql(url: str) -> None:
    """Create the benchmark database if missing and empty its public schema."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.database in (None, "", "postgres", "test"):
        raise BenchError(f"refusing to use database {target.database!r}: give a dedicated one")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            present = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": target.database})
            if not present:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()
    bench = create_engine(target, isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 5})
    try:
        with bench.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        bench.dispose()


def postgresql_reachable(url: str) -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        engine = create_engine(make_url(url).set(database="postgres"),
                               connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return None


def generate(data_dir: Path, n: int, now: str, seed: int) -> Path:
    if not (data_dir / "appointments.json").exists():
        started = time.perf_counter()
        partial = data_dir.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        run_checked([sys.executable, str(GENERATE), str(partial), "-n", str(n), "--now", now,
                     "--seed", str(seed)], dict(os.environ))
        partial.rename(data_dir)
        print(f"  generated N={n} in {time.perf_counter() - started:.1f}s -> {data_dir}",
              flush=True)
    return data_dir


def bench_one(database: str, url: str, data: Path, n: int, now: str, logs: Path) -> Result:
    env = dict(os.environ, BRIDGE_USER="bench", BRIDGE_DEBUG="1")
    env.pop("BRIDGE_DATABASE_URL", None)
    bridge = [str(BRIDGE), "--database", url]
    run_checked([*bridge, "init"], env)
    run_checked([*bridge, "definition", "activate", DEFINITION], env)
    run_checked([*bridge, "employees", "import", str(data / "employees.json")], env)
    run_checked([*bridge, "import", "customers", str(data / "customers.json"), "--now", now], env)
    command = [*bridge, "import", "activities", str(data / "appointments.json"), "--now", now]
    print(f"  {database} N={n}: first import …", end="", flush=True)
    first = timed(command, env, logs / f"{database}-{n}-first.log")
    print(f" {first.seconds:.1f}s; re-import …", end="", flush=True)
    again = timed(command, env, logs / f"{database}-{n}-again.log")
    print(f" {again.seconds:.1f}s", flush=True)
    result = Result(database, n, first, again)
    if first.counts.get("read") != n:
        result.notes.append(f"first import read {first.counts.get('read')} of {n} records")
    if again.counts.get("imported") or again.counts.get("updated"):
        result.notes.append(f"re-import was not idempotent: {again.counts}")
    return result


def counts_text(counts: dict[str, int]) -> str:
    if not counts:
        return "?"
    return "/".join(str(counts[k]) for k in ("imported", "updated", "unchanged", "skipped"))


def print_report(results: list[Result], sizes: list[int], skipped: dict[str, str]) -> bool:
    headers = ["database", "N", "first s", "appt/s", "peak RSS MiB", "re-import s",
               "re-imp appt/s", "re-imp RSS MiB", "first new/upd/same/skip",
               "re-imp new/upd/same/skip"]
    rows = [[r.database, f"{r.n:,}", f"{r.first.seconds:.2f}", f"{r.first.rate(r.n):,.0f}",
             f"{r.first.peak_rss_mb:.1f}", f"{r.again.seconds:.2f}",
             f"{r.again.rate(r.n):,.0f}", f"{r.again.peak_rss_mb:.1f}",
             counts_text(r.first.counts), counts_text(r.again.counts)] for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print()
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                    for i, (h, w) in enumerate(zip(headers, widths, strict=True))))
    print(line)
    for row in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print()
    for database, why in skipped.items():
        print(f"{database}: skipped ({why})")

    ok = True
    small, large = min(sizes), max(sizes)
    by_key = {(r.database, r.n): r for r in results}
    for database in dict.fromkeys(r.database for r in results):
        lo, hi = by_key.get((database, small)), by_key.get((database, large))
        if lo and hi and lo is not hi:
            ratio = hi.first.peak_rss_mb / lo.first.peak_rss_mb
            verdict = "OK" if ratio <= MEMORY_TARGET else "MISSED"
            ok &= ratio <= MEMORY_TARGET
            print(f"{database}: peak RSS({large:,}) / peak RSS({small:,}) = "
                  f"{hi.first.peak_rss_mb:.1f} / {lo.first.peak_rss_mb:.1f} MiB = {ratio:.2f}x "
                  f"(target <= {MEMORY_TARGET}x: {verdict})")
    sqlite_large = by_key.get(("sqlite", large))
    if sqlite_large:
        rate = sqlite_large.first.rate(large)
        verdict = "OK" if rate >= THROUGHPUT_TARGET else "MISSED"
        ok &= rate >= THROUGHPUT_TARGET
        print(f"sqlite: first import at N={large:,}: {rate:,.0f} appointments/s "
              f"(target >= {THROUGHPUT_TARGET:,.0f}: {verdict})")
    for result in results:
        for note in result.notes:
            ok = False
            print(f"WARNING {result.database} N={result.n:,}: {note}")
    return ok


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated integers expected") from error
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def bench_database(database: str, n: int, data: Path, workdir: Path, logs: Path,
                   args: argparse.Namespace) -> Result:
    """The import of ``n`` appointments into a new database of the kind ``database``."""
    if database == "sqlite":
        db_file = workdir / f"sqlite-{n}.db"
        for stale in workdir.glob(f"sqlite-{n}.db*"):
            stale.unlink()
        url = f"sqlite:///{db_file}"
    else:
        prepare_postgresql(args.pg_url)
        url = args.pg_url
    result = bench_one(database, url, data, n, args.now, logs)
    if database == "sqlite" and not args.keep:
        for used in workdir.glob(f"sqlite-{n}.db*"):
            used.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `bridge import activities` (first import and idempotent re-import) "
        "and measure the import process's peak RSS, on SQLite and PostgreSQL.")
    parser.add_argument("--sizes", type=parse_sizes, default=[10_000, 100_000],
                        help="comma-separated numbers of appointments (default: 10000,100000)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated subset of sqlite,postgresql (default: both; "
                        "PostgreSQL only if reachable)")
    parser.add_argument("--pg-url", default=DEFAULT_PG,
                        help="PostgreSQL URL of the benchmark's own database, created if "
                        "missing and emptied before each run (default: %(default)s)")
    parser.add_argument("--now", default=DEFAULT_NOW,
                        help="the import clock (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=42, help="data seed (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where data, SQLite files and logs go (default: a temp dir, "
                        "removed at the end unless --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    args = parser.parse_args(argv)

    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if not BRIDGE.exists():
        parser.error(f"no `bridge` console script next to {sys.executable}")

    skipped: dict[str, str] = {}
    if "postgresql" in databases:
        why = postgresql_reachable(args.pg_url)
        if why:
            skipped["postgresql"] = f"not reachable at {args.pg_url}: {why}"
            databases.remove("postgresql")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bridge-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    print(f"work dir: {workdir}; bridge: {BRIDGE}; clock: {args.now}", flush=True)

    results: list[Result] = []
    try:
        for n in args.sizes:
            data = generate(workdir / f"data-{n}", n, args.now, args.seed)
            for database in databases:
                results.append(bench_database(database, n, data, workdir, logs, args))
    except BenchError as error:
        print(f"\nbenchmark failed: {error}", file=sys.stderr)
        return 2
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    ok = print_report(results, args.sizes, skipped)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
