"""No lost update: a write's precondition check and the write itself exclude every other
writer — other requests (threads of one server, workers of `bridge serve --workers`, another
server process on one database), HQ commands and imports — on SQLite and on PostgreSQL.

Each race is run in rounds; a round starts all its writers at once (a barrier) and then
checks what a user would: exactly one winner, nothing written over a newer version, every
creation stored under its own number, no change missing from a client's incremental sync.
Each test prints its outcomes per round (``pytest -s``).
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.clock import NOW_ISO, day, iso, local_stamp
from tests.conftest import (
    MODIFIED_AT,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    race,
    run_command,
)
from tests.storage_plugin.conftest import DUE, VISIT_DAYS, Server, start_bridge_serve, stop_serving
from tests.storage_plugin.test_sync import sync_collection

ROUNDS = 5
CLIENTS = 16


def event(uid: str, summary: str, days: int = VISIT_DAYS) -> str:
    """An event ``days`` from today, 10:00-11:00 in Warsaw."""
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tests//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nSUMMARY:{summary}\n"
        f"DTSTART;TZID=Europe/Warsaw:{local_stamp(days, '10:00')}\n"
        f"DTEND;TZID=Europe/Warsaw:{local_stamp(days, '11:00')}\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )


@pytest.fixture(params=["threads", "workers"])
def servers(request: pytest.FixtureRequest, staff_passwords: None, database_url: str,
            tmp_path: Path) -> Iterator[list[Server]]:
    """`bridge serve`: one process with many threads, or `--workers 2` (processes) and a second
    server process, both on one database (test_workers.py races 4 workers). Each server is a
    process of its own, as in production: served from a thread of the tests' process, a write
    lock's holder shared the interpreter lock with the racing clients' threads and the tests'
    heap, and a stalled tests' process kept an HQ command waiting past its 30 s (CI, SQLite)."""
    started = [start_bridge_serve(database_url, tmp_path, log_level="warning", workers=workers)
               for workers in ((1,) if request.param == "threads" else (2, 1))]
    yield [served for served, _ in started]
    for _, process in started:
        stop_serving(process)


def client(servers: list[Server], index: int) -> tuple[Server, requests.Session]:
    served = servers[index % len(servers)]
    return served, served.http("bwilson")


COLLECTIONS = {"hq": "bwilson/appointments/", "stored": "bwilson/private/"}


@pytest.mark.parametrize("where", COLLECTIONS)
@pytest.mark.parametrize("mix", ["puts", "puts-and-deletes"])
def test_racing_if_match_writes_to_one_item_have_exactly_one_winner(
        servers: list[Server], hq: Bridge, where: str, mix: str) -> None:
    base = COLLECTIONS[where]
    first, http = client(servers, 0)
    if where == "stored":
        assert http.request("MKCALENDAR", first.url + base).status_code == 201
    winners = [_if_match_round(servers, http, base, mix, f"race-{round_}")
               for round_ in range(ROUNDS)]
    print(f"\n{where}/{mix} on {len(servers)} server(s): winners per round {winners}")


def _if_match_round(servers: list[Server], http: requests.Session, base: str, mix: str,
                    uid: str) -> int:
    """One round: an item ``uid`` created in ``base``, then CLIENTS writers at once with its
    ETag as their If-Match; checks the one winner and returns the count of winners."""
    url = f"{servers[0].url}{base}{uid}.ics"
    created = http.put(url, data=event(uid, "Race"), headers={"If-None-Match": "*"})
    assert created.status_code == 201, created.text
    etag = http.get(url).headers["ETag"]

    def write(index: int) -> tuple[str, int]:
        served, session = client(servers, index)
        target = f"{served.url}{base}{uid}.ics"
        if mix == "puts-and-deletes" and index % 2:
            return "delete", session.delete(target, headers={"If-Match": etag}).status_code
        days = index + 15  # each writer its own version, none equal to the original's
        response = session.put(target, data=event(uid, "Race", days=days),
                               headers={"If-Match": etag})
        return f"put {days}", response.status_code

    outcomes = race([lambda i=i: write(i) for i in range(CLIENTS)])
    won = [what for what, status in outcomes if 200 <= status < 300]
    assert len(won) == 1, outcomes
    assert all(status in (412, 404) for _, status in outcomes
               if not 200 <= status < 300), outcomes
    assert not any(status == 404 for what, status in outcomes if what != "delete"), outcomes
    after = http.get(url)
    if won[0] == "delete":
        assert after.status_code == 404
    else:
        days = int(won[0].split()[1])
        assert local_stamp(days, "10:00") in after.text
    return len(won)


