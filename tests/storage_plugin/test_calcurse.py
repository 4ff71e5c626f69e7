"""calcurse-caldav (Debian's calcurse) makes an appointment: after its next sync it holds
exactly what the server serves, and HQ has it. calcurse never reads back what it wrote: it
keeps the ETag of its PUT and its own copy, so the server must serve the item as calcurse
wrote it (an HQ number in the SUMMARY would never reach calcurse)."""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.clock import day
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import PASSWORD, Server

pytestmark = pytest.mark.skipif(shutil.which("calcurse-caldav") is None,
                                reason="calcurse is not installed (Debian: calcurse, "
                                       "python3-httplib2)")


def calcurse_caldav(folder: Path, server_url: str, *args: str) -> str:
    address = urlsplit(server_url)
    config = folder / "config"
    config.write_text(
        "[General]\nBinary = calcurse\nHostname = "
        f"{address.hostname}:{address.port}\nPath = /bwilson/appointments/\nHTTPS = No\n"
        "DryRun = No\nSyncFilter = cal\n[Auth]\nUsername = bwilson\n", encoding="utf-8")
    completed = subprocess.run(
        # (Debian's script, run by Debian's Python, which has its httplib2)
        ["/usr/bin/python3", shutil.which("calcurse-caldav") or "", "--config", str(config),
         "--datadir", str(folder / "data"),
         "--lockfile", str(folder / "lock"), "--syncdb", str(folder / "sync.db"), *args],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "CALCURSE_CALDAV_PASSWORD": PASSWORD, "TZ": "Europe/Warsaw",
             "HOME": str(folder)}, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout + completed.stderr


def calcurse(folder: Path, *args: str) -> str:
    return subprocess.run(["calcurse", "-D", str(folder / "data"), *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "TZ": "Europe/Warsaw"},
                          check=True).stdout


def test_calcurse_holds_what_the_server_serves_after_its_next_sync(
        server: Server, hq: Bridge, tmp_path: Path) -> None:
    assert hq("settings", "set", "bwilson", "--time-zone", "Europe/Warsaw").exit_code == 0
    (tmp_path / "data").mkdir()
    when = day(5).strftime("%m/%d/%Y")
    (tmp_path / "data" / "apts").write_text(
        f"{when} @ 10:00 -> {when} @ 11:00 |Probe from calcurse\n", encoding="utf-8")
    calcurse_caldav(tmp_path, server.url, "--init=two-way")
    calcurse_caldav(tmp_path, server.url, "--verbose")  # its next sync

    [(href, etag, _)] = [line.split() for line in
                         (tmp_path / "sync.db").read_text().splitlines() if line.strip()]
    with server.http("bwilson") as http:
        served = http.get(f"{server.url.rstrip('/')}{href}")
    assert served.headers["ETag"].strip('"') == etag, "calcurse's ETag is the server's"
    exported = calcurse(tmp_path, "-xical", "--export-uid").replace("\n", "\r\n")
    assert served.text.replace("\r\n", "\n").strip() == exported.replace("\r\n", "\n").strip()
    assert "SUMMARY:Probe from calcurse" in served.text
    assert "Probe from calcurse" in calcurse(tmp_path, "-Q", "--filter-type", "cal", "--from",
                                             day(5).strftime("%m/%d/%Y"), "--days", "1")
    [activity] = activities_json(hq)
    assert activity["name"] == "Probe from calcurse"
    assert activity["start"].startswith(f"{day(5)}T10:00:00")
