"""Several HQ databases behind one `bridge serve`: each reached by its own address or by the
realm of the login, and nothing of one database visible, writable or guessable from another.

Both databases hold the same demo data (the same seed and clock: on SQLite a copy of the
file, on PostgreSQL a second load), so ids, numbers, hrefs and UIDs are the same in both;
every crossing below would succeed if the server mixed them up. The second database is a copy
on SQLite and, when BRIDGE_TEST_DATABASE_URL is set, PostgreSQL.
"""

import base64
import http.client
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import caldav
import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bridge.demo import demo_password, load_demo
from bridge.infra.db import make_engine
from bridge.infra.schema import upgrade
from bridge.infra.secrets import shared_secret
from bridge.models import Base
from tests.clock import NOW, at, stamp
from tests.conftest import TEST_DATABASE_ENV, opened
from tests.storage_plugin.conftest import BRIDGE, Server, start_bridge_serve, stop_serving
from tests.storage_plugin.test_vdirsyncer import Vdirsyncer, files
from tests.web.conftest import csrf_token, sign_in

US_PASSWORD = "us-only-password-2026"
"""bwilson's password in the second database (the first keeps the demo's)."""
EMEA_PASSWORD = demo_password("bwilson")
SYNC_TOKEN = '<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>'
NEW_EVENT = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//databases//EN
BEGIN:VEVENT
UID:{{uid}}
DTSTAMP:{stamp(NOW)}
DTSTART:{stamp(at(41, "09:00", "UTC"))}
DTEND:{stamp(at(41, "10:00", "UTC"))}
SUMMARY:{{summary}}
END:VEVENT
END:VCALENDAR
"""


@dataclass
class TwoDatabases:
    server: Server
    catalog: Path
    emea_url: str
    us_url: str
    root: Path

    def http(self, login: str, password: str) -> requests.Session:
        return self.server.http(login, password)

    def emea(self) -> requests.Session:
        """bwilson of the default database (no realm needed)."""
        return self.http("bwilson", EMEA_PASSWORD)

    def us(self) -> requests.Session:
        return self.http("bwilson@us", US_PASSWORD)

    def bridge(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BRIDGE, "--databases", str(self.catalog), *args],
                              capture_output=True, text=True, timeout=120, check=False)


def _load_demo(url: str, data_dir: Path) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":  # the shared test database: emptied first
        upgrade(engine)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    load_demo(engine, data_dir, NOW, 2026, "tester")
    engine.dispose()


def _second_database(kind: str, emea: Path, root: Path) -> str:
    if kind == "sqlite":
        copy = root / "us.db"
        shutil.copyfile(emea, copy)  # every id, mark and key the same
        return f"sqlite:///{copy}"
    url = os.environ.get(TEST_DATABASE_ENV)
    if not url:
        pytest.skip(f"{TEST_DATABASE_ENV} is not set: no PostgreSQL database for the second one")
    _load_demo(url, root / "us-demo")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[TwoDatabases]:
    root = tmp_path_factory.mktemp(f"databases-{request.param}")
    emea = root / "emea.db"
    _load_demo(f"sqlite:///{emea}", root / "emea-demo")
    engine = make_engine(f"sqlite:///{emea}")
    shared_secret(engine, "cockpit-session")  # a copy of the file has the same cockpit key
    engine.dispose()
    us_url = _second_database(request.param, emea, root)
    (root / "never-prepared.db").touch()
    (root / "not-a-database.db").write_bytes(b"this is no SQLite file " * 100)
    catalog = root / "databases.ini"
    catalog.write_text(f"""\
[database emea]
title = Europe, Middle East and Africa
url = sqlite:///{emea}
default = yes

[database us]
title = United States
url = {us_url}

[database down]
title = Down Under
url = postgresql+psycopg://nobody@127.0.0.1:9/nothing

[database fresh]
title = Not prepared
url = sqlite:///{root / "never-prepared.db"}