def test_a_stale_put_racing_an_hq_edit_never_overwrites_it(
        servers: list[Server], hq: Bridge, database_url: str) -> None:
    assert hq("settings", "set", "bwilson", "--text-priority", "client").exit_code == 0
    first, http = client(servers, 0)
    outcomes: Counter[str] = Counter()
    for round_ in range(ROUNDS):
        status = _stale_put_round(http, hq, database_url, first.url, round_)
        outcomes["client first, then HQ" if status == 204 else "HQ first, client 412"] += 1
    print(f"\nstale PUT vs HQ edit on {len(servers)} server(s): {dict(outcomes)}")


def _stale_put_round(http: requests.Session, hq: Bridge, database_url: str,
                     root: str, round_: int) -> int:
    """One round: a client's PUT with a stale If-Match against an HQ edit of the item, at
    once; checks that the HQ edit is kept and returns the PUT's status."""
    url = f"{root}bwilson/appointments/edit-{round_}.ics"
    assert http.put(url, data=event(f"edit-{round_}", f"Original {round_}")).status_code \
        == 201
    fetched = http.get(url)
    [number] = [a["number"] for a in activities_json(hq) if a["name"] == f"Original {round_}"]
    stale = fetched.headers["ETag"]

    # Released together; in some rounds one of the two is held back a little, so that
    # both orders and a true tie all happen.
    delays = [(0, 0), (0.03, 0), (0, 0.03)][round_ % 3]

    def client_write() -> int:
        time.sleep(delays[0])
        return http.put(url, data=event(f"edit-{round_}", f"{number} Client {round_}",
                                        days=25), headers={"If-Match": stale}).status_code

    def hq_edit() -> None:
        time.sleep(delays[1])
        run_command(database_url, "activities", "edit", number, "--name", f"HQ {round_}")

    status, _ = race([client_write, hq_edit])
    [activity] = [a for a in activities_json(hq) if a["number"] == number]
    assert activity["name"] == f"HQ {round_}", (status, activity)
    assert status in (204, 412)
    expected_day = day(25) if status == 204 else day(VISIT_DAYS)
    assert activity["start"].startswith(expected_day.isoformat()), (status, activity)
    return int(status)


def test_concurrent_creations_are_all_stored_with_unique_numbers(
        servers: list[Server], hq: Bridge, database_url: str) -> None:
    def create(round_: int, index: int) -> int:
        if index % 4 == 3:
            run_command(database_url, "activities", "add", "-r", "cdavis", "--name",
                        f"HQ {round_}-{index}", "--start", iso(15, "09:00"))
            return 201
        served, _ = client(servers, index)
        login = ("bwilson", "cdavis")[index % 2]
        response = served.http(login).put(
            f"{served.url}{login}/appointments/new-{round_}-{index}.ics",
            data=event(f"new-{round_}-{index}", f"Client {round_}-{index}"),
            headers={"If-None-Match": "*"})
        return response.status_code

    for round_ in range(ROUNDS):
        creations = [lambda r=round_, i=i: create(r, i) for i in range(CLIENTS)]
        assert race(creations) == [201] * CLIENTS
    activities = activities_json(hq)
    assert len(activities) == ROUNDS * CLIENTS
    numbers = Counter(a["number"][:2] for a in activities)
    assert numbers == {"CL": ROUNDS * 12, "HQ": ROUNDS * 4}
    for prefix, count in numbers.items():
        assert sorted(a["number"] for a in activities if a["number"].startswith(prefix)) == [
            f"{prefix}-{n:06d}" for n in range(1, count + 1)]
    print(f"\ncreations on {len(servers)} server(s): {dict(numbers)} stored, numbers "
          "gapless and unique")


