#!/usr/bin/env python3
"""Benchmark the CalDAV server (`bridge serve`: Radicale + our SQL storage) against stock Radicale.

For each size N (default 100, 1 000 and 10 000 events) the script starts, on free ports:

* ``bridge serve`` on a fresh SQLite database in a temporary directory (``bridge init``, one
  sales representative ``bench`` from an hq-employees/1 file, its password set with
  ``bridge employees set-password bench --password-stdin``);
* a stock Radicale (``python -m radicale``) with the multifilesystem storage in the same
  temporary directory, htpasswd authentication (same login and password) and
  ``owner_only`` rights;

loads the same calendar (/bench/bench-cal/, N realistic VEVENTs in Europe/Warsaw spread over
a year) into both, then times, per server, the median of ``--repeat`` runs after ``--warmup``
untimed ones of the operations below. The loading is printed but not part of the table:

* the bridge by HTTP: MKCALENDAR, then one PUT per event over a keep-alive
  ``requests.Session`` (about 200 s for 10 000 events);
* stock Radicale by writing its multifilesystem storage directly, before it starts, as
  MKCALENDAR and the PUTs would have: ``collection-root/bench/bench-cal/`` holding a
  ``.Radicale.props`` file (what MKCALENDAR writes) and one file per event named as its href
  (``ev00001.ics``) with exactly the text the PUT would send. Loading it by PUT takes over half
  an hour at 10 000 events, as Radicale's PUT cost grows with the collection. Once it runs,
  one PROPFIND Depth 1 for DAV:getetag (which also fills Radicale's item cache) gives the
  ETags the checks expect, and one PROPFIND Depth 0 for DAV:sync-token fills its sync
  history, as the PUTs would have.

The operations:

  propfind-etags   PROPFIND Depth 1 for DAV:getetag
  multiget-all     calendar-multiget of every href, getetag + calendar-data
  query-week       calendar-query with a one-week time-range, getetag + calendar-data
  sync-incr        sync-collection REPORT with a token taken before one If-Match PUT
                   (only the REPORT is timed; a fresh token per run)
  put-if-match     PUT of a modified existing event with If-Match
  propfind-ctag    PROPFIND Depth 0 for CS:getctag + DAV:sync-token

and prints a markdown table (ratio = radicale ms / bridge ms: above 1 the bridge is faster)
and the targets, each OK or MISSED. Every answer is checked (status, number of responses,
expected hrefs); a failed request is printed with the request and the response. The exit
status is 0 whatever the targets (it is a benchmark, not a test); 1 only if the benchmark
itself could not run (a server did not start, the setup failed).

``--workdir DIR --reuse`` reuses the calendars a previous run loaded into DIR (a ``.loaded``
marker per size) and only re-reads their ETags; this run's changes use SEQUENCE values
(and so contents) no earlier run used. A run holds a lock on its work directory: a second run
on the same directory stops at once instead of changing the calendars under the first one's
feet (which made the first one's ETags stale: "getetag differ from the PUT ETag" and 412s).

Optionally (``--profile DIR``) the bridge server is sampled with py-spy (``--py-spy BIN``)
while the operations it is slower at are repeated, and the hottest functions are printed.

    python bench/dav_bench.py [--sizes 100,1000,10000] [--repeat 5] [--warmup 1]
                              [--workdir DIR [--reuse]] [--keep]
                              [--profile DIR [--py-spy BIN] [--profile-ops all]]
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
import urllib3

BRIDGE = Path(sys.executable).parent / "bridge"
LOGIN = "bench"
PASSWORD = "bench-password-1"
CALENDAR = f"/{LOGIN}/bench-cal/"
WARSAW = ZoneInfo("Europe/Warsaw")
YEAR = 2027
# The timed one-week query: Monday 2027-06-07 00:00 to Monday 2027-06-14 00:00, Warsaw time.
WEEK_START = datetime(YEAR, 6, 7, tzinfo=WARSAW)
WEEK_END = WEEK_START + timedelta(days=7)

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"

OPERATIONS = [
    ("propfind-etags", "PROPFIND Depth 1, getetag"),
    ("multiget-all", "calendar-multiget of all hrefs, getetag + calendar-data"),
    ("query-week", "calendar-query one week, getetag + calendar-data"),
    ("sync-incr", "sync-collection after one change (REPORT only)"),
    ("put-if-match", "PUT with If-Match of an existing event"),
    ("propfind-ctag", "PROPFIND Depth 0, getctag + sync-token"),
]
OP_NAMES = [name for name, _ in OPERATIONS]

SPEEDUP_TARGET = 5.0  # at 10 000 events: query-week and sync-incr vs stock Radicale
SCALING_TARGET = 1.5  # sync-incr at 10 000 / sync-incr at 100 (bridge)

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Warsaw
X-LIC-LOCATION:Europe/Warsaw
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

CUSTOMERS = ["Hurtownia Łódź Sp. z o.o.", "Piekarnia Kowalski", "Market Żabka 117",
             "Apteka Pod Lwem", "Sklep Spożywczy Ania", "Delikatesy Centrum Gdańsk",
             "Kawiarnia Słoneczna", "Drogeria Natura Kraków"]
STREETS = ["ul. Marszałkowska", "ul. Piotrkowska", "al. Jerozolimskie", "ul. Długa",
           "ul. Floriańska", "ul. Świętojańska"]


class BenchError(RuntimeError):
    """The benchmark itself cannot go on (a server did not start, the setup failed)."""


class RequestFailed(RuntimeError):
    """A request answered with an unexpected status, or with an answer that is wrong."""

    def __init__(self, server: str, response: requests.Response | None, problem: str,
                 method: str = "", url: str = "", headers: dict | None = None,
                 body: str | bytes | None = None) -> None:
        self.server = server
        self.problem = problem
        if response is not None:
            request = response.request
            method, url = request.method or method, request.url or url
            headers, body = dict(request.headers), request.body
        self.request = f"{method} {url}\n{_headers(headers or {})}\n\n{_excerpt(body)}"
        self.response = ("(none)" if response is None else
                         f"HTTP {response.status_code} {response.reason}\n"
                         f"{_headers(dict(response.headers))}\n\n{_excerpt(response.content)}")
        super().__init__(f"{server}: {problem}")

    def report(self) -> str:
        return (f"[{self.server}] {self.problem}\n--- request ---\n{self.request}\n"
                f"--- response ---\n{self.response}\n")


def _headers(headers: dict) -> str:
    return "\n".join(f"{key}: {'***' if key.lower() == 'authorization' else value}"
                     for key, value in headers.items())


def _excerpt(body: str | bytes | None, limit: int = 1500) -> str:
    if body is None:
        return "(no body)"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return text if len(text) <= limit else f"{text[:limit]}\n… ({len(text)} characters in all)"


# --- the calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    index: int
    uid: str
    href: str  # the path of the item
    start: datetime  # Warsaw time
    end: datetime


def make_events(n: int) -> list[Event]:
    """N events spread over the year, on working hours, 30 to 120 minutes long."""
    events = []
    for i in range(n):
        day = date(YEAR, 1, 1) + timedelta(days=(i * 365) // n)
        start = datetime(day.year, day.month, day.day, 8 + (i * 7) % 10, (i % 4) * 15,
                         tzinfo=WARSAW)
        end = start + timedelta(minutes=30 + (i % 4) * 30)
        uid = f"bench-{i:05d}-{n}@bench.example.com"
        events.append(Event(i, uid, f"{CALENDAR}ev{i:05d}.ics", start, end))
    return events


def week_hrefs(events: list[Event]) -> set[str]:
    return {e.href for e in events if e.start < WEEK_END and e.end > WEEK_START}


def ical(event: Event, sequence: int = 0) -> str:
    i = event.index
    customer = CUSTOMERS[i % len(CUSTOMERS)]
    stamp = (datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(minutes=sequence)
             ).strftime("%Y%m%dT%H%M%SZ")
    summary = f"Wizyta: {customer}" + (f" (zmiana {sequence})" if sequence else "")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sales Bench//dav_bench 1.0//PL",
        "CALSCALE:GREGORIAN", VTIMEZONE, "BEGIN:VEVENT",
        f"UID:{event.uid}", f"DTSTAMP:{stamp}", "CREATED:20261125T090000Z",
        f"LAST-MODIFIED:{stamp}", f"SEQUENCE:{sequence}",
        f"DTSTART;TZID=Europe/Warsaw:{event.start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/Warsaw:{event.end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{summary}",
        f"LOCATION:{STREETS[i % len(STREETS)]} {i % 180 + 1}\\, Warszawa",
        (f"DESCRIPTION:Przegląd zamówień i nowy cennik.\\nKontakt: tel. +48 22 {i % 900 + 100}"
         f" {i % 90 + 10} {i % 90 + 10}"),
        "CATEGORIES:Sprzedaż,Wizyta", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "CLASS:PUBLIC",
        "ORGANIZER;CN=Bench Mark:mailto:bench@example.com",
        (f"ATTENDEE;CN=Klient {i % 500};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:k{i % 500}"
         "@customer.example.com"),
    ]
    if i % 3 == 0:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Przypomnienie",
                  "TRIGGER:-PT15M", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join("\r\n".join(line.split("\n")) for line in lines) + "\r\n"


# --- servers --------------------------------------------------------------------------------


@contextmanager
def scratch(prefix: str, keep: bool) -> Iterator[Path]:
    """A temporary working directory, removed afterwards unless ``keep`` (then named)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        if keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def run_in_scratch(prefix: str, keep: bool, run: Callable[[Path], None]) -> int:
    """``run`` in a :func:`scratch` directory: 0, or 1 (the reason printed) if the benchmark
    could not run (BenchError, or a request of its setup failed)."""
    try:
        with scratch(prefix, keep) as workdir:
            run(workdir)
    except (BenchError, RequestFailed) as error:
        print(f"the benchmark could not run: {error}", file=sys.stderr)
        return 1
    return 0


