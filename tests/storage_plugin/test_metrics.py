"""``GET /metrics`` of `bridge serve --workers 2`: Prometheus' text format, counting what every
worker answered, behind the server's metrics token."""

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from storage_plugin.monitoring import kind_of, shown_path
from tests.conftest import opened
from tests.storage_plugin.conftest import (
    PASSWORD,
    Server,
    start_bridge_serve,
    stop_serving,
)
from tests.storage_plugin.test_races import event
from tests.storage_plugin.test_workers import workers_of

TOKEN = "scrape-secret-7f3a"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def two_workers(staff_passwords: None, database_url: str,
                tmp_path: Path) -> Iterator[tuple[Server, subprocess.Popen[bytes]]]:
    served, process = start_bridge_serve(database_url, tmp_path, log_level="warning",
                                         workers=2, storage=f"metrics_token = {TOKEN}")
    yield served, process
    stop_serving(process)


def scrape(server: Server) -> Samples:
    """Every sample of ``/metrics``, parsed as Prometheus parses it."""
    answer = opened(requests.Session()).get(server.url + "metrics",
                                            headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples}


def scrape_until(server: Server, done: Callable[[Samples], bool]) -> Samples:
    """The samples once ``done`` holds for them (or after a few seconds, as they are)."""
    deadline = time.monotonic() + 10
    while not done(samples := scrape(server)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value (0 when it is not there yet: nothing was counted)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(found for (each, have), found in samples.items()
               if each == name and set(labels.items()) <= have)


def fresh(server: Server, login: str = "bwilson", password: str = PASSWORD
          ) -> requests.Session:
    """A session of its own (a connection of its own: any worker may answer it)."""
    session = opened(requests.Session())
    session.auth = (login, password)
    return session


def test_metrics_need_the_token(two_workers: tuple[Server, subprocess.Popen[bytes]]) -> None:
    server, _ = two_workers
    for headers in ({}, {"Authorization": "Bearer wrong"},
                    {"Authorization": f"Basic {TOKEN}"}):
        answer = opened(requests.Session()).get(server.url + "metrics", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "bridge_requests_total" not in answer.text


def test_requests_of_both_workers_are_counted(
        two_workers: tuple[Server, subprocess.Popen[bytes]]) -> None:
    server, _ = two_workers
    before = scrape(server)
    calendar = server.url + "bwilson/appointments/"
    for _ in range(12):  # (each on a connection of its own: both workers answer some)
        answer = fresh(server).request("PROPFIND", calendar, headers={"Depth": "1"})
        assert answer.status_code == 207
    put = fresh(server).put(calendar + "metrics-1.ics", data=event("metrics-1", "Visit"),
                            headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201, put.text
    refused = [fresh(server, password="wrong").request("PROPFIND", calendar).status_code
               for _ in range(8)]
    assert refused[:5] == [401] * 5 and 429 in refused
    # (a request is counted once its answer is sent: a moment after the client has it)
    after = scrape_until(server, lambda samples: total(
        samples, "bridge_request_duration_seconds_count", method="PROPFIND") - total(
        before, "bridge_request_duration_seconds_count", method="PROPFIND") >= 20)

    propfinds = {"method": "PROPFIND", "kind": "appointments"}
    assert value(after, "bridge_requests_total", **propfinds, status="207") - \
        value(before, "bridge_requests_total", **propfinds, status="207") == 12
    assert value(after, "bridge_request_duration_seconds_count", **propfinds) - \
        value(before, "bridge_request_duration_seconds_count", **propfinds) == 12 + 8
    assert value(after, "bridge_requests_total", method="PUT", kind="appointments",
                 status="201") - value(before, "bridge_requests_total", method="PUT",
                                       kind="appointments", status="201") == 1
    # (the scrape itself is counted too, as it is answered)
    assert value(after, "bridge_requests_total", method="GET", kind="monitoring",
                 status="200") >= 1
    assert total(after, "bridge_write_lock_wait_seconds_count") > \
        total(before, "bridge_write_lock_wait_seconds_count")
    assert total(after, "bridge_write_lock_held_seconds_count") > \
        total(before, "bridge_write_lock_held_seconds_count")
    assert total(after, "bridge_sign_in_failures_total", place="calendar server") - \
        total(before, "bridge_sign_in_failures_total", place="calendar server") == \
        refused.count(401)
    assert total(after, "bridge_sign_in_throttled_total") - \
        total(before, "bridge_sign_in_throttled_total") == refused.count(429)


def test_a_process_that_just_began_counting_does_not_fail_the_page(
        two_workers: tuple[Server, subprocess.Popen[bytes]]) -> None:
    """A process's file of counts is created empty, then sized: a scrape in between reads the
    others' counts (it had answered 500, prometheus_client failing on the empty file)."""
    server, process = two_workers
    before = scrape(server)
    starting = counts_directory(process) / "counter_4194305.db"  # (above any pid Linux gives)
    starting.touch()
    try:
        during = scrape(server)
    finally:
        starting.unlink()
    assert total(during, "bridge_requests_total", method="GET", kind="monitoring") > \
        total(before, "bridge_requests_total", method="GET", kind="monitoring")


def counts_directory(process: subprocess.Popen[bytes]) -> Path:
    """Where the workers of the server ``process`` keep their counts (a directory of the
    temporary ones, holding a file of one of them)."""
    workers = workers_of(process)
    found = {path.parent for path in Path(tempfile.gettempdir()).glob("bridge-metrics-*/*.db")
             if int(path.stem.rsplit("_", 1)[-1]) in workers}
    assert len(found) == 1, found
    return found.pop()


def test_database_counts_and_the_render_cache(
        two_workers: tuple[Server, subprocess.Popen[bytes]]) -> None:
    server, _ = two_workers
    samples = scrape(server)
    # (tests.conftest.hq imported the employees and the customers)
    assert value(samples, "bridge_import_runs_total", database="default", job="customers",
                 outcome="succeeded") == 1
    assert value(samples, "bridge_import_rows_total", database="default", job="customers",
                 count="read") == 2
    assert value(samples, "bridge_kept_client_values_open", database="default") == 0
    report = ('<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
              '<D:prop><D:getetag/><C:address-data/></D:prop></C:addressbook-query>')
    answer = fresh(server).request("REPORT", server.url + "bwilson/customers/", data=report,
                                   headers={"Depth": "1", "Content-Type": "application/xml"})
    assert answer.status_code == 207, answer.text
    after = scrape(server)
    assert total(after, "bridge_render_cache_lookups_total", kind="customer") > \
        total(samples, "bridge_render_cache_lookups_total", kind="customer")


def test_kinds_and_shown_paths() -> None:
    assert kind_of("/") == "root"
    assert kind_of("/bwilson/") == "principal"
    assert kind_of("/bwilson/appointments/x.ics") == "appointments"
    assert kind_of("/bwilson/private/") == "other"
    assert kind_of("/us/bwilson/customers/", {"us"}) == "customers"
    assert kind_of("/cockpit/activities") == "cockpit"
    assert kind_of("/feeds/abc.ics") == "feeds"
    environ = {"PATH_INFO": "/feeds/Zx81-secret_value.ics", "QUERY_STRING": "token=abc&x"}
    assert shown_path(environ) == "/feeds/***.ics?token=***&x"
    assert shown_path({"SCRIPT_NAME": "/us", "PATH_INFO": "/cockpit/imports/preview/tok3n"}) \
        == "/us/cockpit/imports/preview/***"
