#!/usr/bin/env python3
"""What signing in costs a calendar client's poll: the HQ database's passwords against a
directory's (LDAP, here OpenLDAP's slapd shaped like Active Directory: a service account
searches ``sAMAccountName``, the AD "enabled" filter is tested, the password is bound).

Builds an HQ of ``--logins`` representatives (``bridge init``, ``bridge employees import``,
each with the same password) in a temporary directory, starts a throwaway slapd holding the
same logins (``tests/slapd.py``; Debian's ``slapd`` must be installed), and two
``bridge serve`` on the same database: one checking the HQ database's password hashes
(Argon2), one with ``[auth] directory_*``. On each it times a ctag poll (PROPFIND Depth 0 of
getctag and sync-token on ``appointments/``):

  cold   the first poll of each login: its password is checked (Argon2, or the directory's
         search and bind), then remembered
  warm   ``--polls`` further polls of one login, within the remembered time (300 s): no
         hash, no bind

and, for the directory, ``cold`` again with ``directory_remember = 0`` (what every poll would
cost without the remembered password). Prints a markdown table (median, p90, mean in ms).
Exit 0 whatever the figures; 1 if the benchmark could not run.

    python bench/signin_bench.py [--logins 40] [--polls 200] [--keep]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dav_bench import (
    BRIDGE,
    PASSWORD,
    PROPFIND_CTAG,
    BenchError,
    Server,
    free_port,
    run_checked,
    run_in_scratch,
    wait_ready,
)
from sqlalchemy import update

from bridge.hq.passwords import hash_password
from bridge.infra.db import make_engine, transaction
from bridge.models import Employee
from tests.slapd import (
    AD_ENABLED,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    Account,
    available,
    running_slapd,
)


def _logins(count: int) -> list[str]:
    return [f"rep{number:03d}" for number in range(count)]


def prepare(workdir: Path, database: str, logins: list[str]) -> None:
    employees = workdir / "employees.json"
    employees.write_text(json.dumps({"format": "hq-employees/1", "employees": [
        {"login": login, "name": f"Rep {login}", "email": f"{login}@example.com",
         "sales_representative": True, "manager": None, "sales_channels": ["Bench"]}
        for login in logins]}), encoding="utf-8")
    run_checked([str(BRIDGE), "--database", database, "init"], workdir)
    run_checked([str(BRIDGE), "--database", database, "employees", "import", str(employees)],
                workdir)
    # (one hash for all: `bridge employees set-password` of each would take a minute)
    engine = make_engine(database)
    with transaction(engine) as session:
        session.execute(update(Employee).values(password_hash=hash_password(PASSWORD)))
    engine.dispose()


def serve(workdir: Path, database: str, name: str, auth: dict[str, str]) -> Server:
    port = free_port()
    config = workdir / f"{name}.ini"
    config.write_text("[auth]\ndelay = 0\n" + "".join(f"{key} = {value}\n"
                                                      for key, value in auth.items()),
                      encoding="utf-8")
    log = workdir / f"{name}.log"
    process = subprocess.Popen(
        [str(BRIDGE), "--database", database, "serve", "--host", "127.0.0.1", "--port",
         str(port), "--config", str(config)], cwd=workdir, stdout=log.open("w"),
        stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    wait_ready(server)
    return server


def poll(server: Server, login: str) -> float:
    """One ctag poll of ``login`` (a session of its own: a phone's connection), in ms."""
    with requests.Session() as http:
        http.auth = (login, PASSWORD)
        started = time.perf_counter()
        answer = http.request("PROPFIND", f"{server.base}/{login}/appointments/",
                              data=PROPFIND_CTAG, headers={"Depth": "0",
                                                           "Content-Type": "application/xml"})
        spent = (time.perf_counter() - started) * 1000
    if answer.status_code != 207:
        raise BenchError(f"{server.name}: the poll of {login} was answered "
                         f"{answer.status_code}: {answer.text[:300]}")
    return spent


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (f"{statistics.median(ordered):.1f} | {p90:.1f} | {statistics.fmean(ordered):.1f} "
            f"| {len(ordered)}")


def run(workdir: Path, logins: list[str], polls: int) -> None:
    if not available():
        raise BenchError("OpenLDAP's slapd is not installed (apt-get install slapd ldap-utils)")
    database = f"sqlite:///{workdir / 'bridge.db'}"
    prepare(workdir, database, logins)
    accounts = [Account(login, PASSWORD, f"Rep {login}") for login in logins]
    with running_slapd(workdir / "slapd", free_port(), accounts) as slapd:
        directory = {"directory_url": slapd.url, "directory_search_base": PEOPLE,
                     "directory_search_filter": "(sAMAccountName={login})",
                     "directory_bind_dn": SERVICE_DN,
                     "directory_bind_password": SERVICE_PASSWORD,
                     "directory_enabled_filter": AD_ENABLED}
        rows = []
        warmup, cold_logins = logins[-1], logins[:-1]
        for name, label, auth in (
                ("database", "database", {}),
                ("directory", "directory", directory),
                ("directory-0", "directory (`directory_remember = 0`)",
                 {**directory, "directory_remember": "0"})):
            server = serve(workdir, database, name, auth)
            try:
                poll(server, warmup)  # (the server's first request sets it up)
                cold = [poll(server, login) for login in cold_logins]
                rows.append((label, "cold (first poll of each login)", cold))
                if name != "directory-0":
                    warm = [poll(server, cold_logins[0]) for _ in range(polls)]
                    rows.append((label, "warm (remembered)", warm))
            finally:
                server.stop()
    print(f"\nSign-in cost of a ctag poll (PROPFIND Depth 0 getctag + sync-token), "
          f"{len(cold_logins)} logins, `bridge serve` on SQLite, slapd on loopback:\n")
    print("| passwords | cache | median ms | p90 ms | mean ms | polls |")
    print("|---|---|---:|---:|---:|---:|")
    for passwords, cache, times in rows:
        print(f"| {passwords} passwords | {cache} | {figures(times)} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    return run_in_scratch("signin-bench-", arguments.keep,
                          lambda workdir: run(workdir, _logins(arguments.logins + 1),
                                              arguments.polls))


if __name__ == "__main__":
    sys.exit(main())
