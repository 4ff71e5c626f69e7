"""Hostile or odd input never gets a 5xx and changes nothing it was refused for.

Over 2 000 generated requests (tests/storage_plugin/hostile.py: iCalendar, vCard, XML bodies
of every method, paths, headers — each class aimed at every kind of collection) against a real
server: no answer is a 5xx, the server keeps answering, HQ's activities and customers and the
read-only collections are as they were, an item refused is not there and an item accepted is.
The counts per class and status are printed (``pytest -s``).
"""

import http.client
import json
from collections import Counter
from typing import Any

from sqlalchemy import Engine, select

from bridge.models import Activity, Customer
from tests.conftest import NOW_ISO, Bridge, WriteExport, appointment
from tests.storage_plugin.conftest import PASSWORD, VISIT_START, Server
from tests.storage_plugin.hostile import (
    BOOKS,
    GENERAL_BOOK,
    GENERAL_CALENDAR,
    READ_ONLY,
    Probe,
    each,
    probes,
    send,
)

REPLACING = {"DELETE", "MOVE", "PUT", "MKCOL", "MKCALENDAR"}
"""Methods that take away what is at or below the path they name (PUT: a whole collection)."""
DEPTH_1 = {"Depth": "1", "Content-Type": "application/xml"}
LISTING = ('<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:displayname/>'
           "</D:prop></D:propfind>")


def hq_rows(engine: Engine) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Every activity and customer as stored, by id."""
    with engine.connect() as connection:
        return {
            table.__tablename__: {row[0]: tuple(row) for row in connection.execute(
                select(*table.__table__.columns).order_by(table.__table__.c.id))}
            for table in (Activity, Customer)
        }


def listing(server: Server, path: str) -> str:
    return server.http("bwilson").request("PROPFIND", server.url + path.lstrip("/"),
                                          data=LISTING, headers=DEPTH_1).text


def prepare(server: Server, hq: Bridge, write_export: WriteExport) -> None:
    """Mobile appointments for bwilson and cdavis, an HQ appointment, a general calendar and
    address book of bwilson's."""
    mobile = [appointment("M-1"), appointment("M-2", representative="cdavis",
                                                  sales_channel="South", customer="C-2001")]
    result = hq("import", "activities", write_export("appointments", mobile), "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", VISIT_START).exit_code == 0
    http = server.http("bwilson")
    assert http.request("MKCALENDAR", server.url + GENERAL_CALENDAR.lstrip("/")).status_code == 201
    made = http.request("MKCOL", server.url + GENERAL_BOOK.lstrip("/"), data=(
        '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
        "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype></D:prop></D:set>"
        "</D:mkcol>"))
    assert made.status_code == 201


def test_hostile_requests_never_get_5xx_and_change_nothing(
        server: Server, hq: Bridge, write_export: WriteExport, engine: Engine) -> None:
    prepare(server, hq, write_export)
    before = hq_rows(engine)
    read_only_before = {path: listing(server, path) for path in READ_ONLY}
    generated = probes()
    statuses: dict[str, Counter[int]] = {}
    failures: list[str] = []
    answered: list[tuple[Probe, int]] = []
    for kind, group in each(generated):
        counts = statuses.setdefault(kind, Counter())
        for probe in group:
            try:
                status = send(server.url, probe, PASSWORD)
            except (http.client.HTTPException, OSError) as error:
                failures.append(f"no valid answer ({error!r}) to {probe.method} "
                                f"{probe.path[:100]} {probe.description[:200]!r}")
                continue
            counts[status] += 1
            answered.append((probe, status))
            if status >= 500:
                failures.append(f"{status} {probe.method} {probe.path[:100]} "
                                f"{probe.headers} {probe.description!r}")
    print("\nhostile requests by class and status:")
    for kind, counts in statuses.items():
        print(f"  {kind:10} {sum(counts.values()):5} requests  "
              + ", ".join(f"{status}×{count}" for status, count in sorted(counts.items())))
    assert not failures, f"{len(failures)} requests failed:\n" + "\n".join(failures[:40])
    assert all(sum(counts.values()) >= 200 for counts in statuses.values())

    assert listing(server, "/bwilson/appointments/").startswith("<?xml")  # still serving
    after = hq_rows(engine)
    assert {key: after["customers"][key] for key in before["customers"]} == before["customers"]
    assert {key: after["activities"][key] for key in before["activities"]} == before["activities"]
    assert {path: listing(server, path) for path in READ_ONLY} == read_only_before
    assert_items_kept_only_when_accepted(server, answered)


def assert_items_kept_only_when_accepted(server: Server, answered: list[tuple[Probe, int]]
                                         ) -> None:
    """An iCalendar or vCard PUT answered 2xx is there to GET (unless a later request took
    it or its collection away); one refused is not."""
    http = server.http("bwilson")
    wrong = []
    for number, (probe, status) in enumerate(answered):
        if probe.kind not in ("icalendar", "vcard"):
            continue
        removed = any(later_status < 300 and later.method in REPLACING
                      and probe.path.startswith(later.path)
                      for later, later_status in answered[number + 1:])
        fetched = http.get(server.url + probe.path.lstrip("/")).status_code
        if removed and fetched == 404:
            continue
        if (status < 300) != (fetched == 200):
            wrong.append(f"PUT {probe.path} answered {status}, then GET {fetched}: "
                         f"{probe.description!r}")
    assert not wrong, "\n".join(wrong[:20])


def test_the_generated_requests_cover_every_class_and_collection() -> None:
    generated = probes()
    assert len(generated) >= 2000
    kinds = Counter(probe.kind for probe in generated)
    assert min(kinds.values()) >= 200 and len(kinds) == 5
    targets = {probe.path.rsplit("/", 1)[0] + "/" for probe in generated
               if probe.kind in ("icalendar", "vcard")}
    assert set(BOOKS) | {GENERAL_CALENDAR} <= targets
    methods = {probe.method for probe in generated if probe.kind == "xml"}
    assert methods == {"PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL"}
    assert json.dumps([probe.path for probe in probes()]) == json.dumps(
        [probe.path for probe in generated])  # seeded: the same run every time
