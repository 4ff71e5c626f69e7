"""What load balancers and orchestrators ask `bridge serve` — ``/healthz``, ``/readyz`` — and
a browser's ``/favicon.ico``: answered without signing in, over real HTTP; and the server's
log: an access log line per request (its secrets masked), no start-up remarks, normal
refusals as INFO."""

import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from bridge.infra.readiness import SCHEMA_REVISION
from tests.clock import day, stamp
from tests.conftest import Bridge, opened
from tests.storage_plugin.conftest import Server, start_bridge_serve, stop_serving
from tests.storage_plugin.test_metrics import Samples, scrape_until, total
from tests.storage_plugin.test_races import event
from tests.storage_plugin.test_window_writes import FAR, SET_WINDOW


def get(server: Server, path: str) -> requests.Response:
    """GET without credentials."""
    return opened(requests.Session()).get(server.url + path, allow_redirects=False)


@pytest.fixture
def three_databases(staff_passwords: None, database_url: str, tmp_path: Path
                    ) -> Iterator[tuple[Server, subprocess.Popen[bytes]]]:
    """A server of three databases: the test database (ready), one a revision behind this
    version's schema, one whose server cannot be reached."""
    behind = tmp_path / "behind.db"
    with sqlite3.connect(behind) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES (?)",
                           (f"{int(SCHEMA_REVISION) - 1:04d}",))
    connection.close()
    catalog = tmp_path / "databases.ini"
    catalog.write_text(f"[database main]\nurl = {database_url}\ndefault = yes\n"
                       f"[database behind]\ntitle = Behind\nurl = sqlite:///{behind}\n"
                       "[database down]\ntitle = Down Under\n"
                       "url = postgresql+psycopg://nobody@127.0.0.1:9/nothing\n",
                       encoding="utf-8")
    served, process = start_bridge_serve("", tmp_path, "warning", catalog=catalog)
    yield served, process
    stop_serving(process)


def test_health_readiness_and_favicon_without_signing_in(
        three_databases: tuple[Server, subprocess.Popen[bytes]]) -> None:
    server, _ = three_databases
    healthy = get(server, "healthz")
    assert healthy.status_code == 200 and healthy.text == "ok\n"
    assert "WWW-Authenticate" not in healthy.headers

    ready = get(server, "readyz")
    assert ready.status_code == 503, ready.text
    assert "database behind (Behind): not upgraded yet" in ready.text
    assert "database down (Down Under): not reachable" in ready.text
    assert "main" not in ready.text
    assert "WWW-Authenticate" not in ready.headers

    icon = get(server, "favicon.ico")
    assert icon.status_code in (200, 204, 404)
    assert "WWW-Authenticate" not in icon.headers


def test_a_503_is_counted_by_its_cause(
        three_databases: tuple[Server, subprocess.Popen[bytes]]) -> None:
    server, _ = three_databases  # (one process, no metrics token)

    def unavailable(samples: Samples) -> float:
        return total(samples, "bridge_unavailable_answers_total", cause="database")

    before = scrape_until(server, lambda _: True)
    answer = opened(requests.Session()).request("PROPFIND", server.url + "behind/bwilson/")
    assert answer.status_code == 503 and "Behind is not upgraded yet" in answer.text
    after = scrape_until(server, lambda samples: unavailable(samples) > unavailable(before))
    assert unavailable(after) - unavailable(before) == 1
    assert total(after, "bridge_requests_total", method="PROPFIND", status="503") >= 1


def test_the_access_log_and_no_noise(staff_passwords: None, hq: Bridge, database_url: str,
                                     tmp_path: Path) -> None:
    assert hq(*SET_WINDOW).exit_code == 0
    server, process = start_bridge_serve(database_url, tmp_path, "info",
                                         storage="access_log = True")
    log = tmp_path / f"serve-{urlparse(server.url).port}.log"
    try:
        ready = get(server, "readyz")
        assert ready.status_code == 200 and ready.text == "ready: default\n"
        http = server.http("bwilson")
        assert http.request("PROPFIND", server.url + "bwilson/appointments/",
                            headers={"Depth": "0"}).status_code == 207
        beyond = http.put(server.url + "bwilson/appointments/fair.ics",
                          data=FAR.format(uid="fair", day=stamp(day(835))),
                          headers={"Content-Type": "text/calendar"})
        assert beyond.status_code == 403
        read_only = http.put(server.url + "bwilson/mobile/mine.ics", data=event("mine", "x"),
                             headers={"Content-Type": "text/calendar"})
        assert read_only.status_code == 403
        feed = get(server, "feeds/Sup3rSecretFeedValue.ics?token=QuerySecret1&x=")
        assert feed.status_code == 404
        deadline = time.monotonic() + 10
        while "/feeds/" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
    finally:
        stop_serving(process)
    text = log.read_text(errors="replace")
    lines = [line for line in text.splitlines() if "[INFO] 127.0.0.1 " in line]
    assert any(re.search(r'\[INFO\] 127\.0\.0\.1 - "GET /readyz" 200 15 B \d+ ms$', line)
               for line in lines), lines
    assert any(re.search(r'bwilson "PROPFIND /bwilson/appointments/" 207 [1-9]\d* B \d+ ms$',
                         line) for line in lines), lines
    assert any('bwilson "PUT /bwilson/appointments/fair.ics" 403 ' in line
               for line in lines), lines
    assert any(' - "GET /feeds/***.ics?token=***&x" 404 ' in line for line in lines), lines
    assert "Sup3rSecret" not in text and "QuerySecret1" not in text
    assert "Logging level set to" not in text and "Logging of backtrace" not in text
    assert "[ERROR]" not in text and "Errno 13" not in text, text
    assert "[INFO] Refused PUT request on '/bwilson/" in text, text