[database garbage]
title = Garbage
url = sqlite:///{root / "not-a-database.db"}
""", encoding="utf-8")
    result = subprocess.run([BRIDGE, "--databases", str(catalog), "--db", "us", "employees",
                             "set-password", "bwilson", "--password-stdin"],
                            input=US_PASSWORD + "\n", capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    server, process = start_bridge_serve("", root, "warning", catalog=catalog)
    yield TwoDatabases(server, catalog, f"sqlite:///{emea}", us_url, root)
    stop_serving(process)


def _items(session: requests.Session, url: str) -> dict[str, str]:
    """href → ETag of a collection's items (PROPFIND Depth 1)."""
    answer = session.request("PROPFIND", url, headers={"Depth": "1"},
                             data='<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>')
    assert answer.status_code == 207, answer.text
    found = {}
    for response in ET.fromstring(answer.content).iter("{DAV:}response"):
        etag = response.find(".//{DAV:}getetag")
        if etag is not None and etag.text:
            found[response.findtext("{DAV:}href")] = etag.text
    return found


def _token(session: requests.Session, url: str) -> str:
    answer = session.request("PROPFIND", url, headers={"Depth": "0"}, data=SYNC_TOKEN)
    assert answer.status_code == 207, answer.text
    return ET.fromstring(answer.content).findtext(".//{DAV:}sync-token")


def _sync(session: requests.Session, url: str, token: str) -> requests.Response:
    return session.request("REPORT", url, headers={"Depth": "1"}, data=(
        '<sync-collection xmlns="DAV:"><sync-token>' + token + '</sync-token>'
        '<sync-level>1</sync-level><prop><getetag/></prop></sync-collection>'))


def _hrefs(items: dict[str, str], prefix: str) -> set[str]:
    return {href.removeprefix(prefix) for href in items}


def _put_new(session: requests.Session, url: str, uid: str) -> requests.Response:
    return session.put(url, data=NEW_EVENT.format(uid=uid, summary=f"Visit {uid}"),
                       headers={"Content-Type": "text/calendar", "If-None-Match": "*"})


def test_a_client_discovers_each_database_from_the_server_address(two: TwoDatabases) -> None:
    found = {}
    for login, password in (("bwilson", EMEA_PASSWORD), ("bwilson@emea", EMEA_PASSWORD),
                            ("bwilson@us", US_PASSWORD), ("bwilson%40us", US_PASSWORD)):
        principal = opened(caldav.DAVClient(url=two.server.url, username=login,
                                            password=password)).principal()
        calendars = {str(calendar.url).removeprefix(two.server.url): calendar
                     for calendar in principal.calendars()}
        found[login] = calendars
        events = calendars[next(path for path in calendars if path.endswith("appointments/"))]
        assert events.events(), f"{login} sees no appointments"
    assert sorted(found["bwilson"]) == sorted(found["bwilson@emea"]) == [
        "bwilson/appointments/", "bwilson/mobile/", "bwilson/tasks/"]
    assert sorted(found["bwilson@us"]) == sorted(found["bwilson%40us"]) == [
        "us/bwilson/appointments/", "us/bwilson/mobile/", "us/bwilson/tasks/"]
    # the same data in both: the same hrefs (and so the same UIDs and numbers)
    emea = _items(two.emea(), two.server.url + "bwilson/appointments/")
    us = _items(two.us(), two.server.url + "us/bwilson/appointments/")
    assert _hrefs(emea, "/bwilson/") == _hrefs(us, "/us/bwilson/") and emea


def test_find_a_time_asks_the_database_of_the_login(two: TwoDatabases) -> None:
    principal = opened(caldav.DAVClient(url=two.server.url, username="bwilson@us",
                                        password=US_PASSWORD)).principal()
    assert str(principal.schedule_outbox().url) == f"{two.server.url}us/scheduling/bwilson/outbox/"
    address, home = principal.calendar_user_address_set()
    assert address.startswith("mailto:") and home == "/us/bwilson/"
    answers = principal.freebusy_request(at(0, "00:00"), at(28, "00:00"), [address])
    assert answers["errors"] == {} and "FREEBUSY" in answers[address].data


