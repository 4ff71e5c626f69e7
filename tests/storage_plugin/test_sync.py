"""RFC 6578 sync-collection with real incremental tokens: after a client synced, an HQ change
shows up as exactly the changed items; the synchronization window decides what is served."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import requests

from tests.clock import NOW, NOW_ISO, day, iso
from tests.conftest import (
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    customer,
    import_appointments,
    later_version,
)
from tests.storage_plugin.conftest import Server

DAV = "{DAV:}"


def sync_collection(server: Server, login: str, path: str, token: str = "",
                    http: requests.Session | None = None) -> tuple[str | None, set[str], set[str]]:
    """A sync-collection REPORT of ``path`` as ``login`` from ``token`` (on the client's own
    connection ``http``, if given): the new token, the hrefs changed and those gone."""
    body = ('<?xml version="1.0"?><sync-collection xmlns="DAV:">'
            f'<sync-token>{token}</sync-token><sync-level>1</sync-level>'
            '<prop><getetag/></prop></sync-collection>')
    response = (http or server.http(login)).request(
        "REPORT", server.url + path, data=body, headers={"Content-Type": "application/xml"})
    assert response.status_code == 207, response.text
    root = ET.fromstring(response.content)
    changed, gone = set(), set()
    for entry in root.findall(f"{DAV}response"):
        href = entry.findtext(f"{DAV}href").rsplit("/", 1)[-1]
        status = entry.findtext(f"{DAV}status") or ""
        (gone if "404" in status else changed).add(href)
    return root.findtext(f"{DAV}sync-token"), changed, gone


def test_first_sync_lists_everything(server: Server, hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-2"))
    _, changed, gone = sync_collection(server, "bwilson", "bwilson/mobile/")
    assert changed == {_href("MA-1"), _href("MA-2")}
    assert gone == set()


def test_an_import_after_a_sync_shows_exactly_the_changed_items(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-2"),
                        appointment("MA-3"))
    token, first, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    assert len(first) == 3
    import_appointments(hq, write_export, appointment("MA-1"),
                        later_version("MA-2", name="Renamed"), appointment("MA-3"),
                        appointment("MA-4"), now=(NOW + timedelta(hours=1)).isoformat())
    new_token, changed, gone = sync_collection(server, "bwilson", "bwilson/mobile/", token)
    assert new_token != token
    assert changed == {_href("MA-2"), _href("MA-4")}
    assert gone == set()
    _, again, _ = sync_collection(server, "bwilson", "bwilson/mobile/", new_token)
    assert again == set()


def test_a_re_import_without_changes_leaves_the_token_alone(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    token, _, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    import_appointments(hq, write_export, appointment("MA-1"))
    same, changed, _ = sync_collection(server, "bwilson", "bwilson/mobile/", token)
    assert (same, changed) == (token, set())


def test_appointment_moved_to_another_representative_is_gone_from_the_first(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    token, _, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    import_appointments(hq, write_export, later_version("MA-1", representative="cdavis"))
    _, changed, gone = sync_collection(server, "bwilson", "bwilson/mobile/", token)
    assert gone == {_href("MA-1")} and changed == set()


def test_an_hq_delete_shows_as_removed(server: Server, hq: Bridge) -> None:
    hq("activities", "add", "-r", "bwilson", "--name", "Visit",
       "--start", iso(7, "10:00"))
    token, changed, _ = sync_collection(server, "bwilson", "bwilson/appointments/")
    assert changed == {"HQ-000001.ics"}
    hq("activities", "delete", "HQ-000001")
    _, changed, gone = sync_collection(server, "bwilson", "bwilson/appointments/", token)
    assert gone == {"HQ-000001.ics"}


def test_an_unknown_token_is_refused_so_the_client_starts_over(server: Server) -> None:
    response = server.http("bwilson").request(
        "REPORT", server.url + "bwilson/mobile/",
        data='<sync-collection xmlns="DAV:"><sync-token>http://example.com/ns/sync/1'
             '</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>',
        headers={"Content-Type": "application/xml"})
    assert response.status_code == 403
    assert "valid-sync-token" in response.text


def _report(server: Server, path: str, token: str) -> requests.Response:
    return server.http("bwilson").request(
        "REPORT", server.url + path,
        data=f'<sync-collection xmlns="DAV:"><sync-token>{token}</sync-token><sync-level>1'
             '</sync-level><prop><getetag/></prop></sync-collection>',
        headers={"Content-Type": "application/xml"})


def _ahead(token: str, part: int) -> str:
    """``token`` with the counter of its ``part``-th change-log point moved on by 5."""
    points = list(re.finditer(r"(?<![0-9])([0-9]+)(_[0-9a-f]+)?(?=[.-]|$)", token))
    point = points[part]
    moved = f"{int(point.group(1)) + 5}{point.group(2) or ''}"
    return token[:point.start()] + moved + token[point.end():]


@pytest.mark.parametrize("path, part", [
    ("bwilson/mobile/", -3), ("bwilson/appointments/", -3), ("bwilson/customers/", -1),
    ("bwilson/private/", -1)])
def test_a_token_from_beyond_the_collections_history_is_refused(
        server: Server, hq: Bridge, write_export: WriteExport, path: str, part: int) -> None:
    """After a restore from a backup or a rebuilt database a client's token is ahead of the
    change log: 403 valid-sync-token makes the client sync afresh instead of keeping items
    the server no longer has."""
    import_appointments(hq, write_export, appointment("MA-1"))
    if path == "bwilson/private/":
        server.http("bwilson").request("MKCALENDAR", server.url + path)
    token, _, _ = sync_collection(server, "bwilson", path)
    response = _report(server, path, _ahead(token, part))
    assert response.status_code == 403
    assert "valid-sync-token" in response.text
    assert sync_collection(server, "bwilson", path, token)[0] == token  # its own is fine


def test_items_outside_the_window_are_not_served_and_stay_in_hq(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    far = appointment("MA-9", start=iso(554, "09:00"), end=iso(554, "10:00"))  # the window: a year
    import_appointments(hq, write_export, appointment("MA-1"), far)
    _, changed, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    assert changed == {_href("MA-1")}
    assert len(activities_json(hq)) == 2


def test_narrowing_the_window_removes_items_from_the_client_not_from_hq(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    token, _, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    assert hq("settings", "set", "bwilson", "--calendar-start", day(37).isoformat(),
              "--calendar-end", day(401).isoformat()).exit_code == 0  # after MA-1 (6 days)
    _, _, gone = sync_collection(server, "bwilson", "bwilson/mobile/", token)
    assert gone == {_href("MA-1")}
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]


def test_customers_are_served_as_vcards_and_changes_sync(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    token, changed, _ = sync_collection(server, "bwilson", "bwilson/customers/")
    assert changed == {"customer-C-1001.vcf"}
    vcard = server.http("bwilson").get(
        server.url + "bwilson/customers/customer-C-1001.vcf").text
    assert "FN:Acme Trading" in vcard and "ORG:Acme Trading" in vcard
    assert "Main St 1" in vcard and "TEL;TYPE=WORK:+48 22 000 00 00" in vcard
    moved = [customer("C-1001", name="Acme Trading Ltd"), customer("C-1002")]
    assert hq("import", "customers", write_export("customers", moved),
              "--now", NOW_ISO).exit_code == 0
    _, changed, _ = sync_collection(server, "bwilson", "bwilson/customers/", token)
    assert changed == {"customer-C-1001.vcf",
                       "customer-C-1002.vcf"}


def _href(mobile_id: str) -> str:
    return f"mobile-{mobile_id}.ics"


def test_after_a_restore_from_a_backup_a_newer_token_is_refused(
        server: Server, hq: Bridge, write_export: WriteExport, database_url: str) -> None:
    """The client synced changes that the restore took back; the restored database has
    changed since, so its counter passed the client's token again. The token still names no
    point of the restored history: 403, and the client drops what the server no longer has."""
    if not database_url.startswith("sqlite"):
        pytest.skip("restores a copy of the database file (SQLite's backup API)")
    import sqlite3

    import_appointments(hq, write_export, appointment("MA-1"))
    live = database_url.removeprefix("sqlite:///")
    backup = live + ".backup"
    with sqlite3.connect(live) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    import_appointments(hq, write_export, later_version("MA-1", name="Renamed"))
    token, _, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    with sqlite3.connect(backup) as copy, sqlite3.connect(live) as restored:
        copy.backup(restored)
    import_appointments(hq, write_export, appointment("MA-2"))  # the counter passes it again
    assert "Renamed" not in server.http("bwilson").get(
        server.url + "bwilson/mobile/" + _href("MA-1")).text
    response = _report(server, "bwilson/mobile/", token)
    assert response.status_code == 403
    assert "valid-sync-token" in response.text


def test_a_multiget_finds_customers_by_name_whatever_their_numbers(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    odd = [customer("C/77", name="Slash Trading"), customer("C-1002", name="Plain Trading")]
    assert hq("import", "customers", write_export("customers", odd),
              "--now", NOW_ISO).exit_code == 0
    hrefs = ["customer-C-77.vcf", "customer-C-1002.vcf", "customer-none.vcf"]
    body = ('<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
            "<D:prop><D:getetag/><CR:address-data/></D:prop>"
            + "".join(f"<D:href>/bwilson/customers/{href}</D:href>" for href in hrefs)
            + "</CR:addressbook-multiget>")
    answer = server.http("bwilson").request("REPORT", server.url + "bwilson/customers/",
                                            data=body, headers={"Depth": "1"})
    assert answer.status_code == 207
    assert "FN:Slash Trading" in answer.text and "FN:Plain Trading" in answer.text
    assert answer.text.count("404 Not Found") == 1  # customer-none.vcf


def test_a_window_ending_on_the_last_day_there_is_serves_everything_ahead(
        server: Server, hq: Bridge, write_export: WriteExport) -> None:
    """9999-12-31 as the end ("no end"): accepted, shown, and served."""
    import_appointments(hq, write_export, appointment("MA-1"))
    result = hq("settings", "set", "bwilson", "--calendar-end", "9999-12-31")
    assert result.exit_code == 0, result.output
    assert "9999-12-31" in result.output
    _, changed, _ = sync_collection(server, "bwilson", "bwilson/mobile/")
    assert changed == {_href("MA-1")}