TODO_TEXT = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tests//EN\nBEGIN:VTODO\nUID:{uid}\n"
             "SUMMARY:{summary}\nDUE:" + DUE + "\nEND:VTODO\nEND:VCALENDAR\n")


def test_incremental_sync_from_the_first_token_misses_no_change(
        servers: list[Server], hq: Bridge, database_url: str,
        write_export: WriteExport) -> None:
    for name in ("Visit 1", "Visit 2"):
        assert hq("activities", "add", "-r", "bwilson", "--name", name,
                  "--start", iso(13, "09:00")).exit_code == 0
    mobile = [appointment(f"MA-{n}") for n in range(1, 4)]
    assert hq("import", "activities", write_export("appointments", mobile),
              "--now", NOW_ISO).exit_code == 0
    paths = ["bwilson/appointments/", "bwilson/tasks/", "bwilson/mobile/"]
    readers = [servers[-1], servers[0]]  # the representative's phone and their manager's PC
    logins = ["bwilson", "awhite"]
    tokens = [{path: sync_collection(reader, login, path)[0] for path in paths}
              for reader, login in zip(readers, logins, strict=True)]
    reported_per_round = [
        _sync_round(servers, database_url, write_export, readers, logins, tokens, round_)
        for round_ in range(ROUNDS)]
    print(f"\nsync from the first token, 2 clients, {len(servers)} server(s): changes reported "
          f"per round and client {reported_per_round}, none missed")


def _sync_round(servers: list[Server], database_url: str, write_export: WriteExport,
                readers: list[Server], logins: list[str], tokens: list[dict[str, str]],
                round_: int) -> list[int]:
    """One round: client PUTs, HQ edits and a mobile import at once, while each reader syncs
    its collections from its last token until the writers are done (``tokens`` moves on);
    checks that no reader missed a change and returns the count each one saw."""
    paths = list(tokens[0])
    written: dict[str, set[str]] = {path: set() for path in paths}
    seen = [{path: set() for path in paths} for _ in readers]
    pending = [0]
    lock = threading.Lock()

    def writer(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            finally:
                with lock:
                    pending[0] -= 1
        return run

    def client_put(index: int) -> None:
        served, session = client(servers, index)
        path = paths[index % 2]
        href = f"sync-{round_}-{index}.ics"
        text = (event(href, f"Sync {round_}") if path.endswith("appointments/")
                else TODO_TEXT.format(uid=href, summary=f"Sync {round_}"))
        assert session.put(served.url + path + href, data=text).status_code == 201
        written[path].add(href)

    def hq_edit(number: str) -> None:
        run_command(database_url, "activities", "edit", number, "--name", f"R{round_}")
        written[paths[0]].add(f"{number}.ics")

    def mobile_import() -> None:
        modified = datetime.fromisoformat(MODIFIED_AT) + timedelta(minutes=round_ + 1)
        changed = [appointment(f"MA-{n}", name=f"Round {round_}",
                               modified_at=modified.isoformat())
                   for n in range(1, 4)]
        run_command(database_url, "import", "activities",
                    str(write_export("appointments", changed)), "--now", NOW_ISO)
        written[paths[2]].update(f"mobile-MA-{n}.ics" for n in range(1, 4))

    def read(index: int) -> None:
        connection = readers[index].http(logins[index])  # (a client keeps its connection)
        while True:
            with lock:
                last = pending[0] == 0
            for path in paths:
                tokens[index][path], changed, gone = sync_collection(
                    readers[index], logins[index], path, tokens[index][path], connection)
                seen[index][path] |= changed | gone
            if last:
                return

    writers = [writer(lambda i=i: client_put(i)) for i in range(4)]
    writers += [writer(lambda n=n: hq_edit(n)) for n in ("HQ-000001", "HQ-000002")]
    writers.append(writer(mobile_import))
    pending[0] = len(writers)
    race([*writers, *(lambda i=i: read(i) for i in range(len(readers)))])
    for reader_seen in seen:
        for path in paths:
            missed = written[path] - reader_seen[path]
            assert not missed, (path, missed)
    return [sum(map(len, reader_seen.values())) for reader_seen in seen]

