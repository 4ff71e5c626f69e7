"""Every page of the cockpit shows its times in one time zone, the signed-in user's, and
names it; forms take a local time and a time zone (the representative's unless another is
chosen) and say which instant a time the clocks show twice was taken as."""

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models import Employee, SyncSettings
from tests.clock import NOW, WARSAW, at, iso, next_transition
from tests.conftest import (
    STAFF,
    Bridge,
    WriteExport,
    activities_json,
    appointment,
    import_appointments,
)
from tests.web.conftest import Cockpits, wall

NEW_YORK = "America/New_York"


def _on_the_clock(days: int, clock: str, zone: str) -> str:
    """How a page shows ``clock`` in Warsaw ``days`` from today, on the clocks of ``zone``."""
    return at(days, clock).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _stored_zones(engine: Engine, login: str) -> tuple[str | None, str | None]:
    """(the employee's own time zone, their synchronization settings' one)."""
    with transaction(engine, write=False) as session:
        return session.execute(
            select(Employee.time_zone, SyncSettings.time_zone)
            .outerjoin(SyncSettings, SyncSettings.employee_id == Employee.id)
            .where(Employee.login == login)).one()._tuple()


def test_an_hq_user_chooses_their_time_zone_and_the_table_shows_and_names_it(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(6, "10:00")).exit_code == 0
    eve = cockpit("eclerk")
    table = eve.get("activities").text
    assert 'Start ▼</a> <span class="zone">(UTC)</span>' in table
    assert _on_the_clock(6, "10:00", "UTC") in table
    assert "Time zone: UTC" in table
    chosen = eve.post("time-zone", {"time_zone": WARSAW, "back": "/cockpit/activities"})
    assert chosen.url.endswith("/cockpit/activities")
    assert f"Times are now shown in {WARSAW}." in chosen.text
    assert f'Start ▼</a> <span class="zone">({WARSAW})</span>' in chosen.text
    assert f">{_on_the_clock(6, '10:00', WARSAW)}<" in chosen.text
    assert _stored_zones(engine, "eclerk") == (WARSAW, None)


def test_a_representatives_time_zone_is_that_of_their_synchronization_settings(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(6, "10:00")).exit_code == 0
    ben = cockpit("bwilson")
    page = ben.post("time-zone", {"time_zone": NEW_YORK, "back": "/cockpit/activities"}).text
    assert f'<span class="zone">({NEW_YORK})</span>' in page
    assert f">{_on_the_clock(6, '10:00', NEW_YORK)}<" in page
    assert "the time zone of your synchronization settings" in ben.get("time-zone").text
    assert _stored_zones(engine, "bwilson") == (None, NEW_YORK)


def test_the_employees_export_may_give_an_hq_user_a_time_zone(
        hq: Bridge, cockpit: Cockpits, write_export: WriteExport) -> None:
    staff = [{**person, "time_zone": WARSAW} if person["login"] == "eclerk" else person
             for person in STAFF]
    assert hq("employees", "import", write_export("employees", staff)).exit_code == 0
    assert f"Time zone: {WARSAW}" in cockpit("eclerk").get("activities").text


def test_an_unknown_time_zone_is_refused_and_nothing_changes(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    answer = cockpit("eclerk").post("time-zone", {"time_zone": "Mars/Olympus"})
    assert answer.status_code == 400
    assert "unknown time zone &#39;Mars/Olympus&#39;" in answer.text
    assert _stored_zones(engine, "eclerk") == (None, None)


def test_a_new_appointments_time_zone_is_the_representatives(hq: Bridge, cockpit: Cockpits) -> None:
    assert hq("settings", "set", "bwilson", "--time-zone", WARSAW).exit_code == 0
    ben = cockpit("bwilson")
    form = ben.get("activities/new").text
    assert f"<option selected>{WARSAW}</option>" in form
    assert f'data-time-zone="{WARSAW}"' in form
    created = ben.post("activities/new", {"name": "Visit", "start": wall(6, "10:00"),
                                          "representative": "bwilson"})
    assert created.status_code == 200, created.text
    assert activities_json(hq)[0]["start"] == iso(6, "10:00")


def test_of_a_time_the_clocks_show_twice_the_first_is_taken_and_the_user_told(
        hq: Bridge, cockpit: Cockpits) -> None:
    first = next_transition(WARSAW, to_summer=False) - timedelta(minutes=30)
    typed = first.astimezone(ZoneInfo(WARSAW))
    created = cockpit("eclerk").post("activities/new", {
        "name": "Night shift", "start": f"{typed:%Y-%m-%dT%H:%M}", "time_zone": WARSAW,
        "representative": "bwilson"})
    assert created.status_code == 200
    told = html.unescape(created.text)
    assert f"{typed:%Y-%m-%d %H:%M} happens twice in {WARSAW}" in told
    assert "taken as the first, UTC+02:00" in told
    assert activities_json(hq)[0]["start"] == typed.isoformat()


def test_the_run_pages_show_times_as_people_read_them_in_the_users_time_zone(
        hq: Bridge, cockpit: Cockpits, write_export: WriteExport) -> None:
    import_appointments(hq, write_export, appointment("MA-1"))
    eve = cockpit("eclerk")
    eve.post("time-zone", {"time_zone": WARSAW})
    runs = eve.get("imports").text
    assert f"Started ({WARSAW})" in runs
    run_id = max(int(part.split('"')[0]) for part in runs.split('href="/cockpit/imports/')[1:]
                 if part.split('"')[0].isdigit())
    page = eve.get(f"imports/{run_id}").text
    assert f"Times in {WARSAW}." in page
    assert f"<dd>{NOW.astimezone(ZoneInfo(WARSAW)):%Y-%m-%d %H:%M:%S}</dd>" in page  # the clock
    assert "+00:00" not in page and "T09:00" not in page


def test_who_has_no_time_zone_of_their_own_sees_the_servers(
        staff_passwords: None, hq: Bridge, database_url: str) -> None:
    """``[storage] time_zone`` of the server is the cockpit's zone for them too."""
    from tests.storage_plugin.conftest import serving
    from tests.web.conftest import sign_in

    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(6, "10:00")).exit_code == 0
    with serving(database_url, storage={"time_zone": NEW_YORK}) as server:
        answer = sign_in(server.url + "cockpit/", "eclerk")
        table = answer.session.get(server.url + "cockpit/activities").text
    assert f'<span class="zone">({NEW_YORK})</span>' in table
    assert _on_the_clock(6, "10:00", NEW_YORK) in table