def free_port() -> int:
    """A free TCP port on loopback: any the system gives, or, when the environment variable
    BENCH_PORTS is set (``LOW-HIGH``, e.g. ``19000-19999``: a machine whose benchmarks must
    keep to a range), one of that range."""
    wanted = os.environ.get("BENCH_PORTS", "")
    if not wanted:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    low, _, high = wanted.partition("-")
    ports = list(range(int(low), int(high or low) + 1))
    random.shuffle(ports)  # (benchmarks running at once seldom try the same port first)
    for port in ports:
        with socket.socket() as sock, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            return port
    raise BenchError(f"no free port in BENCH_PORTS={wanted}")


def run_checked(cmd: list[str], cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path
    session: requests.Session = field(default_factory=requests.Session)
    etags: dict[str, str] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    scheme: str = "http"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the server and the worker processes it started (``bridge serve --workers``;
        killed if they outlive it)."""
        self.session.close()
        children = [int(entry.name) for entry in Path("/proc").iterdir()
                    if entry.name.isdigit() and _parent(entry) == self.process.pid]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def _parent(entry: Path) -> int | None:
    """The parent process id of the process of /proc/``entry`` (None: gone)."""
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


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


def server_peak_rss_mib(server: Server) -> float:
    """The server's processes' peak resident memory, added up (MiB)."""
    total = 0.0
    for fields in server_tree(server):
        status = Path(f"/proc/{fields[0]}/status").read_text()
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmHWM:")) / 1024
    return total


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"{server.name} exited ({server.process.returncode}):\n"
                             f"{server.log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{server.name} did not listen on port {server.port} within {timeout}s")


def start_bridge(workdir: Path, loaded: bool = False) -> Server:
    database = f"sqlite:///{workdir / 'bridge.db'}"
    if not loaded:
        prepare_bridge(workdir, database)
    return serve_bridge(workdir, database)


def serve_bridge(workdir: Path, database: str, workers: int | None = None,
                 name: str = "bridge", config: Path | None = None) -> Server:
    """`bridge serve` on ``database`` (with ``--workers`` and ``--config`` when given), on a
    free port, logging into ``workdir``."""
    port = free_port()
    command = [str(BRIDGE), "--database", database, "serve", "--host", "127.0.0.1", "--port",
               str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    if config is not None:
        command += ["--config", str(config)]
    log = workdir / f"bridge-serve{'' if workers is None else f'-{workers}'}.log"
    process = subprocess.Popen(command, cwd=workdir, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    wait_ready(server)
    return server


def prepare_bridge(workdir: Path, database: str) -> None:
    employees = workdir / "employees.json"
    employees.write_text(json.dumps({
        "format": "hq-employees/1",
        "employees": [{"login": LOGIN, "name": "Bench Mark", "email": "bench@example.com",
                       "sales_representative": True, "manager": None,
                       "sales_channels": ["Bench"]}]}), encoding="utf-8")
    run_checked([str(BRIDGE), "--database", database, "init"], workdir)
    run_checked([str(BRIDGE), "--database", database, "employees", "import", str(employees)],
                workdir)
    run_checked([str(BRIDGE), "--database", database, "employees", "set-password", LOGIN,
                 "--password-stdin"], workdir, stdin=f"{PASSWORD}\n")


def start_radicale(workdir: Path, logins: tuple[str, ...] = (LOGIN,),
                   password: str = PASSWORD, auth_delay: float | None = None,
                   name: str = "radicale", auth: list[str] | None = None) -> Server:
    """A stock Radicale (``python -m radicale``, no configuration file) on a free port: its
    multifilesystem storage in ``workdir/radicale-collections``, htpasswd (plain) with
    ``logins`` signing in with ``password``, ``owner_only`` rights, no web interface, its log
    in ``workdir/{name}.log``; ``auth_delay``: its ``--auth-delay`` (the sleep after a refused
    sign-in; None: its default); ``auth``: Radicale's ``--auth-*`` options in place of that
    plain htpasswd file (``logins`` and ``password`` are then unused)."""
    if auth is None:
        users = workdir / "htpasswd"
        users.write_text("".join(f"{login}:{password}\n" for login in logins),
                         encoding="utf-8")
        auth = ["--auth-type", "htpasswd", "--auth-htpasswd-filename", str(users),
                "--auth-htpasswd-encryption", "plain"]
    port = free_port()
    log = workdir / f"{name}.log"
    delay = [] if auth_delay is None else ["--auth-delay", f"{auth_delay:g}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", "",
         "--server-hosts", f"127.0.0.1:{port}",
         "--storage-filesystem-folder", str(workdir / "radicale-collections"),
         *auth, *delay,
         "--rights-type", "owner_only", "--web-type", "none", "--logging-level", "warning"],
        cwd=workdir, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    wait_ready(server)
    return server


def start_xandikos(workdir: Path, logins: tuple[str, ...] = (LOGIN,), password: str = PASSWORD,
                   name: str = "xandikos") -> Server:
    """A stock Xandikos (``xandikos serve``) on a free port, serving ``workdir/xandikos``
    (a git repository per collection, laid out beforehand) with ``/{logins[0]}/`` as the
    principal. Its HTTP Basic authentication checks each of ``logins`` / ``password``
    against an htpasswd file (``{SHA}`` entries: a hash as cheap as Radicale's plain file;
    Xandikos has no rights of its own: every login may read every collection); Xandikos
    allows that only over HTTPS (``--htpasswd`` requires ``--autocert``), so it is served
    over HTTPS with its self-signed certificate. Unlike Radicale's
    server, Xandikos (aiohttp) keeps the connection open between requests."""
    users = workdir / "xandikos-htpasswd"
    digest = base64.b64encode(hashlib.sha1(password.encode("utf-8")).digest()).decode()
    users.write_text("".join(f"{login}:{{SHA}}{digest}\n" for login in logins),
                     encoding="utf-8")
    state = workdir / "xandikos-state"
    port = free_port()
    log = workdir / "xandikos.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "xandikos"), "serve",
         "--directory", str(workdir / "xandikos"), "--current-user-principal", f"/{logins[0]}/",
         "--listen-address", "127.0.0.1", "--port", str(port), "--no-detect-systemd",
         "--state-dir", str(state), "--autocert", "--htpasswd", str(users)],
        cwd=workdir, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(name, process, port, log, scheme="https")
    wait_ready(server)
    # (its certificate names the host "127.0.0.1" as a DNS name, which TLS clients do not
    # match against an address: on loopback the benchmark does without the check; without
    # the environment's CA bundle either, which would override that in requests)
    server.session.verify = False
    server.session.trust_env = False
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return server


# What MKCALENDAR (the MKCALENDAR body below) makes Radicale 3.9 write into .Radicale.props.
RADICALE_PROPS = {"C:supported-calendar-component-set": "VEVENT",
                  "D:displayname": "Bench calendar", "tag": "VCALENDAR"}


def write_radicale_calendar(workdir: Path, events: list[Event]) -> Path:
    """Lay the calendar out the way Radicale's multifilesystem storage keeps it, as MKCALENDAR
    and one PUT per event would (the caches Radicale builds itself when it reads them)."""
    folder = workdir / "radicale-collections" / "collection-root" / CALENDAR.strip("/")
    folder.mkdir(parents=True)
    (folder / ".Radicale.props").write_text(json.dumps(RADICALE_PROPS, sort_keys=True),
                                            encoding="utf-8")
    for event in events:
        (folder / event.href.rsplit("/", 1)[1]).write_bytes(ical(event).encode("utf-8"))
    return folder


# --- requests -------------------------------------------------------------------------------


def request(server: Server, method: str, path: str, body: str | None = None,
            headers: dict[str, str] | None = None,
            expect: tuple[int, ...] = (207,), login: str = LOGIN,
            ) -> tuple[float, requests.Response]:
    """One request as ``login``, timed from sending to the whole answer read; checks the
    status."""
    all_headers = dict(headers or {})
    data = body.encode("utf-8") if body is not None else None
    if data is not None:
        all_headers.setdefault("Content-Type", "application/xml; charset=utf-8")
    url = server.base + path
    started = time.perf_counter()
    try:
        response = server.session.request(method, url, data=data, headers=all_headers,
                                          auth=(login, PASSWORD), timeout=600)
    except requests.RequestException as error:
        raise RequestFailed(server.name, None, f"{method} {path}: {error!r}", method, url,
                            all_headers, data) from error
    elapsed = time.perf_counter() - started
    if response.status_code not in expect:
        raise RequestFailed(server.name, response,
                            f"{method} {path}: status {response.status_code}, expected "
                            f"{'/'.join(map(str, expect))}")
    return elapsed, response


@dataclass
class Answer:
    """A multistatus answer: per href, its status and properties found (tag → text)."""

    responses: dict[str, dict[str, str | None]]
    statuses: dict[str, str]
    sync_token: str | None


def multistatus(server: Server, response: requests.Response) -> Answer:
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError as error:
        raise RequestFailed(server.name, response, f"unparsable multistatus: {error}") from None
    responses: dict[str, dict[str, str | None]] = {}
    statuses: dict[str, str] = {}
    for node in root.findall(f"{{{DAV}}}response"):
        href = requests.utils.unquote(node.findtext(f"{{{DAV}}}href", ""))
        props: dict[str, str | None] = {}
        for propstat in node.findall(f"{{{DAV}}}propstat"):
            status = propstat.findtext(f"{{{DAV}}}status", "")
            if " 200 " not in status:
                continue
            prop_node = propstat.find(f"{{{DAV}}}prop")
            for prop in (list(prop_node) if prop_node is not None else []):
                props[prop.tag] = prop.text
        responses[href] = props
        statuses[href] = node.findtext(f"{{{DAV}}}status", "")
    return Answer(responses, statuses, root.findtext(f"{{{DAV}}}sync-token"))


def check(server: Server, response: requests.Response, ok: bool, problem: str) -> None:
    if not ok:
        raise RequestFailed(server.name, response, problem)


def item_path(href: str) -> str:
    return href if href.startswith("/") else "/" + href.split("/", 3)[-1]


PROPFIND_ETAGS = f"""<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="{DAV}"><D:prop><D:getetag/></D:prop></D:propfind>"""

PROPFIND_CTAG = f"""<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="{DAV}" xmlns:CS="{CS}"><D:prop><CS:getctag/><D:sync-token/></D:prop>
</D:propfind>"""

QUERY_WEEK = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="{DAV}" xmlns:C="{CALDAV}">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{WEEK_START.astimezone(UTC):%Y%m%dT%H%M%SZ}"
                  end="{WEEK_END.astimezone(UTC):%Y%m%dT%H%M%SZ}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""

MKCALENDAR = f"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="{DAV}" xmlns:C="{CALDAV}"><D:set><D:prop>
  <D:displayname>Bench calendar</D:displayname>
  <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>"""


def multiget_body(events: list[Event]) -> str:
    hrefs = "".join(f"<D:href>{e.href}</D:href>" for e in events)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<C:calendar-multiget xmlns:D="{DAV}" '
            f'xmlns:C="{CALDAV}"><D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}'
            "</C:calendar-multiget>")


