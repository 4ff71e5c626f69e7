#!/usr/bin/env python3
"""Benchmark what representatives sync: the HQ collections, against stock Radicale and Xandikos.

For each size N (default 100, 1 000 and 10 000) the script builds an HQ in a temporary
directory through the real paths — ``bridge init``, ``bridge employees import``,
``bridge import customers`` (N customers of the representative's sales channel) and
``bridge import activities`` (N mobile appointments), then N HQ appointments and N HQ tasks
created in-process through ``bridge.hq.editing.add_activity`` (what ``bridge activities add``
does, without N command runs) — and starts ``bridge serve`` on it. It then fetches every item
each collection serves (``appointments/``, ``mobile/``, ``tasks/``, ``customers/``) and lays
exactly those items out for a stock Radicale 3.9 (file storage, same hrefs, same texts, same
collection properties) and for a stock Xandikos 0.4 (a git repository per collection, the
item files and properties committed in one commit, as ``lay_out_xandikos`` says), and times
all three, in the same run, turn by turn (median of ``--repeat`` after ``--warmup``):

  propfind-etags   PROPFIND Depth 1, getetag
  multiget-all     calendar-/addressbook-multiget of every href, getetag + data
  query-week       calendar-query, one week holding the same 25 items at every size,
                   getetag + calendar-data (calendars only)
  sync-initial     sync-collection with an empty token (a new phone, a new Outlook profile)
  sync-nochange    sync-collection with the current token, nothing changed
  propfind-ctag    PROPFIND Depth 0, getctag + sync-token

Then a representative's calendar subscription (``bridge subscriptions renew``), the file
Outlook, Google and Apple Calendar subscribe to (appointments/ and mobile/, 2N events),
beside its counterpart on Radicale, a GET of each of those two collections (Radicale answers
a calendar's GET with all its items as one file; Xandikos with an HTML page, so it has no
figures here):

  feed-full        GET of the whole file (bridge: /feeds/SECRET.ics; Radicale: both GETs)
  feed-304         the same GET with the ETag last answered (a poller's usual request)
  cold feed-full   the first full GET after an import changed every mobile appointment

Then, cold: an import changes every mobile appointment (``bridge import activities``) and the
first read of ``mobile/`` is timed once on each (Radicale's files are rewritten with the
changed items; Xandikos' store gets them as one new commit): a multiget of every item, then,
after another such import, an initial sync-collection. Last, each server's peak resident
memory.

Every answer is checked against the other servers' (the same hrefs). Xandikos signs in with
its own HTTP Basic authentication, which it allows only over HTTPS (see ``start_xandikos``).
Prints a markdown table (each peer's ratio = its ms / bridge ms; above 1 the bridge is
faster). Exit 0 whatever the figures; 1 if the benchmark could not run.

    python bench/hq_dav_bench.py [--sizes 100,1000,10000] [--repeat 5] [--warmup 1]
                                 [--collections appointments,mobile,tasks,customers] [--keep]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dav_bench import (
    BRIDGE,
    CALDAV,
    DAV,
    LOGIN,
    PASSWORD,
    PROPFIND_CTAG,
    PROPFIND_ETAGS,
    BenchError,
    RequestFailed,
    Server,
    check,
    measure,
    multistatus,
    request,
    run_checked,
    scratch,
    serve_bridge,
    server_peak_rss_mib,
    start_radicale,
    start_xandikos,
    sync_body,
)

CARDDAV = "urn:ietf:params:xml:ns:carddav"
CHANNEL = "Bench"
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
WEEK_START = TODAY + timedelta(days=28)
WEEK_END = WEEK_START + timedelta(days=7)
WEEK_ITEMS = 25
"""Items of each calendar in the week query-week asks for: a busy week, at every size."""
COLLECTIONS = ("appointments", "mobile", "tasks", "customers")
OPERATIONS = ["propfind-etags", "multiget-all", "query-week", "sync-initial", "sync-nochange",
              "propfind-ctag"]
COLD = ["multiget-all", "sync-initial"]
"""Timed once each as the first read of ``mobile/`` after an import changed every item."""
XANDIKOS_NOTE = """
Xandikos: stock `xandikos serve` with its own HTTP Basic authentication (htpasswd, a {SHA}
entry), which it allows only over HTTPS (`--htpasswd` requires `--autocert`): its figures
include TLS on loopback. Its server (aiohttp) keeps the connection open, as the bridge's
(gunicorn) does; stock Radicale's server closes it after each request. It answers a
calendar's GET with an HTML page, not the calendar's items: no subscription rows (–)."""
CLOCK = f"{TODAY - timedelta(days=85):%Y-%m-%dT%H:%M:%SZ}"
"""The import clock of the benchmark's exports (every appointment lies ahead of it)."""