def test_the_same_login_is_two_representatives_with_two_passwords(two: TwoDatabases) -> None:
    emea, us = two.server.url + "bwilson/", two.server.url + "us/bwilson/"
    cases = [  # login, password, address → status
        ("bwilson", EMEA_PASSWORD, emea, 207), ("bwilson@us", US_PASSWORD, us, 207),
        ("bwilson", US_PASSWORD, us, 207),  # no realm: the database of the address
        ("bwilson@us", EMEA_PASSWORD, us, 401), ("bwilson", EMEA_PASSWORD, us, 401),
        ("bwilson", US_PASSWORD, emea, 401), ("bwilson@emea", US_PASSWORD, emea, 401),
    ]
    for login, password, url, status in cases:
        answer = two.http(login, password).request("PROPFIND", url, headers={"Depth": "0"})
        assert answer.status_code == status, (login, password, url, answer.text)


def test_an_address_of_one_database_is_refused_to_a_login_of_the_other(
        two: TwoDatabases) -> None:
    emea_items = _items(two.emea(), two.server.url + "bwilson/appointments/")
    href = next(iter(emea_items))
    us_href = "/us" + href
    for session, url in ((two.http("bwilson@emea", EMEA_PASSWORD), two.server.url + us_href),
                         (two.us(), two.server.url.rstrip("/") + href),
                         (two.us(), two.server.url + "bwilson/appointments/")):
        for method, headers in (("GET", {}), ("PROPFIND", {"Depth": "1"}), ("DELETE", {})):
            answer = session.request(method, url, headers=headers)
            assert answer.status_code == 403, (method, url, answer.status_code, answer.text)
            assert "BEGIN:VCALENDAR" not in answer.text and "<response>" not in answer.text
    assert _items(two.emea(), two.server.url + "bwilson/appointments/") == emea_items


def test_a_sync_token_of_one_database_is_invalid_in_the_other(two: TwoDatabases) -> None:
    emea_calendar = two.server.url + "bwilson/appointments/"
    us_calendar = two.server.url + "us/bwilson/appointments/"
    answer = _put_new(two.emea(), emea_calendar + "token-test.ics", "token-test@example.com")
    assert answer.status_code == 201, answer.text
    emea_token, us_token = _token(two.emea(), emea_calendar), _token(two.us(), us_calendar)
    assert emea_token != us_token

    refused = _sync(two.us(), us_calendar, emea_token)
    assert refused.status_code == 403 and "valid-sync-token" in refused.text, refused.text
    assert _sync(two.us(), us_calendar, us_token).status_code == 207
    refused = _sync(two.emea(), emea_calendar, us_token)
    assert refused.status_code == 403 and "valid-sync-token" in refused.text, refused.text


def test_an_etag_of_one_database_does_not_match_in_the_other(two: TwoDatabases) -> None:
    calendar = "bwilson/appointments/etag-test.ics"
    for session, prefix in ((two.emea(), ""), (two.us(), "us/")):
        assert _put_new(session, two.server.url + prefix + calendar,
                        "etag-test@example.com").status_code == 201
    emea_etag = two.emea().get(two.server.url + calendar).headers["ETag"]
    us_before = two.us().get(two.server.url + "us/" + calendar)

    answer = two.us().put(two.server.url + "us/" + calendar,
                          data=NEW_EVENT.format(uid="etag-test@example.com", summary="Crossed"),
                          headers={"Content-Type": "text/calendar", "If-Match": emea_etag})
    assert answer.status_code == 412, answer.text
    us_after = two.us().get(two.server.url + "us/" + calendar)
    assert (us_after.text, us_after.headers["ETag"]) == (us_before.text,
                                                           us_before.headers["ETag"])


def test_an_item_made_in_one_database_is_not_in_the_other_by_href_uid_or_change_log(
        two: TwoDatabases) -> None:
    us_calendar = two.server.url + "us/bwilson/appointments/"
    us_token, us_ctag = _token(two.us(), us_calendar), _ctag(two.us(), us_calendar)
    uid = "only-in-emea@example.com"
    answer = _put_new(two.emea(), two.server.url + "bwilson/appointments/only-emea.ics", uid)
    assert answer.status_code == 201, answer.text

    assert two.us().get(us_calendar + "only-emea.ics").status_code == 404
    multiget = two.us().request("REPORT", us_calendar, headers={"Depth": "1"}, data=(
        '<C:calendar-multiget xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        '<prop><getetag/></prop><href>/us/bwilson/appointments/only-emea.ics</href>'
        '</C:calendar-multiget>'))
    assert multiget.status_code == 207 and "404" in multiget.text, multiget.text
    with pytest.raises(caldav.lib.error.NotFoundError):
        _event(two, "bwilson@us", US_PASSWORD, "us/", uid)
    changes = _sync(two.us(), us_calendar, us_token)
    assert changes.status_code == 207 and "<response>" not in changes.text, changes.text
    assert _ctag(two.us(), us_calendar) == us_ctag


