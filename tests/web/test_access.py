"""Who sees and changes what in the cockpit (bridge.hq.roles), and its safety: sessions,
CSRF, escaping, throttled sign-ins — over real HTTP on a real server."""

import csv
import io
import time

import requests
from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models import Activity
from tests.clock import iso
from tests.conftest import Bridge, WriteExport, appointment, import_appointments
from tests.storage_plugin.conftest import PASSWORD, Server, serving
from tests.web.conftest import IN_WARSAW, Cockpits, csrf_token, sign_in, wall


def _add(hq: Bridge, representative: str, name: str) -> str:
    result = hq("activities", "add", "-r", representative, "--name", name,
                "--start", iso(6, "10:00"))
    assert result.exit_code == 0, result.output
    return result.output.split()[2]  # "created appointment HQ-000001 …"


def _names(answer: requests.Response) -> set[str]:
    return {row["name"] for row in csv.DictReader(io.StringIO(answer.text))}


def test_a_representative_cannot_open_change_or_export_anothers_activity_by_editing_a_url(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    own = _add(hq, "bwilson", "Visit of Ben")
    other = _add(hq, "cdavis", "Visit of Carol")
    ben = cockpit("bwilson")
    assert ben.get(f"activities/{own}").status_code == 200
    assert ben.get(f"activities/{other}").status_code == 404
    assert ben.get(f"activities/{other}/edit").status_code == 404
    assert ben.post(f"activities/{other}/edit", {"name": "Taken over"}).status_code == 404
    assert ben.post(f"activities/{other}/delete").status_code == 404
    assert ben.post(f"activities/{other}/complete").status_code == 404
    assert _names(ben.get("activities/export.csv?rep=cdavis")) == set()
    assert _names(ben.get("activities/export.csv")) == {"Visit of Ben"}
    assert "Visit of Carol" not in ben.get("activities?rep=cdavis").text
    assert ben.post("activities/new", {"name": "For Carol", "start": wall(7, "10:00"),
                                       "representative": "cdavis"}).status_code == 400
    with transaction(engine, write=False) as session:
        carol = session.scalars(select(Activity).where(Activity.number == other)).one()
        assert (carol.name, carol.deleted_at, carol.revision) == ("Visit of Carol", None, 1)
        assert session.scalar(select(Activity.id).where(Activity.name == "For Carol")) is None


def test_a_manager_sees_and_changes_their_teams_activities_an_hq_user_everyones(
        hq: Bridge, cockpit: Cockpits) -> None:
    bens = _add(hq, "bwilson", "Visit of Ben")
    _add(hq, "cdavis", "Visit of Carol")
    _add(hq, "ddiaz", "Visit of Dan")
    anna = cockpit("awhite")
    assert _names(anna.get("activities/export.csv")) == {"Visit of Ben", "Visit of Carol",
                                                          "Visit of Dan"}
    assert anna.post(f"activities/{bens}/edit", {
        "name": "Visit of Ben, moved", "start": wall(6, "11:00"), **IN_WARSAW,
        "priority": "3", "representative": "bwilson"}).status_code == 200
    assert "Visit of Ben, moved" in anna.get(f"activities/{bens}").text
    assert cockpit("eclerk").get(f"activities/{bens}").status_code == 200


def test_a_mobile_appointment_is_shown_read_only_with_the_reason_and_cannot_be_changed(
        hq: Bridge, write_export: WriteExport, cockpit: Cockpits, engine: Engine) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    anna = cockpit("awhite")
    page = anna.get("activities/APP/MA-1")
    assert page.status_code == 200
    assert "comes from the mobile system and is read-only" in page.text
    assert 'href="/cockpit/activities/APP/MA-1/edit"' not in page.text
    refused = anna.post("activities/APP/MA-1/edit", {"name": "Changed in HQ"})
    assert refused.status_code == 403
    assert "read-only" in refused.text
    with transaction(engine, write=False) as session:
        assert session.scalar(select(Activity.name).where(
            Activity.mobile_id == "MA-1")) == "Quarterly review"


def test_a_form_without_its_csrf_token_changes_nothing(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    number = _add(hq, "bwilson", "Visit")
    ben = cockpit("bwilson")
    answer = ben.post(f"activities/{number}/delete", token=False)
    assert answer.status_code == 400
    with transaction(engine, write=False) as session:
        assert session.scalar(select(Activity.deleted_at).where(
            Activity.number == number)) is None


def test_pages_escape_what_they_show(hq: Bridge, cockpit: Cockpits) -> None:
    number = _add(hq, "bwilson", "<script>alert('x')</script>")
    page = cockpit("bwilson").get(f"activities/{number}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_the_session_cookie_is_signed_httponly_and_samesite(
        server: Server, staff_passwords: None) -> None:
    answer = sign_in(server.url + "cockpit/", "bwilson")
    cookie = next(c for c in answer.session.cookies if c.name == "bridge_cockpit")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite") == "Lax"
    assert cookie.path == "/cockpit"
    assert "Sign out" in answer.session.get(server.url + "cockpit/activities").text
    forged = requests.Session()
    forged.cookies.set("bridge_cockpit", cookie.value[:-2] + "xx", path="/cockpit")
    assert "sign-in" in forged.get(server.url + "cockpit/activities").url


def test_after_signing_in_the_user_lands_on_the_page_they_asked_for_never_another_site(
        server: Server, staff_passwords: None) -> None:
    base = server.url + "cockpit/"
    asked = server.url + "cockpit/activities?status=Delayed"
    http = requests.Session()
    form = http.get(asked)
    assert "next=/cockpit/activities?status%3DDelayed" in form.url or "sign-in" in form.url
    token = csrf_token(form.text)
    landed = http.post(base + "sign-in", data={
        "login": "bwilson", "password": PASSWORD, "csrf_token": token,
        "next": "/cockpit/activities?status=Delayed"})
    assert landed.url == asked
    other = requests.Session()
    token = csrf_token(other.get(base + "sign-in").text)
    landed = other.post(base + "sign-in", data={
        "login": "bwilson", "password": PASSWORD, "csrf_token": token,
        "next": "https://evil.example/"})
    assert landed.url == base


def test_guesses_are_throttled_across_server_processes_and_a_good_login_works_after_the_lock(
        server: Server, staff_passwords: None, database_url: str) -> None:
    """Two servers on one database (as two worker processes would be): the count is one."""
    with serving(database_url) as second:
        bases = [server.url + "cockpit/", second.url + "cockpit/"]
        answers = [sign_in(bases[n % 2], "bwilson", "wrong-guess").status_code
                   for n in range(8)]
    assert answers[:6] == [401] * 6
    assert answers[6:] == [429, 429]
    locked = sign_in(bases[0], "bwilson")
    assert locked.status_code == 429 and "try again in" in locked.text
    deadline = time.monotonic() + 10
    while (answer := sign_in(bases[0], "bwilson")).status_code == 429:
        assert time.monotonic() < deadline, "the lock did not pass"
        time.sleep(0.5)
    assert answer.status_code == 200 and "Sign out" in answer.text