def sync_body(token: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<D:sync-collection xmlns:D="{DAV}">'
            f"<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>"
            "<D:prop><D:getetag/></D:prop></D:sync-collection>")


def put_event(server: Server, event: Event, create: bool) -> float:
    sequence = 0 if create else server.sequences.get(event.href, 0) + 1
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    if create:
        headers["If-None-Match"] = "*"
    else:
        headers["If-Match"] = server.etags[event.href]
    elapsed, response = request(server, "PUT", event.href, ical(event, sequence), headers,
                                expect=(201,) if create else (201, 204))
    etag = response.headers.get("ETag")
    if not etag:
        raise RequestFailed(server.name, response, f"PUT {event.href}: no ETag in the answer")
    server.etags[event.href] = etag
    server.sequences[event.href] = sequence
    return elapsed


# --- operations -----------------------------------------------------------------------------


class Workload:
    """The timed operations on one server's copy of the calendar."""

    def __init__(self, server: Server, events: list[Event]) -> None:
        self.server = server
        self.events = events
        self.hrefs = {e.href for e in events}
        self.week = week_hrefs(events)
        self.multiget = multiget_body(events)
        self.turn = 0  # which event the next change modifies

    def _next_event(self) -> Event:
        self.turn += 1
        return self.events[(self.turn * 7919) % len(self.events)]

    def run(self, op: str) -> float:
        return getattr(self, op.replace("-", "_"))()

    def propfind_etags(self) -> float:
        s = self.server
        elapsed, response = request(s, "PROPFIND", CALENDAR, PROPFIND_ETAGS, {"Depth": "1"})
        answer = multistatus(s, response)
        items = {h for h in answer.responses if h.endswith(".ics")}
        check(s, response, items == self.hrefs,
              f"PROPFIND Depth 1: {len(items)} items, expected {len(self.hrefs)}")
        check(s, response, all(answer.responses[h].get(f"{{{DAV}}}getetag") for h in items),
              "PROPFIND Depth 1: an item without getetag")
        return elapsed

    def multiget_all(self) -> float:
        s = self.server
        elapsed, response = request(s, "REPORT", CALENDAR, self.multiget, {"Depth": "1"})
        answer = multistatus(s, response)
        check(s, response, set(answer.responses) == self.hrefs,
              f"calendar-multiget: {len(answer.responses)} answers, expected {len(self.hrefs)}")
        data = f"{{{CALDAV}}}calendar-data"
        check(s, response, all(props.get(data) for props in answer.responses.values()),
              "calendar-multiget: an item without calendar-data")
        stale = [h for h, p in answer.responses.items()
                 if p.get(f"{{{DAV}}}getetag") != s.etags[h]]
        check(s, response, not stale, f"calendar-multiget: {len(stale)} getetag differ from "
              f"the PUT ETag, e.g. {stale[:3]}")
        return elapsed

    def query_week(self) -> float:
        s = self.server
        elapsed, response = request(s, "REPORT", CALENDAR, QUERY_WEEK, {"Depth": "1"})
        answer = multistatus(s, response)
        found = set(answer.responses)
        check(s, response, found == self.week,
              f"calendar-query: {len(found)} events, expected {len(self.week)} "
              f"(missing {sorted(self.week - found)[:3]}, extra {sorted(found - self.week)[:3]})")
        data = f"{{{CALDAV}}}calendar-data"
        check(s, response, all(props.get(data) for props in answer.responses.values()),
              "calendar-query: an event without calendar-data")
        return elapsed

    def sync_token(self) -> str:
        s = self.server
        _, response = request(s, "PROPFIND", CALENDAR, PROPFIND_CTAG, {"Depth": "0"})
        props = next(iter(multistatus(s, response).responses.values()), {})
        token = props.get(f"{{{DAV}}}sync-token")
        check(s, response, bool(token), "PROPFIND Depth 0: no sync-token")
        return token  # type: ignore[return-value]

    def sync_incr(self) -> float:
        s = self.server
        token = self.sync_token()
        event = self._next_event()
        put_event(s, event, create=False)
        elapsed, response = request(s, "REPORT", CALENDAR, sync_body(token), {"Depth": "0"})
        answer = multistatus(s, response)
        check(s, response, event.href in answer.responses,
              f"sync-collection: the changed {event.href} is not among the "
              f"{len(answer.responses)} answers")
        check(s, response, len(answer.responses) <= 2,
              f"sync-collection: {len(answer.responses)} answers after one change")
        check(s, response, answer.responses[event.href].get(f"{{{DAV}}}getetag")
              == s.etags[event.href], "sync-collection: getetag differs from the PUT ETag")
        check(s, response, bool(answer.sync_token) and answer.sync_token != token,
              "sync-collection: no new sync-token")
        return elapsed

    def put_if_match(self) -> float:
        return put_event(self.server, self._next_event(), create=False)

    def propfind_ctag(self) -> float:
        s = self.server
        elapsed, response = request(s, "PROPFIND", CALENDAR, PROPFIND_CTAG, {"Depth": "0"})
        props = next(iter(multistatus(s, response).responses.values()), {})
        check(s, response, bool(props.get(f"{{{CS}}}getctag")), "PROPFIND Depth 0: no getctag")
        check(s, response, bool(props.get(f"{{{DAV}}}sync-token")),
              "PROPFIND Depth 0: no sync-token")
        return elapsed