def _ctag(session: requests.Session, url: str) -> str:
    answer = session.request("PROPFIND", url, headers={"Depth": "0"}, data=(
        '<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop><CS:getctag/>'
        '</prop></propfind>'))
    return ET.fromstring(answer.content).findtext(".//{http://calendarserver.org/ns/}getctag")


def test_vdirsyncer_syncs_each_database_from_the_server_address(two: TwoDatabases,
                                                                 tmp_path: Path) -> None:
    answer = _put_new(two.emea(), two.server.url + "bwilson/appointments/vdir-emea.ics",
                      "vdir-emea@example.com")
    assert answer.status_code == 201, answer.text
    synced = {}
    for login, password in (("bwilson", EMEA_PASSWORD), ("bwilson@us", US_PASSWORD)):
        root = tmp_path / login
        root.mkdir()
        client = Vdirsyncer(root, two.server.url, login, password)
        client.discover()
        client.sync()
        synced[login] = client
    emea = files(synced["bwilson"].calendars / "appointments", ".ics")
    us = files(synced["bwilson@us"].calendars / "appointments", ".ics")
    assert emea and us
    assert "UID:vdir-emea@example.com" in "".join(emea.values())
    assert "UID:vdir-emea@example.com" not in "".join(us.values())

    # a change in one database reaches its own client only
    (synced["bwilson@us"].calendars / "appointments" / "from-vdirsyncer.ics").write_text(
        NEW_EVENT.format(uid="from-vdirsyncer@example.com", summary="Made in us"),
        encoding="utf-8")
    synced["bwilson@us"].sync()
    assert _event(two, "bwilson@us", US_PASSWORD, "us/", "from-vdirsyncer@example.com")
    with pytest.raises(caldav.lib.error.NotFoundError):
        _event(two, "bwilson", EMEA_PASSWORD, "", "from-vdirsyncer@example.com")
    before = synced["bwilson"].snapshot()
    output = synced["bwilson"].sync()
    assert synced["bwilson"].snapshot() == before, output


def _event(two: TwoDatabases, login: str, password: str, mount: str, uid: str) -> str:
    """The appointment with ``uid`` in ``login``'s calendar (caldav's search by UID)."""
    client = opened(caldav.DAVClient(url=two.server.url, username=login, password=password))
    calendar = caldav.Calendar(client=client,
                               url=f"{two.server.url}{mount}bwilson/appointments/")
    return calendar.event_by_uid(uid).data


def test_the_cockpit_is_per_database_and_says_which(two: TwoDatabases) -> None:
    base = two.server.url
    page = requests.get(base + "cockpit/sign-in")
    assert "United States" in page.text and 'href="/us/cockpit/"' in page.text

    # (a browser that keeps Basic credentials of another database's calendars still opens it)
    assert two.us().get(base + "cockpit/sign-in").status_code == 200
    refused = sign_in(base + "cockpit/", "bwilson@us", US_PASSWORD)
    assert refused.status_code == 401 and "United States" in refused.text
    us = sign_in(base + "us/cockpit/", "bwilson", US_PASSWORD)
    assert us.status_code == 200 and "Sign out" in us.text
    assert "HQ cockpit · United States" in us.text
    assert sign_in(base + "us/cockpit/", "bwilson", EMEA_PASSWORD).status_code == 401

    # A session of one database's cockpit is no session in the other's, even where the copy
    # of a database signs with the same key (hqadmin: the same password in both).
    hqadmin = sign_in(base + "us/cockpit/", "hqadmin", demo_password("hqadmin"))
    cookie = hqadmin.session.cookies.get("bridge_cockpit")  # type: ignore[attr-defined]
    replayed = requests.get(base + "cockpit/activities", cookies={"bridge_cockpit": cookie},
                            allow_redirects=False)
    assert replayed.status_code == 302 and "sign-in" in replayed.headers["Location"]