# --- building the HQ --------------------------------------------------------------------------

def document(kind: str, records: list[dict]) -> str:
    formats = {"customers": "bus-customers/1", "appointments": "bus-appointments/1",
               "employees": "hq-employees/1"}
    return json.dumps({"format": formats[kind], "exported_at": f"{TODAY:%Y-%m-%dT%H:%M:%SZ}",
                       kind: records})


def spread(i: int, n: int, first_day: int, days: int) -> datetime:
    """The i-th of n instants: the first :data:`WEEK_ITEMS` in the week query-week asks for
    (five a day on its first five days, 09:00–13:00), the others spread over ``days`` days
    from TODAY + first_day, 08:00–17:00, outside that week. So the week's answer is the same
    at every size and query-week measures what a larger calendar costs, not a larger answer."""
    if i < WEEK_ITEMS:
        return WEEK_START + timedelta(days=i // 5, hours=9 + i % 5)
    instant = TODAY + timedelta(days=first_day + (i * days) // max(n, 1), hours=8 + (i * 7) % 9)
    return instant + timedelta(days=7) if WEEK_START <= instant < WEEK_END else instant


def build_hq(workdir: Path, n: int, database: str | None = None,
             representatives: tuple[str, ...] = (LOGIN,), manager: str | None = None,
             hq_activities: bool = True) -> str:
    """An HQ of N customers of one sales channel, and N mobile appointments, N HQ appointments
    and N HQ tasks of each of the ``representatives`` (all of that channel, all signing in
    with PASSWORD), in ``database`` (an empty one; by default SQLite in ``workdir``). With
    ``manager``, an employee (no representative, signing in with PASSWORD too) who manages
    them all: their team. Without ``hq_activities``, no HQ appointments and tasks (only the
    imported mobile appointments: a quicker build when only ``mobile/`` is read)."""
    database = database or f"sqlite:///{workdir / 'hq.db'}"
    employees = [{"login": login, "name": "Bench Mark" if login == LOGIN else login.title(),
                  "email": f"{login}@example.com", "sales_representative": True,
                  "manager": manager, "sales_channels": [CHANNEL]} for login in representatives]
    if manager is not None:
        employees.append({"login": manager, "name": manager.title(),
                          "email": f"{manager}@example.com", "sales_representative": False,
                          "manager": None, "sales_channels": []})
    files = {
        "employees": employees,
        "customers": [{"number": f"C-{i:06d}", "name": f"Customer {i} Trading",
                       "sales_channel": CHANNEL, "phone": "+48 22 000 00 00",
                       "email": f"c{i}@customer.example", "active": True,
                       "address": {"street": f"Main St {i}", "postal_code": "00-001",
                                   "city": "Warsaw", "country": "PL"}} for i in range(n)],
        "appointments": [{
            "mobile_id": f"M-{mark}{i:06d}", "number": f"APP/2026/{mark}{i:06d}",
            "name": "Quarterly review", "sales_channel": CHANNEL, "representative": login,
            "customer": f"C-{i % n:06d}", "confirmed": True, "status": "planned",
            "start": f"{spread(i, n, -80, 380):%Y-%m-%dT%H:%M:%SZ}",
            "end": f"{spread(i, n, -80, 380) + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
            "description": "Bring the new price list", "completed_on": None,
            "completed_by": None, "modified_at": f"{TODAY:%Y-%m-%dT%H:%M:%SZ}"}
            for login in representatives
            for mark in ["" if login == LOGIN else f"{login}-"] for i in range(n)],
    }
    for kind, records in files.items():
        (workdir / f"{kind}.json").write_text(document(kind, records), encoding="utf-8")
    bridge = [str(BRIDGE), "--database", database]
    run_checked([*bridge, "init"], workdir)
    run_checked([*bridge, "employees", "import", str(workdir / "employees.json")], workdir)
    for login in (*representatives, *([manager] if manager else [])):
        run_checked([*bridge, "employees", "set-password", login, "--password-stdin"], workdir,
                    stdin=f"{PASSWORD}\n")
    run_checked([*bridge, "definition", "activate", "ibus.AppointmentSynchronize"], workdir)
    run_checked([*bridge, "import", "customers", str(workdir / "customers.json"),
                 "--now", CLOCK], workdir)
    run_checked([*bridge, "import", "activities", str(workdir / "appointments.json"),
                 "--now", CLOCK], workdir)
    for login in representatives if hq_activities else ():
        add_hq_activities(database, n, login)
    return database


def change_every_appointment(workdir: Path, database: str, round_: int) -> None:
    """A later export in which every mobile appointment changed, imported as HQ does."""
    document_ = json.loads((workdir / "appointments.json").read_text(encoding="utf-8"))
    for record in document_["appointments"]:
        record["name"] = f"Quarterly review, round {round_}"
        record["modified_at"] = f"{TODAY + timedelta(hours=round_):%Y-%m-%dT%H:%M:%SZ}"
    changed = workdir / f"appointments-{round_}.json"
    changed.write_text(json.dumps(document_), encoding="utf-8")
    run_checked([str(BRIDGE), "--database", database, "import", "activities", str(changed),
                 "--now", CLOCK], workdir)


def copy_collection(workdir: Path, bridge: Server, name: str, login: str = LOGIN,
                    peers: tuple[str, ...] = ("radicale",)) -> set[str]:
    """Lay out what the bridge serves in ``login``'s collection ``name`` for each of the
    ``peers`` (:data:`LAY_OUT`); the hrefs."""
    props, items = radicale_props(bridge, name, login), served_items(bridge, name, login)
    for peer in peers:
        LAY_OUT[peer](workdir, login, name, props, items)
    return set(items)


def lay_out_radicale(workdir: Path, login: str, name: str, props: dict[str, str],
                     items: dict[str, str]) -> None:
    """The collection for stock Radicale, as its clients' PUTs would leave it (Radicale's
    caches see changed files)."""
    folder = workdir / "radicale-collections" / "collection-root" / login / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".Radicale.props").write_text(json.dumps(props, sort_keys=True),
                                            encoding="utf-8")
    for href, text in items.items():
        (folder / href.rsplit("/", 1)[1]).write_text(text, encoding="utf-8", newline="")


def lay_out_xandikos(workdir: Path, login: str, name: str, props: dict[str, str],
                     items: dict[str, str]) -> None:
    """The collection for Xandikos: a git repository with a work tree (what Xandikos makes
    for a new collection) holding the item files and its ``.xandikos`` properties, all
    committed in one commit (a later call commits what changed, as one commit)."""
    folder = workdir / "xandikos" / login / name
    if not (folder / ".git").exists():
        folder.mkdir(parents=True, exist_ok=True)
        run_checked(["git", "init", "-q", str(folder)], workdir)
    config = ["[DEFAULT]", f"type = {'addressbook' if name == 'customers' else 'calendar'}",
              f"displayname = {props['D:displayname']}"]
    if "C:supported-calendar-component-set" in props:
        config += ["", "[calendar]",
                   f"supported-components = {props['C:supported-calendar-component-set']}"]
    (folder / ".xandikos").write_text("\n".join(config) + "\n", encoding="utf-8")
    files = {href.rsplit("/", 1)[1]: text for href, text in items.items()}
    for stale in {entry.name for entry in folder.iterdir()} - set(files) - {".git", ".xandikos"}:
        (folder / stale).unlink()
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8", newline="")
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    run_checked([*git, "add", "-A"], workdir)
    run_checked([*git, "commit", "-q", "--allow-empty", "-m", "Items the bridge serves"], workdir)


LAY_OUT = {"radicale": lay_out_radicale, "xandikos": lay_out_xandikos}
"""How each peer's store is filled with a collection's properties and items."""
PEERS = tuple(LAY_OUT)
"""The servers timed beside the bridge, each holding the same items."""
START = {"radicale": start_radicale, "xandikos": start_xandikos}


def peak_memory(servers: list[Server]) -> dict[str, float]:
    """Each server's peak resident memory (MiB, its processes' added up: gunicorn's master and
    workers) by name, also printed."""
    memory = {server.name: server_peak_rss_mib(server) for server in servers}
    print("  peak memory   " + "  ".join(f"{name}: {mib:6.1f} MiB"
                                        for name, mib in memory.items()), flush=True)
    return memory


def add_hq_activities(database: str, n: int, login: str = LOGIN) -> None:
    """N HQ appointments and N HQ tasks of ``login``, as `bridge activities add` makes them."""
    from bridge import calendars
    from bridge.hq.editing import ActivityFields, add_activity
    from bridge.infra.db import make_engine, transaction
    from bridge.models import Kind

    calendars.subscribe()
    engine = make_engine(database)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for i in range(n):
            start = spread(i, n, -80, 380)
            add_activity(session, Kind.APPOINTMENT, ActivityFields(
                name=f"Visit {i}", start=start, end=start + timedelta(hours=1),
                description="Agenda: prices", customer=f"C-{i:06d}", representative=login),
                now)
            add_activity(session, Kind.TASK, ActivityFields(
                name=f"Call back {i}", end=spread(i, n, -300, 600),
                customer=f"C-{i:06d}", representative=login), now)
    engine.dispose()


# --- copying what the bridge serves into stock Radicale --------------------------------------

def path_of(name: str, login: str = LOGIN) -> str:
    return f"/{login}/{name}/"


def data_prop(name: str) -> str:
    return f"{{{CARDDAV}}}address-data" if name == "customers" else f"{{{CALDAV}}}calendar-data"


def multiget_body(name: str, hrefs: list[str]) -> str:
    listed = "".join(f"<D:href>{href}</D:href>" for href in hrefs)
    if name == "customers":
        return (f'<CR:addressbook-multiget xmlns:D="{DAV}" xmlns:CR="{CARDDAV}"><D:prop>'
                f"<D:getetag/><CR:address-data/></D:prop>{listed}</CR:addressbook-multiget>")
    return (f'<C:calendar-multiget xmlns:D="{DAV}" xmlns:C="{CALDAV}"><D:prop><D:getetag/>'
            f"<C:calendar-data/></D:prop>{listed}</C:calendar-multiget>")


QUERY_WEEK = (f'<C:calendar-query xmlns:D="{DAV}" xmlns:C="{CALDAV}"><D:prop><D:getetag/>'
              "<C:calendar-data/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\">"
              '<C:comp-filter name="{component}"><C:time-range '
              f'start="{WEEK_START:%Y%m%dT%H%M%SZ}" end="{WEEK_END:%Y%m%dT%H%M%SZ}"/>'
              "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>")

PROPS = ('<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
         'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><D:displayname/><D:resourcetype/>'
         "<C:supported-calendar-component-set/></D:prop></D:propfind>")


def served_items(bridge: Server, name: str, login: str = LOGIN) -> dict[str, str]:
    """href → text of every item the bridge serves in ``login``'s collection ``name``."""
    path = path_of(name, login)
    _, response = request(bridge, "PROPFIND", path, PROPFIND_ETAGS, {"Depth": "1"}, login=login)
    hrefs = [href for href in multistatus(bridge, response).responses if href != path]
    _, response = request(bridge, "REPORT", path, multiget_body(name, hrefs), {"Depth": "1"},
                          login=login)
    return {href: props[data_prop(name)] or ""
            for href, props in multistatus(bridge, response).responses.items()}


def radicale_props(bridge: Server, name: str, login: str = LOGIN) -> dict[str, str]:
    _, response = request(bridge, "PROPFIND", path_of(name, login), PROPS, {"Depth": "0"},
                          login=login)
    root = ET.fromstring(response.content)
    props = {"tag": "VADDRESSBOOK" if name == "customers" else "VCALENDAR",
             "D:displayname": root.findtext(f".//{{{DAV}}}displayname") or name}
    components = [comp.get("name") for comp in root.iter(f"{{{CALDAV}}}comp")]
    if components:
        props["C:supported-calendar-component-set"] = ",".join(components)
    return props


def copy_to_radicale(workdir: Path, bridge: Server, login: str = LOGIN,
                     peers: tuple[str, ...] = ("radicale",)) -> dict[str, set[str]]:
    """Lay out every item the bridge serves ``login`` for stock Radicale (and the other
    ``peers``); the hrefs per collection."""
    return {name: copy_collection(workdir, bridge, name, login, peers) for name in COLLECTIONS}


# --- the timed operations ---------------------------------------------------------------------

@dataclass
class Workload:
    server: Server
    name: str
    hrefs: set[str]
    week: set[str] = field(default_factory=set)

    def run(self, op: str) -> float:
        return getattr(self, op.replace("-", "_"))()

    def _items(self, response, answer) -> set[str]:
        return {href for href in answer.responses if href != path_of(self.name)}



    def propfind_etags(self) -> float:
        elapsed, response = request(self.server, "PROPFIND", path_of(self.name), PROPFIND_ETAGS,
                                    {"Depth": "1"})
        answer = multistatus(self.server, response)
        check(self.server, response, self._items(response, answer) == self.hrefs,
              f"PROPFIND Depth 1 on {self.name}: other hrefs than the other server's")
        return elapsed

    def multiget_all(self) -> float:
        elapsed, response = request(self.server, "REPORT", path_of(self.name),
                                    multiget_body(self.name, sorted(self.hrefs)), {"Depth": "1"})
        answer = multistatus(self.server, response)
        check(self.server, response, set(answer.responses) == self.hrefs and all(
            props.get(data_prop(self.name)) for props in answer.responses.values()),
              f"multiget on {self.name}: missing items or data")
        return elapsed

    def query_week(self) -> float:
        component = "VTODO" if self.name == "tasks" else "VEVENT"
        elapsed, response = request(self.server, "REPORT", path_of(self.name),
                                    QUERY_WEEK.replace("{component}", component), {"Depth": "1"})
        found = set(multistatus(self.server, response).responses)
        if not self.week:
            self.week = found
        check(self.server, response, found == self.week,
              f"query-week on {self.name}: {len(found)} items, the other server {len(self.week)}")
        return elapsed

    def _token(self) -> str:
        _, response = request(self.server, "PROPFIND", path_of(self.name), PROPFIND_CTAG,
                              {"Depth": "0"})
        props = next(iter(multistatus(self.server, response).responses.values()), {})
        return props.get(f"{{{DAV}}}sync-token") or ""

    def sync_initial(self) -> float:
        elapsed, response = request(self.server, "REPORT", path_of(self.name), sync_body(""),
                                    {"Depth": "0"})
        found = set(multistatus(self.server, response).responses)
        check(self.server, response, found == self.hrefs,
              f"initial sync of {self.name}: {len(found)} hrefs, expected {len(self.hrefs)}")
        return elapsed

    def sync_nochange(self) -> float:
        token = self._token()
        elapsed, response = request(self.server, "REPORT", path_of(self.name), sync_body(token),
                                    {"Depth": "0"})
        check(self.server, response, not multistatus(self.server, response).responses,
              f"sync of {self.name} without a change reported changes")
        return elapsed

    def propfind_ctag(self) -> float:
        elapsed, _ = request(self.server, "PROPFIND", path_of(self.name), PROPFIND_CTAG,
                             {"Depth": "0"})
        return elapsed


# --- the run ----------------------------------------------------------------------------------

def bench_size(n: int, args: argparse.Namespace, root: Path
               ) -> tuple[dict[tuple[str, str], dict[str, float]], dict[str, float]]:
    """The timings (seconds) by collection and operation, and each server's peak RSS."""
    workdir = root / f"n{n}"
    workdir.mkdir()
    started = time.perf_counter()
    database = build_hq(workdir, n)
    print(f"N={n}: HQ built in {time.perf_counter() - started:.1f} s", flush=True)
    servers: list[Server] = []
    try:
        bridge = serve_bridge(workdir, database)
        servers.append(bridge)
        hrefs = copy_to_radicale(workdir, bridge, peers=PEERS)
        peers = [START[peer](workdir) for peer in PEERS]
        servers += peers
        results: dict[tuple[str, str], dict[str, float]] = {}
        for name in args.collections.split(","):
            workloads = {server.name: Workload(server, name, hrefs[name])
                         for server in (*peers, bridge)}  # (the peers' caches filled first)
            for workload in workloads.values():
                workload.run("propfind-etags")
            for op in OPERATIONS:
                if op == "query-week" and name == "customers":
                    continue
                failures: list[RequestFailed] = []
                timed = measure(workloads, op, args.warmup, args.repeat, failures)
                for workload in workloads.values():
                    workload.week = set()
                results[(name, op)] = timed
                print(f"  {name:13} {op:15} " + "  ".join(
                    f"{server}: {seconds * 1000:8.1f} ms" for server, seconds in timed.items()),
                      flush=True)
        for round_, op in enumerate(COLD, start=1):
            results[("mobile", f"cold {op}")] = cold = cold_read(
                workdir, database, (bridge, *peers), hrefs["mobile"], round_, op)
            print(f"  mobile        cold {op:10} " + "  ".join(
                f"{server}: {seconds * 1000:8.1f} ms" for server, seconds in cold.items()),
                  flush=True)
        results.update(bench_feed(workdir, database, bridge, peers, args))  # (round 3)
        return results, peak_memory(servers)
    finally:
        for server in servers:
            server.stop()


FEED_COLLECTIONS = ("appointments", "mobile")
FEED_PEERS = ("radicale",)
"""The peers that answer a calendar's GET with its items as one file (Xandikos answers an
HTML page)."""


@dataclass
class FeedWorkload:
    """A subscribing calendar's GETs: of the bridge's subscription file, or of the same
    collections' files on Radicale; ``etags`` holds what was last answered (for a 304)."""

    server: Server
    paths: list[str]
    etags: dict[str, str] = field(default_factory=dict)
    events: int = 0
    """Events in the files of the last full GET (each server must hold the same)."""

    def run(self, op: str) -> float:
        total, events = 0.0, 0
        for path in self.paths:
            conditional = {"If-None-Match": self.etags[path]} if op == "feed-304" else {}
            elapsed, response = request(self.server, "GET", path, None,
                                        {"Accept-Encoding": "identity", **conditional},
                                        expect=(200, 304))
            check(self.server, response, response.status_code == 200 or conditional,
                  f"{op} of {path}: status {response.status_code}")
            check(self.server, response, response.status_code == 304 or not conditional
                  or self.server.name != "bridge", f"{op} of {path}: the bridge did not say 304")
            self.etags[path] = response.headers.get("ETag", "")
            events += response.text.count("BEGIN:VEVENT")  # (a 304 has none)
            total += elapsed
        if op == "feed-full":
            self.events = events
        return total


def bench_feed(workdir: Path, database: str, bridge: Server, peers: list[Server],
               args: argparse.Namespace) -> dict[tuple[str, str], dict[str, float]]:
    printed = run_checked([str(BRIDGE), "--database", database, "subscriptions", "renew", LOGIN,
                           "--server-url", "http://bench"], workdir)
    feed = next(word for word in printed.split() if word.startswith("http://bench/"))
    workloads = {"bridge": FeedWorkload(bridge, [feed.removeprefix("http://bench")])}
    peers = [peer for peer in peers if peer.name in FEED_PEERS]
    workloads.update({peer.name: FeedWorkload(peer, [path_of(name) for name in FEED_COLLECTIONS])
                      for peer in peers})
    results = {}
    for op in ("feed-full", "feed-304"):
        timed = measure(workloads, op, args.warmup, args.repeat, [])
        results[("subscription", op)] = timed
        counts = {name: workload.events for name, workload in workloads.items()}
        if len(set(counts.values())) != 1:
            raise BenchError(f"the subscription and Radicale's files hold other events: {counts}")
        print(f"  subscription  {op:15} " + "  ".join(
            f"{server}: {seconds * 1000:8.1f} ms" for server, seconds in timed.items()),
              flush=True)
    # cold: the first GET after an import changed every mobile appointment (the bridge puts
    # the file together again; Radicale's files are rewritten with the changed items first)
    change_every_appointment(workdir, database, len(COLD) + 1)
    cold = {"bridge": workloads["bridge"].run("feed-full")}
    copy_collection(workdir, bridge, "mobile", peers=FEED_PEERS)
    cold.update({peer.name: workloads[peer.name].run("feed-full") for peer in peers})
    results[("subscription", "cold feed-full")] = cold
    print("  subscription  cold feed-full  " + "  ".join(
        f"{server}: {seconds * 1000:8.1f} ms" for server, seconds in cold.items()), flush=True)
    return results


def cold_read(workdir: Path, database: str, servers: tuple[Server, ...], hrefs: set[str],
              round_: int, op: str) -> dict[str, float]:
    """``op`` on ``mobile/`` as the first read after an import changed every appointment
    (their hrefs stay): on the bridge right after the import, on each peer right after the
    changed items were written to its store."""
    bridge, *peers = servers
    change_every_appointment(workdir, database, round_)
    timed = {"bridge": Workload(bridge, "mobile", hrefs).run(op)}
    copy_collection(workdir, bridge, "mobile", peers=tuple(peer.name for peer in peers))
    timed.update({peer.name: Workload(peer, "mobile", hrefs).run(op) for peer in peers})
    return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated numbers of items per collection")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (median kept)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them")
    parser.add_argument("--collections", default=",".join(COLLECTIONS),
                        help="comma-separated collections to time (default: all four)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    rows, memory = [], {}
    try:
        with scratch("hq-dav-bench-", args.keep) as root:
            for n in (int(size) for size in args.sizes.split(",")):
                timings, memory[n] = bench_size(n, args, root)
                for (name, op), timed in timings.items():
                    rows.append((name, op, n, *(timed.get(server)
                                                for server in ("bridge", *PEERS))))
    except BenchError as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        return 1
    print_table(rows, ("collection", "operation"), PEERS)
    print_memory(memory)
    print(XANDIKOS_NOTE)
    return 0


def print_table(rows: list[tuple], labels: tuple[str, ...],
                peers: tuple[str, ...] = ("radicale",)) -> None:
    """A markdown table of ``rows`` (``*labels, size, bridge s, *each peer's s``; a server
    without a figure: –), sorted by labels and size; each peer's ratio = its time / bridge's."""
    print(f"\n| {' | '.join(labels)} | size | bridge ms | "
          + " | ".join(f"{peer} ms | ratio" for peer in peers) + " |")
    print(f"|{' --- |' * len(labels)} ---: | ---: |" + " ---: | ---: |" * len(peers))
    for row in sorted(rows, key=lambda row: row[:len(labels) + 1]):
        names, n, ours = row[:len(labels)], row[len(labels)], row[len(labels) + 1]
        cells = [f"{ours * 1000:.1f}" if ours else "–"]
        for theirs in row[len(labels) + 2:]:
            cells += [f"{theirs * 1000:.1f}" if theirs else "–",
                      f"{theirs / ours:.2f}" if ours and theirs else "–"]
        print(f"| {' | '.join(names)} | {n:,} | ".replace(",", " ") + " | ".join(cells) + " |")


def print_memory(memory: dict[int, dict[str, float]]) -> None:
    """A markdown table of each server's peak resident memory (MiB) per size."""
    servers = list(next(iter(memory.values()), {}))
    print(f"\n| size | {' | '.join(f'{name} peak RSS MiB' for name in servers)} |\n"
          f"| ---: |{' ---: |' * len(servers)}")
    for n, peaks in memory.items():
        print(f"| {n:,} | ".replace(",", " ")
              + " | ".join(f"{peaks[name]:.0f}" for name in servers) + " |")


if __name__ == "__main__":
    sys.exit(main())
