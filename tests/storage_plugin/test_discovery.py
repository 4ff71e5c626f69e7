"""A representative connects with the server address and their HQ login and finds their
collections: appointments, mobile appointments, tasks and customers."""

from tests.storage_plugin.conftest import PASSWORD


def test_discovery_from_the_root_finds_the_representatives_collections(server):
    principal = server.client("bwilson").principal()
    names = sorted(c.get_display_name() for c in principal.calendars())
    assert names == ["Appointments (Ben Wilson)", "Mobile appointments (Ben Wilson)",
                     "Tasks (Ben Wilson)"]


def test_well_known_caldav_redirects_to_the_server(server):
    response = server.http("bwilson").request("PROPFIND", server.url + ".well-known/caldav",
                                              allow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)


def test_wrong_password_is_refused(server):
    response = server.http("bwilson", "wrong-password").request(
        "PROPFIND", server.url + "bwilson/", headers={"Depth": "0"})
    assert response.status_code == 401


def test_each_calendar_declares_its_components(server):
    principal = server.client("bwilson").principal()
    components = {c.get_display_name(): c.get_supported_components()
                  for c in principal.calendars()}
    assert components == {
        "Appointments (Ben Wilson)": ["VEVENT"],
        "Mobile appointments (Ben Wilson)": ["VEVENT"],
        "Tasks (Ben Wilson)": ["VTODO"],
    }


def test_bridge_serve_answers_and_never_logs_the_password(served_by_command):
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


def test_unknown_login_is_refused(server):
    response = server.http("nobody").request("PROPFIND", server.url + "nobody/",
                                             headers={"Depth": "0"})
    assert response.status_code == 401


def test_inactive_employee_is_refused(server, hq, write_export):
    from tests.conftest import employee

    assert hq("employees", "import", write_export("employees", [
        employee("bwilson", name="Ben Wilson", manager="awhite", active=False)])).exit_code == 0
    response = server.http("bwilson").request("PROPFIND", server.url + "bwilson/",
                                              headers={"Depth": "0"})
    assert response.status_code == 401


def test_bridge_serve_demo_serves_the_demo_data(tmp_path):
    import subprocess
    import time

    import caldav
    import requests

    from tests.storage_plugin.conftest import BRIDGE, free_port

    port = free_port()
    process = subprocess.Popen([BRIDGE, "serve", "--demo", "--port", str(port)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(300):
            try:
                requests.get(url, timeout=1, allow_redirects=False)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, process.stdout.read().decode()
                time.sleep(0.1)
        client = caldav.DAVClient(url=url, username="bwilson", password="bwilson-demo-2026")
        calendars = {c.get_display_name(): c for c in client.principal().calendars()}
        assert len(calendars["Mobile appointments (Ben Wilson)"].events()) > 10
    finally:
        process.terminate()
        output = process.stdout.read().decode()
        process.wait(timeout=10)
    assert "bwilson    bwilson-demo-2026" in output
    assert (tmp_path / "bridge-demo.db").exists()