def test_an_upload_staged_in_one_database_is_not_found_in_the_other(two: TwoDatabases) -> None:
    base = two.server.url
    sessions = {}
    for mount in ("", "us/"):
        answer = sign_in(base + mount + "cockpit/", "hqadmin", demo_password("hqadmin"))
        assert answer.status_code == 200, answer.text[:300]
        sessions[mount] = answer.session  # type: ignore[attr-defined]
    export = next((two.root / "emea-demo").glob("*appointments*.json"))
    form = sessions["us/"].get(base + "us/cockpit/imports")
    preview = sessions["us/"].post(base + "us/cockpit/imports/upload",
                                   data={"csrf_token": csrf_token(form.text)},
                                   files={"file": (export.name, export.read_bytes())})
    assert preview.status_code == 200 and "/us/cockpit/imports/preview/" in preview.url
    staged = preview.url.split("/us/cockpit/")[1]

    emea = sessions[""]
    assert emea.get(base + "cockpit/" + staged).status_code == 404
    token = csrf_token(emea.get(base + "cockpit/imports").text)
    assert emea.post(base + "cockpit/" + staged + "/confirm",
                     data={"csrf_token": token}).status_code == 404
    assert sessions["us/"].get(preview.url).status_code == 200


def test_commands_work_on_the_database_named(two: TwoDatabases) -> None:
    listed = two.bridge("databases", "list")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[1] if line.startswith("*") else line.split()[0]: line
             for line in listed.stdout.splitlines()[2:] if line.strip()}
    assert lines["emea"].startswith("*") and "ready" in lines["emea"]
    assert "ready" in lines["us"] and "not reachable" in lines["down"]
    assert "not prepared yet" in lines["fresh"] and "not usable" in lines["garbage"]

    before = {name: _run_count(two, name) for name in ("emea", "us")}
    customers = next((two.root / "emea-demo").glob("*customers*.json"))
    done = two.bridge("--db", "us", "import", "customers", str(customers))
    assert done.returncode == 0, done.stderr
    assert "into database us (United States)" in done.stdout
    assert _run_count(two, "us") == before["us"] + 1
    assert _run_count(two, "emea") == before["emea"]


def _run_count(two: TwoDatabases, name: str) -> int:
    listed = two.bridge("--db", name, "runs", "list")
    assert listed.returncode == 0, listed.stderr
    return sum(1 for line in listed.stdout.splitlines() if re.match(r"\s+\d+\s+\d{4}-", line))


def test_a_database_down_or_not_prepared_answers_503_and_the_others_serve(
        two: TwoDatabases) -> None:
    for path, reason in (("down/bwilson/", "Down Under is not reachable"),
                         ("fresh/bwilson/", "Not prepared is not prepared yet"),
                         ("garbage/bwilson/", "Garbage is not usable")):
        answer = two.http("bwilson", "x").request("PROPFIND", two.server.url + path)
        assert answer.status_code == 503, answer.text
        assert reason in answer.text and answer.headers["Retry-After"]
    by_realm = two.http("bwilson@down", "x").request("PROPFIND", two.server.url,
                                                     headers={"Depth": "0"})
    assert by_realm.status_code == 503 and "Down Under" in by_realm.text
    assert _items(two.emea(), two.server.url + "bwilson/appointments/")
    assert _items(two.us(), two.server.url + "us/bwilson/appointments/")

    prepared = two.bridge("--db", "fresh", "init")
    assert prepared.returncode == 0, prepared.stderr
    deadline = time.monotonic() + 30
    while (answer := requests.request("PROPFIND", two.server.url + "fresh/")).status_code == 503:
        assert time.monotonic() < deadline, "the prepared database is still refused"
        time.sleep(0.2)
    assert answer.status_code == 401  # served now: it asks who is there, naming the database
    assert 'realm="HQ database Not prepared"' in answer.headers["WWW-Authenticate"]


