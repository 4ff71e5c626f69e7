"""A representative connects with the server address and their HQ login and finds their
collections: appointments, mobile appointments, tasks and customers."""

import subprocess
from collections.abc import Callable
from pathlib import Path

from bridge.calendars import feed
from bridge.exchange.records import SERVER_PATHS
from storage_plugin import cockpit, freebusy, scheduling
from tests.clock import utc
from tests.conftest import Bridge, WriteExport, opened
from tests.storage_plugin.conftest import PASSWORD, Server


def test_discovery_from_the_root_finds_the_representatives_collections(server: Server) -> None:
    principal = server.client("bwilson").principal()
    names = sorted(c.get_display_name() for c in principal.calendars())
    assert names == ["Appointments (Ben Wilson)", "Mobile appointments (Ben Wilson)",
                     "Tasks (Ben Wilson)"]


def test_well_known_caldav_redirects_to_the_server(server: Server) -> None:
    response = server.http("bwilson").request("PROPFIND", server.url + ".well-known/caldav",
                                              allow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)


def test_wrong_password_is_refused(server: Server) -> None:
    response = server.http("bwilson", "wrong-password").request(
        "PROPFIND", server.url + "bwilson/", headers={"Depth": "0"})
    assert response.status_code == 401


def test_each_calendar_declares_its_components(server: Server) -> None:
    principal = server.client("bwilson").principal()
    components = {c.get_display_name(): c.get_supported_components()
                  for c in principal.calendars()}
    assert components == {
        "Appointments (Ben Wilson)": ["VEVENT"],
        "Mobile appointments (Ben Wilson)": ["VEVENT"],
        "Tasks (Ben Wilson)": ["VTODO"],
    }


def test_bridge_serve_answers_and_never_logs_the_password(
        served_by_command: tuple[Server, subprocess.Popen[bytes]]) -> None:
    server, process = served_by_command
    response = server.http("bwilson").request("PROPFIND", server.url + "bwilson/",
                                              headers={"Depth": "1"})
    assert response.status_code == 207
    assert server.http("bwilson", "wrong-password").request(
        "PROPFIND", server.url + "bwilson/").status_code == 401
    process.terminate()
    output = process.stdout.read().decode()
    assert "PROPFIND" in output  # the debug log did record the requests
    assert PASSWORD not in output and "wrong-password" not in output


def test_unknown_login_is_refused(server: Server) -> None:
    response = server.http("nobody").request("PROPFIND", server.url + "nobody/",
                                             headers={"Depth": "0"})
    assert response.status_code == 401


def test_inactive_employee_is_refused(server: Server, hq: Bridge,
                                      write_export: WriteExport) -> None:
    from tests.conftest import employee

    assert hq("employees", "import", write_export("employees", [
        employee("bwilson", name="Ben Wilson", manager="awhite", active=False)])).exit_code == 0
    response = server.http("bwilson").request("PROPFIND", server.url + "bwilson/",
                                              headers={"Depth": "0"})
    assert response.status_code == 401


def _serve_demo(directory: Path) -> tuple[str, Callable[[], str]]:
    """`bridge serve --demo` started in ``directory``: its address, and its output once
    stopped (call the second)."""
    import subprocess

    from tests.storage_plugin.conftest import BRIDGE, _wait_for, free_port

    port = free_port()
    process = subprocess.Popen([BRIDGE, "serve", "--demo", "--port", str(port)], cwd=directory,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, lambda: process.poll() is None)
    except RuntimeError:
        process.kill()
        raise AssertionError(process.communicate()[0].decode()) from None

    def stopped() -> str:
        process.terminate()
        return process.communicate(timeout=10)[0].decode()

    return url, stopped


def test_bridge_serve_demo_serves_the_demo_data_and_keeps_it_for_the_next_time(
        tmp_path: Path) -> None:
    import caldav

    url, stopped = _serve_demo(tmp_path)
    try:
        client = opened(caldav.DAVClient(url=url, username="bwilson",
                                           password="bwilson-demo-2026"))
        calendars = {c.get_display_name(): c for c in client.principal().calendars()}
        assert len(calendars["Mobile appointments (Ben Wilson)"].events()) > 10
        calendars["Appointments (Ben Wilson)"].save_event(
            dtstart=utc(15, "10:00", "UTC"), summary="Made in the demo",
            uid="made-in-the-demo")
    finally:
        output = stopped()
    assert "bwilson    bwilson-demo-2026" in output
    assert (tmp_path / "bridge-demo.db").exists()

    url, stopped = _serve_demo(tmp_path)  # the next day: what was done is still there
    try:
        client = opened(caldav.DAVClient(url=url, username="bwilson",
                                           password="bwilson-demo-2026"))
        calendars = {c.get_display_name(): c for c in client.principal().calendars()}
        kept = calendars["Appointments (Ben Wilson)"].event_by_uid("made-in-the-demo")
        assert "Made in the demo" in kept.data
    finally:
        output = stopped()
    assert "served as you left it (delete the file to start afresh)" in output
    assert "bwilson    bwilson-demo-2026" in output


def test_no_login_may_be_a_path_the_server_answers_itself() -> None:
    """The employee import refuses these logins (bridge.exchange.records.SERVER_PATHS)."""
    answered = {prefix.strip("/") for prefix in (cockpit.PREFIX, feed.PREFIX, freebusy.PREFIX,
                                                 scheduling.PREFIX)} | {".well-known"}
    assert answered == SERVER_PATHS