# --- loading --------------------------------------------------------------------------------


@dataclass
class Load:
    seconds: float = 0.0
    error: RequestFailed | None = None


def load(server: Server, events: list[Event], result: Load) -> None:
    started = time.perf_counter()
    try:
        request(server, "MKCALENDAR", CALENDAR, MKCALENDAR, expect=(201,))
        for event in events:
            put_event(server, event, create=True)
    except RequestFailed as error:
        result.error = error
    result.seconds = time.perf_counter() - started


def learn_etags(server: Server, events: list[Event], result: Load,
                sequence: int = 0) -> None:
    """The calendar is already there (written into Radicale's storage, or loaded by an earlier
    run with --reuse): learn its ETags by one PROPFIND Depth 1, and note ``sequence`` as the
    current SEQUENCE of every event (the next change uses ``sequence + 1``). Then one PROPFIND
    Depth 0 for the sync-token, so that the sync history is there before anything is timed."""
    started = time.perf_counter()
    try:
        _, response = request(server, "PROPFIND", CALENDAR, PROPFIND_ETAGS, {"Depth": "1"})
        answer = multistatus(server, response)
        etags = {href: props.get(f"{{{DAV}}}getetag")
                 for href, props in answer.responses.items() if href.endswith(".ics")}
        expected = {e.href for e in events}
        check(server, response, set(etags) == expected,
              f"PROPFIND Depth 1: {len(etags)} items, expected the {len(expected)} loaded")
        check(server, response, all(etags.values()), "PROPFIND Depth 1: an item without getetag")
        for href, etag in etags.items():
            server.etags[href] = etag  # type: ignore[assignment]
            server.sequences[href] = sequence
        request(server, "PROPFIND", CALENDAR, PROPFIND_CTAG, {"Depth": "0"})
    except RequestFailed as error:
        result.error = error
    result.seconds = time.perf_counter() - started