@pytest.fixture
def outage_database() -> Iterator[tuple[str, Callable[[bool], None]]]:
    """A PostgreSQL database of its own with the demo data (on the test server), and a switch
    that cuts it off (no new connections, every open one ended) and lets it back."""
    server_url = os.environ.get(TEST_DATABASE_ENV)
    if not server_url:
        pytest.skip(f"{TEST_DATABASE_ENV} is not set: no PostgreSQL server to take down")
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    name = "bridge_outage_test"

    def available(allowed: bool) -> None:
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS "
                                    f"{'true' if allowed else 'false'}"))
            if not allowed:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                        " WHERE datname = :name"), {"name": name})

    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield url, available
    available(True)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_a_database_that_goes_down_answers_503_until_it_is_back_and_the_others_serve(
        outage_database: tuple[str, Callable[[bool], None]], tmp_path: Path) -> None:
    url, available = outage_database
    _load_demo(url, tmp_path / "pg-demo")
    _load_demo(f"sqlite:///{tmp_path / 'emea.db'}", tmp_path / "emea-demo")
    catalog = tmp_path / "databases.ini"
    catalog.write_text(f"[database emea]\nurl = sqlite:///{tmp_path / 'emea.db'}\n"
                       f"default = yes\n[database pg]\ntitle = Poland\nurl = {url}\n",
                       encoding="utf-8")
    server, process = start_bridge_serve("", tmp_path, "warning", catalog=catalog)
    pg = server.http("bwilson@pg", EMEA_PASSWORD)
    calendar = server.url + "pg/bwilson/appointments/"
    try:
        assert _items(pg, calendar)
        available(False)
        statuses = [pg.request("PROPFIND", calendar, headers={"Depth": "1"}) for _ in range(5)]
        assert [answer.status_code for answer in statuses] == [503] * 5, [
            (answer.status_code, answer.text) for answer in statuses]
        assert "Poland is not reachable" in statuses[-1].text
        assert statuses[-1].headers["Retry-After"]
        assert _items(server.http("bwilson", EMEA_PASSWORD),
                      server.url + "bwilson/appointments/")
        available(True)
        deadline = time.monotonic() + 30
        while (status := pg.request("PROPFIND", calendar).status_code) == 503:
            assert time.monotonic() < deadline, "the database is back but still refused"
            time.sleep(0.2)
        assert status == 207 and _items(pg, calendar)
    finally:
        stop_serving(process)


def test_paths_and_headers_are_read_as_the_calendar_server_reads_them(two: TwoDatabases) -> None:
    url = two.server.url
    token = base64.b64encode(f"bwilson@us:{US_PASSWORD}".encode()).decode()
    # the path as Radicale sanitises it picks the database (sent as it is, unnormalised)
    assert _raw(two, "/./us/bwilson/", f"Basic {token}") == 207
    assert _raw(two, "/cockpit/../bwilson/", f"Basic {token}") == 403  # not tried elsewhere
    # Basic credentials in the forms Radicale takes
    for header in (f"Basic\t{token}", f"Basic  {token}"):
        answer = requests.request("PROPFIND", url + "us/bwilson/", headers={
            "Authorization": header, "Depth": "0"})
        assert answer.status_code == 207, (header, answer.text)
    # behind a proxy: its prefix leads the way to the database
    behind = two.us().request("PROPFIND", url, headers={"X-Script-Name": "/dav", "Depth": "0"},
                              allow_redirects=False)
    assert behind.status_code == 307 and behind.headers["Location"] == "/dav/us/"
    listed = two.us().request("PROPFIND", url + "us/bwilson/", headers={
        "X-Script-Name": "/dav", "Depth": "1"})
    assert listed.status_code == 207 and "<href>/dav/us/bwilson/appointments/</href>" in \
        listed.text, listed.text[:500]
    hostile = two.us().request("PROPFIND", url, headers={"X-Script-Name": "//evil.example"},
                               allow_redirects=False)
    assert hostile.status_code == 400 and "Location" not in hostile.headers


def _raw(two: TwoDatabases, path: str, authorization: str) -> int:
    """The status of a PROPFIND Depth 0 of ``path`` exactly as written (clients' libraries
    would resolve its dot segments first)."""
    address = two.server.url.removeprefix("http://").rstrip("/")
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("PROPFIND", path, headers={"Authorization": authorization,
                                                      "Depth": "0"})
        return connection.getresponse().status
    finally:
        connection.close()
