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
