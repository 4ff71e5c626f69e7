"""One client's costliest requests never stall another client: while one client sends the
costliest requests it can (``hostile.costly``: items at and over the size limits, a century
expanded, a hundred text filters over every item, every property of every item…), a phone
keeps polling its calendars, and none of its polls fails or times out. The poll latencies
are figures of ``bench/fairness_bench.py``, not asserted here."""

import statistics
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.clock import NOW_ISO, iso
from tests.conftest import Bridge, WriteExport, appointment
from tests.storage_plugin.conftest import PASSWORD, start_bridge_serve, stop_serving
from tests.storage_plugin.hostile import GENERAL_CALENDAR, costly, send
from tests.storage_plugin.test_sync import sync_collection

CTAG = ('<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop><CS:getctag/>'
        '<sync-token/></prop></propfind>')
POLL_TIMEOUT = 30


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "2 workers"])
def test_a_costly_client_never_stalls_a_polling_one(
        staff_passwords: None, hq: Bridge, write_export: WriteExport, database_url: str,
        tmp_path: Path, workers: int) -> None:
    imported = hq("import", "activities", write_export("appointments", [
        appointment(f"MA-{n}", start=iso(n % 28 + 6, "09:00"), end=iso(n % 28 + 6, "10:00"))
        for n in range(200)]),
                  "--now", NOW_ISO)
    assert imported.exit_code == 0, imported.output
    server, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         workers=workers)
    try:
        phone = server.http("bwilson")
        assert phone.request("MKCALENDAR", server.url + GENERAL_CALENDAR.lstrip("/")).ok
        token = sync_collection(server, "bwilson", "bwilson/mobile/")[0]
        costly_answers: list[int] = []
        polls: list[float] = []
        failed: list[str] = []
        done = threading.Event()

        def hostile() -> None:
            for probe in costly():
                costly_answers.append(send(server.url, probe, PASSWORD))
            done.set()

        sender = threading.Thread(target=hostile)
        sender.start()
        while not done.is_set():
            started = time.monotonic()
            try:
                ctag = phone.request("PROPFIND", server.url + "bwilson/appointments/",
                                     data=CTAG, headers={"Depth": "0"}, timeout=POLL_TIMEOUT)
                sync = phone.request("REPORT", server.url + "bwilson/mobile/", data=(
                    '<sync-collection xmlns="DAV:"><sync-token>' + token + '</sync-token>'
                    "<sync-level>1</sync-level><prop><getetag/></prop></sync-collection>"),
                    timeout=POLL_TIMEOUT)
                if (ctag.status_code, sync.status_code) != (207, 207):
                    failed.append(f"{ctag.status_code} {sync.status_code}")
            except requests.RequestException as error:
                failed.append(type(error).__name__)
            polls.append(time.monotonic() - started)
        sender.join()
    finally:
        stop_serving(process)
    cuts = (statistics.quantiles(polls, n=100, method="inclusive") if len(polls) > 1
            else polls * 99)
    print(f"\n{len(polls)} polls beside {len(costly_answers)} costly requests on {workers} "
          f"process(es): p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
          f"max {max(polls) * 1000:.0f} ms; costly answers {sorted(set(costly_answers))}")
    assert not failed
    assert all(status < 500 for status in costly_answers), costly_answers