def lock_workdir(root: Path):
    """Hold an exclusive lock on the work directory for the whole run (released on exit)."""
    handle = (root / ".dav_bench.lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BenchError(f"another dav_bench run is using {root}; wait for it to finish, or "
                         "give another --workdir (two runs on one calendar change each other's "
                         "events and slow each other down)") from None
    return handle


# --- profiling (optional) -------------------------------------------------------------------


def profile(server: Server, workload: Workload, op: str, runs: int, out: Path,
            py_spy: str) -> str:
    """Sample the bridge server with py-spy while ``op`` runs ``runs`` times; a summary."""
    raw = out.with_suffix(".txt")
    spy = subprocess.Popen([py_spy, "record", "--pid", str(server.process.pid), "--rate", "250",
                            "--format", "raw", "--output", str(raw)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    for _ in range(runs):
        workload.run(op)
    time.sleep(0.3)
    spy.send_signal(signal.SIGINT)
    _, err = spy.communicate(timeout=60)
    if not raw.exists():
        return f"  (py-spy wrote nothing: {err.strip()[-500:]})"
    return summarize(raw)


def summarize(raw: Path, top: int = 15) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [frame.split(" (")[0] + " (" + _short(frame) + ")" for frame in stack.split(";")]
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    if not total:
        return "  (no samples)"
    lines = [f"  {total} samples; self time:"]
    lines += [f"    {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines.append("  inclusive (our code, Radicale, SQLAlchemy, ical libraries):")
    interesting = ("bridge/", "storage_plugin/", "radicale/", "sqlalchemy/", "vobject/",
                   "icalendar/")
    ranked = [(f, n) for f, n in inclusive.most_common() if any(k in f for k in interesting)]
    lines += [f"    {100 * n / total:5.1f}%  {frame}" for frame, n in ranked[:top + 10]]
    return "\n".join(lines)


def _short(frame: str) -> str:
    where = frame.rpartition(" (")[2].rstrip(")")
    for marker in ("site-packages/", "/work/main/"):
        if marker in where:
            return where.split(marker, 1)[1]
    return where


# --- the run --------------------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    load: dict[str, float] = field(default_factory=dict)
    load_how: dict[str, str] = field(default_factory=dict)
    times: dict[tuple[str, str], float] = field(default_factory=dict)  # (server, op) → s
    failures: list[RequestFailed] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)


def measure(workloads: dict[str, Workload], op: str, warmup: int, repeat: int,
            failures: list[RequestFailed]) -> dict[str, float]:
    """Median time of ``op`` per server. The servers take turns (warm-ups first, then each
    timed run on one server, then on the other) so that a passing disturbance of the machine
    weighs on both alike; a server whose request fails drops out of this operation."""
    times: dict[str, list[float]] = {name: [] for name in workloads}
    for run in range(warmup + repeat):
        for name, workload in workloads.items():
            if name not in times:
                continue
            try:
                seconds = workload.run(op)
            except RequestFailed as error:
                failures.append(error)
                print(f"{op} on {name} FAILED:\n{error.report()}", flush=True)
                del times[name]
                continue
            if run >= warmup:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def bench_size(n: int, args: argparse.Namespace, root: Path) -> SizeResult:
    result = SizeResult(n)
    workdir = root / f"n{n}"
    marker = workdir / ".loaded"
    reuse = args.reuse and marker.exists()
    if workdir.exists() and not reuse:
        raise BenchError(f"{workdir} exists" + (" but was not loaded completely (no .loaded)"
                                                if args.reuse else "")
                         + ": remove it, or give another --workdir")
    workdir.mkdir(parents=True, exist_ok=reuse)
    events = make_events(n)
    servers: list[Server] = []
    try:
        written = 0.0
        if not reuse:  # Radicale's storage is written before Radicale starts
            started = time.perf_counter()
            write_radicale_calendar(workdir, events)
            written = time.perf_counter() - started
        servers.append(start_bridge(workdir, loaded=reuse))
        servers.append(start_radicale(workdir))
        print(f"\n## {n} events  (bridge :{servers[0].port}, radicale :{servers[1].port}, "
              f"{workdir}{', reused' if reuse else ''})", flush=True)
        loads = load_all(servers, events, reuse)
        for server in servers:
            record_load(result, server.name, loads[server.name], reuse, written)
        if not reuse and all(outcome.error is None for outcome in loads.values()):
            marker.touch()
        workloads = {s.name: Workload(s, events) for s in servers
                     if loads[s.name].error is None}
        for op in args.ops:
            medians = measure(workloads, op, args.warmup, args.repeat, result.failures)
            for name, seconds in medians.items():
                result.times[(name, op)] = seconds
                print(f"  {op:15} {name:9} {seconds * 1000:10.1f} ms", flush=True)
        if args.profile and "bridge" in workloads:
            profile_slower(result, servers[0], workloads["bridge"], args)
    finally:
        for server in servers:
            server.stop()
    return result


def load_all(servers: list[Server], events: list[Event], reuse: bool) -> dict[str, Load]:
    """Load ``events`` into each server at once (each in a thread of its own)."""
    loads = {s.name: Load() for s in servers}
    # Radicale's files (and, with --reuse, both calendars) are there already: learn the
    # ETags. A reused calendar's changes go on from a SEQUENCE no earlier run used.
    reuse_sequence = int(time.time())
    threads = []
    for server in servers:
        if reuse or server.name == "radicale":
            job, extra = learn_etags, (reuse_sequence if reuse else 0,)
        else:
            job, extra = load, ()
        threads.append(threading.Thread(target=job,
                                        args=(server, events, loads[server.name], *extra)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return loads


def record_load(result: SizeResult, name: str, outcome: Load, reuse: bool,
                written: float) -> None:
    """Note (and print) how the load into the server ``name`` went."""
    n = result.n
    if outcome.error is not None:
        result.failures.append(outcome.error)
        print(f"loading into {name} FAILED:\n{outcome.error.report()}", flush=True)
    elif reuse:
        print(f"reused the {n} events loaded into {name} earlier (ETags "
              f"re-read in {outcome.seconds:.1f} s)", flush=True)
    elif name == "radicale":
        result.load[name] = written + outcome.seconds
        result.load_how[name] = "files written"
        print(f"loaded {n} events into radicale by writing its storage files directly "
              f"in {written:.1f} s, then {outcome.seconds:.1f} s for its first "
              f"PROPFIND Depth 1 getetag (item cache, ETags) and Depth 0 sync-token",
              flush=True)
    else:
        result.load[name] = outcome.seconds
        result.load_how[name] = "by PUT"
        print(f"loaded {n} events into {name} by MKCALENDAR + one PUT each in "
              f"{outcome.seconds:.1f} s ({n / outcome.seconds:.0f} PUT/s)", flush=True)


def profile_slower(result: SizeResult, bridge: Server, workload: Workload,
                   args: argparse.Namespace) -> None:
    """Profile the bridge in the operations where it was slower than Radicale (or in all,
    ``--profile-ops all``)."""
    n = result.n
    for op in args.ops:
        bridge_s = result.times.get(("bridge", op))
        radicale_s = result.times.get(("radicale", op))
        slower = bridge_s is not None and radicale_s is not None and bridge_s > radicale_s
        if bridge_s is None or not (slower or args.profile_ops == "all"):
            continue
        out = args.profile / f"bridge-{op}-{n}"
        try:
            summary = profile(bridge, workload, op, args.profile_runs, out, args.py_spy)
        except RequestFailed as error:
            summary = f"  (failed: {error})"
        result.profiles[op] = summary
        print(f"\nprofile of bridge, {op} at {n} events ({out}.txt):\n{summary}",
              flush=True)


def ms(seconds: float | None) -> str:
    return "FAILED" if seconds is None else f"{seconds * 1000:.1f}"


def report(results: list[SizeResult], ops: list[str]) -> bool:
    print("\n## Results (median of the timed runs, ms; ratio = radicale / bridge, "
          ">1: bridge faster)\n")
    print("| operation | size | bridge ms | radicale ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for op in ops:
        for r in results:
            b, s = r.times.get(("bridge", op)), r.times.get(("radicale", op))
            ratio = f"{s / b:.2f}" if b and s else "-"
            print(f"| {op} | {r.n:,} | {ms(b)} | {ms(s)} | {ratio} |".replace(",", " "))
    print("\nloading (not timed above): " + ("; ".join(
        f"{r.n}: " + ", ".join(f"{k} {v:.1f} s ({r.load_how.get(k, '?')})"
                              for k, v in r.load.items())
        for r in results if r.load) or "calendars reused (--reuse), not loaded in this run"))

    print("\n## Targets\n")
    by_n = {r.n: r for r in results}

    def ratio(n: int, op: str) -> float | None:
        r = by_n.get(n)
        if r is None:
            return None
        b, s = r.times.get(("bridge", op)), r.times.get(("radicale", op))
        return s / b if b and s else None

    all_ok = True

    def verdict(ok: bool | None, text: str) -> None:
        nonlocal all_ok
        label = "N/A" if ok is None else ("OK" if ok else "MISSED")
        all_ok &= ok is not False
        print(f"- {label}: {text}")

    for op, label in (("query-week", "one-week calendar-query"),
                      ("sync-incr", "incremental sync-collection")):
        value = ratio(10000, op) if op in ops else None
        verdict(None if value is None else value >= SPEEDUP_TARGET,
                f"{label} at 10 000 events >= {SPEEDUP_TARGET:g}x faster than stock Radicale "
                f"({'not measured' if value is None else f'{value:.2f}x'})")
    slower = [(op, r.n, ratio(r.n, op)) for op in ops for r in results]
    missing = [(op, n) for op, n, v in slower if v is None]
    slower = [(op, n, v) for op, n, v in slower if v is not None and v < 1.0]
    verdict(False if slower else (None if missing and len(missing) == len(ops) * len(results)
                                  else True),
            "no operation slower than stock Radicale at any size"
            + ("".join(f"\n    slower: {op} at {n}: bridge takes {1 / v:.2f}x Radicale's time"
                       + (" (within 10 %: may be noise)" if v >= 1 / 1.1 else "")
                       for op, n, v in slower))
            + (f"\n    not measured: {', '.join(f'{op}@{n}' for op, n in missing)}"
               if missing else ""))
    small, large = by_n.get(100), by_n.get(10000)
    t_small = small.times.get(("bridge", "sync-incr")) if small else None
    t_large = large.times.get(("bridge", "sync-incr")) if large else None
    verdict(None if not (t_small and t_large) else t_large <= SCALING_TARGET * t_small,
            f"incremental sync at 10 000 <= {SCALING_TARGET:g}x its time at 100 "
            + ("(not measured)" if not (t_small and t_large)
               else f"({ms(t_large)} ms vs {ms(t_small)} ms: {t_large / t_small:.2f}x)"))

    failures = [f for r in results for f in r.failures]
    if failures:
        print(f"\n## Failed requests ({len(failures)})\n")
        for failure in failures:
            print(failure.report())
    bridge_failures = [f for f in failures if f.server == "bridge"]
    if bridge_failures:
        print(f"MISSED: {len(bridge_failures)} request(s) failed against the bridge (bugs)")
    return all_ok and not failures


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time CalDAV operations of `bridge serve` against stock Radicale 3.9 on "
                    "the same calendar (see the module docstring).")
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated numbers of events (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs per operation, the median is kept (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed runs before them (default: %(default)s)")
    parser.add_argument("--ops", default=",".join(OP_NAMES),
                        help="comma-separated operations (default: all: %(default)s)")
    parser.add_argument("--workdir", type=Path,
                        help="directory for databases, collections and logs (default: a "
                             "temporary one, removed at the end unless --keep)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir: reuse calendars a previous run loaded there "
                             "(loading 10 000 events into stock Radicale takes over half an hour)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample the bridge server with py-spy on the operations it is "
                             "slower at; raw stacks go to DIR")
    parser.add_argument("--profile-ops", choices=["slower", "all"], default="slower",
                        help="which operations --profile samples (default: %(default)s)")
    parser.add_argument("--profile-runs", type=int, default=10,
                        help="runs of each profiled operation (default: %(default)s)")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or str(
        Path(sys.executable).parent / "py-spy"), help="the py-spy binary (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(part.replace("_", "")) for part in args.sizes.split(",") if part]
    except ValueError:
        parser.error(f"--sizes: not a list of numbers: {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes: at least one size, each >= 1")
    args.ops = [op for op in args.ops.split(",") if op]
    unknown = set(args.ops) - set(OP_NAMES)
    if unknown:
        parser.error(f"--ops: unknown {', '.join(sorted(unknown))}; known: {', '.join(OP_NAMES)}")
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be >= 1 and --warmup >= 0")
    if args.profile:
        if not Path(args.py_spy).exists() and not shutil.which(args.py_spy):
            parser.error(f"--profile needs py-spy ({args.py_spy} not found; pip install py-spy "
                         "and give --py-spy BIN)")
        args.profile.mkdir(parents=True, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not BRIDGE.exists():
        print(f"error: {BRIDGE} not found (install the project in this Python's environment)",
              file=sys.stderr)
        return 1
    root = args.workdir or Path(tempfile.mkdtemp(prefix="dav_bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"# CalDAV benchmark: bridge vs stock Radicale; sizes {args.sizes}, "
          f"median of {args.repeat} after {args.warmup} warm-up; work dir {root}")
    results = []
    lock = None
    try:
        lock = lock_workdir(root)
        for n in args.sizes:
            results.append(bench_size(n, args, root))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    finally:
        if results:
            report(results, args.ops)
        if lock is not None:
            lock.close()
        if args.workdir is None and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"\nwork dir kept: {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
