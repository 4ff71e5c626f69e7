#!/usr/bin/env python3
"""What signing in costs a calendar client's poll, `bridge serve` beside stock Radicale 3.9:
the HQ database's passwords, a directory's (LDAP, here OpenLDAP's slapd shaped like Active
Directory: a service account searches ``sAMAccountName``, the AD "enabled" filter is tested,
the password is bound), and Radicale's htpasswd file (bcrypt, Argon2id) and its own LDAP
sign-in against the same slapd.

Builds an HQ of ``--logins`` representatives (``bridge init``, ``bridge employees import``,
each with the same password) in a temporary directory, starts a throwaway slapd holding the
same logins (``tests/slapd.py``; Debian's ``slapd`` must be installed), and one server after
the other:

  bridge serve   on one SQLite database: checking the HQ database's password hashes
                 (Argon2id), or with ``[auth] directory_*``
  Radicale 3.9   ``python -m radicale`` on its file storage (each login's ``appointments/``
                 laid out beforehand, and polled once by a Radicale of its own, so that its
                 first sync-token is written before the timing), ``owner_only`` rights:
                 ``type = htpasswd`` (the same password as a bcrypt hash of cost
                 ``--bcrypt-rounds``, and as the HQ database's very Argon2id hash), or
                 ``type = ldap`` (the same service account, ``ldap_filter`` the
                 ``sAMAccountName`` with the AD "enabled" filter, the password bound)

On each it times a ctag poll (PROPFIND Depth 0 of getctag and sync-token on
``appointments/``, each on a connection of its own, as a phone's):

  cold      the first poll of each login: its password is checked (a hash, or the
            directory's search and bind), then remembered
  warm      ``--polls`` further polls of the login checked last, within the remembered time
            (the bridge's 300 s; Radicale's ``cache_successful_logins_expiry``, 15 s by
            default): no hash, no bind
  no cache  the first poll of each login where nothing is remembered
            (``directory_remember = 0``; Radicale without ``cache_logins``, its default):
            what every poll costs

Prints a markdown table (median, p90, mean in ms) and how long each cache remembers.
Exit 0 whatever the figures; 1 if the benchmark could not run.

    python bench/signin_bench.py [--logins 40] [--polls 200] [--bcrypt-rounds 12]
                                 [--radicale-expiry 15] [--keep]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dav_bench import (
    BRIDGE,
    PASSWORD,
    PROPFIND_CTAG,
    RADICALE_PROPS,
    BenchError,
    Server,
    free_port,
    run_checked,
    run_in_scratch,
    start_radicale,
    wait_ready,
)
from hq_dav_bench import lay_out_radicale
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
    Slapd,
    available,
    running_slapd,
)

BRIDGE_REMEMBERS = 300
"""Seconds `bridge serve` remembers a checked password (the database's, and the directory's
by its default ``directory_remember``)."""
COLLECTION = "appointments"


def _logins(count: int) -> list[str]:
    return [f"rep{number:03d}" for number in range(count)]


def prepare(workdir: Path, database: str, logins: list[str]) -> str:
    """The HQ of ``logins``, all with :data:`PASSWORD`; returns its Argon2id hash."""
    employees = workdir / "employees.json"
    employees.write_text(json.dumps({"format": "hq-employees/1", "employees": [
        {"login": login, "name": f"Rep {login}", "email": f"{login}@example.com",
         "sales_representative": True, "manager": None, "sales_channels": ["Bench"]}
        for login in logins]}), encoding="utf-8")
    run_checked([str(BRIDGE), "--database", database, "init"], workdir)
    run_checked([str(BRIDGE), "--database", database, "employees", "import", str(employees)],
                workdir)
    # (one hash for all: `bridge employees set-password` of each would take a minute)
    password_hash = hash_password(PASSWORD)
    engine = make_engine(database)
    with transaction(engine) as session:
        session.execute(update(Employee).values(password_hash=password_hash))
    engine.dispose()
    return password_hash


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


def prepare_radicale(workdir: Path, logins: list[str]) -> None:
    """Each login's ``appointments/`` on Radicale's file storage (as MKCALENDAR would leave
    it), polled once by a Radicale of its own: its first sync-token (a file Radicale writes
    at a collection's first poll) is then there for every timed Radicale alike."""
    for login in logins:
        lay_out_radicale(workdir, login, COLLECTION, RADICALE_PROPS, {})
    server = start_radicale(workdir, tuple(logins), name="radicale-prepare")
    try:
        for login in logins:
            poll(server, login)
    finally:
        server.stop()


def htpasswd(workdir: Path, name: str, logins: list[str], password_hash: str) -> list[str]:
    """Radicale's options for an htpasswd file giving each of ``logins`` ``password_hash``."""
    users = workdir / f"{name}.htpasswd"
    users.write_text("".join(f"{login}:{password_hash}\n" for login in logins),
                     encoding="utf-8")
    return ["--auth-type", "htpasswd", "--auth-htpasswd-filename", str(users),
            "--auth-htpasswd-encryption", "autodetect"]


def radicale_ldap(slapd: Slapd) -> list[str]:
    """Radicale's options for the same directory: the service account searches
    ``sAMAccountName`` with the AD "enabled" filter (Radicale tests it in the search; it has
    no filter of its own for it), then the user's DN is bound."""
    return ["--auth-type", "ldap", "--auth-ldap-uri", slapd.url, "--auth-ldap-base", PEOPLE,
            "--auth-ldap-reader-dn", SERVICE_DN, "--auth-ldap-secret", SERVICE_PASSWORD,
            "--auth-ldap-filter", f"(&(sAMAccountName={{0}}){AD_ENABLED})"]


def radicale_cache(expiry: int | None) -> list[str]:
    """Radicale's ``cache_logins`` remembering a sign-in ``expiry`` seconds (None: off)."""
    if expiry is None:
        return ["--no-auth-cache-logins"]
    return ["--auth-cache-logins", "True", "--auth-cache-successful-logins-expiry",
            str(expiry)]


def poll(server: Server, login: str) -> float:
    """One ctag poll of ``login`` (a session of its own: a phone's connection), in ms."""
    with requests.Session() as http:
        http.auth = (login, PASSWORD)
        started = time.perf_counter()
        answer = http.request("PROPFIND", f"{server.base}/{login}/{COLLECTION}/",
                              data=PROPFIND_CTAG, headers={"Depth": "0",
                                                           "Content-Type": "application/xml"})
        spent = (time.perf_counter() - started) * 1000
    if answer.status_code != 207 or "sync-token" not in answer.text:
        raise BenchError(f"{server.name}: the poll of {login} was answered "
                         f"{answer.status_code}: {answer.text[:300]}")
    return spent


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (f"{statistics.median(ordered):.1f} | {p90:.1f} | {statistics.fmean(ordered):.1f} "
            f"| {len(ordered)}")


@dataclass(frozen=True)
class Contender:
    """One server with one kind of password, timed cold and, if it remembers, warm."""

    server: str
    passwords: str
    start: Callable[[str], Server]
    """Starts it, given a name for its log."""
    remembers: int | None
    """Seconds a checked password is remembered (None: not at all, every poll checks)."""


@dataclass
class Row:
    contender: Contender
    poll: str
    times: list[float]


def time_contender(contender: Contender, name: str, logins: list[str], polls: int,
                   notes: list[str]) -> list[Row]:
    warmup, cold_logins = logins[-1], logins[:-1]
    server = contender.start(name)
    try:
        poll(server, warmup)  # (the server's first request sets it up)
        if contender.remembers is None:
            return [Row(contender, "no cache (every poll)",
                        [poll(server, login) for login in cold_logins])]
        cold = []
        checked = 0.0
        for login in cold_logins:
            checked = time.monotonic()
            cold.append(poll(server, login))
        # (the login checked last: the one whose remembered time has the most left)
        warm = [poll(server, cold_logins[-1]) for _ in range(polls)]
        spent = time.monotonic() - checked
        if spent >= contender.remembers:
            notes.append(f"{contender.server}, {contender.passwords}: the warm polls took "
                         f"{spent:.1f} s, past the {contender.remembers} s remembered: some "
                         "were cold")
        return [Row(contender, "cold (first poll of each login)", cold),
                Row(contender, "warm (remembered)", warm)]
    finally:
        server.stop()


def contenders(workdir: Path, database: str, slapd: Slapd, logins: list[str],
               password_hash: str, arguments: argparse.Namespace) -> list[Contender]:
    directory = {"directory_url": slapd.url, "directory_search_base": PEOPLE,
                 "directory_search_filter": "(sAMAccountName={login})",
                 "directory_bind_dn": SERVICE_DN,
                 "directory_bind_password": SERVICE_PASSWORD,
                 "directory_enabled_filter": AD_ENABLED}
    bcrypt_hash = bcrypt.hashpw(PASSWORD.encode(),
                                bcrypt.gensalt(arguments.bcrypt_rounds)).decode()
    radicale_auth = {
        f"htpasswd, bcrypt (cost {arguments.bcrypt_rounds})":
            htpasswd(workdir, "bcrypt", logins, bcrypt_hash),
        "htpasswd, Argon2id (the HQ database's hash)":
            htpasswd(workdir, "argon2", logins, password_hash),
        "directory (`type = ldap`)": radicale_ldap(slapd)}

    def bridge(auth: dict[str, str]) -> Callable[[str], Server]:
        return lambda name: serve(workdir, database, name, auth)

    def radicale(auth: list[str], expiry: int | None) -> Callable[[str], Server]:
        return lambda name: start_radicale(workdir, name=name, auth_delay=0,
                                           auth=[*auth, *radicale_cache(expiry)])

    expiry = arguments.radicale_expiry
    return [
        Contender("bridge serve", "HQ database, Argon2id", bridge({}), BRIDGE_REMEMBERS),
        Contender("bridge serve", "directory", bridge(directory), BRIDGE_REMEMBERS),
        Contender("bridge serve", "directory, `directory_remember = 0`",
                  bridge({**directory, "directory_remember": "0"}), None),
        *(Contender("Radicale 3.9", passwords, radicale(auth, remembers), remembers)
          for passwords, auth in radicale_auth.items() for remembers in (expiry, None)),
    ]


def run(workdir: Path, logins: list[str], arguments: argparse.Namespace) -> None:
    if not available():
        raise BenchError("OpenLDAP's slapd is not installed (apt-get install slapd ldap-utils)")
    database = f"sqlite:///{workdir / 'bridge.db'}"
    password_hash = prepare(workdir, database, logins)
    prepare_radicale(workdir, logins)
    accounts = [Account(login, PASSWORD, f"Rep {login}") for login in logins]
    rows: list[Row] = []
    notes: list[str] = []
    with running_slapd(workdir / "slapd", free_port(), accounts) as slapd:
        for number, contender in enumerate(contenders(workdir, database, slapd, logins,
                                                      password_hash, arguments)):
            rows += time_contender(contender, f"server-{number}", logins, arguments.polls,
                                   notes)
    print(f"\nSign-in cost of a ctag poll (PROPFIND Depth 0 getctag + sync-token), "
          f"{len(logins) - 1} logins, each poll on a new connection; `bridge serve` on "
          "SQLite, Radicale on its file storage, slapd on loopback:\n")
    print("| server | passwords | poll | median ms | p90 ms | mean ms | polls |")
    print("|---|---|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row.contender.server} | {row.contender.passwords} | {row.poll} "
              f"| {figures(row.times)} |")
    print(f"\nRemembered: `bridge serve` {BRIDGE_REMEMBERS} s (a checked password, database "
          "or directory: `directory_remember`); Radicale "
          f"{arguments.radicale_expiry} s with `cache_logins = True` "
          "(`cache_successful_logins_expiry`; it is off by default), nothing without. "
          "Radicale reads its htpasswd file again at each sign-in "
          "(`htpasswd_cache = False`, its default).")
    for note in notes:
        print(f"NOTE: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--bcrypt-rounds", type=int, default=12,
                        help="the cost of Radicale's bcrypt hash (default: %(default)s, the "
                             "bcrypt library's; Apache's `htpasswd -B` makes 5)")
    parser.add_argument("--radicale-expiry", type=int, default=15,
                        help="Radicale's cache_successful_logins_expiry in seconds "
                             "(default: %(default)s, Radicale's own)")
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    return run_in_scratch("signin-bench-", arguments.keep,
                          lambda workdir: run(workdir, _logins(arguments.logins + 1),
                                              arguments))


if __name__ == "__main__":
    sys.exit(main())
