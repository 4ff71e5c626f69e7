"""Private stays private, everywhere: a private appointment — one the mobile export marks
private, one its representative makes private in the cockpit, one a calendar client sends
with ``CLASS:PRIVATE`` — is shown to anyone but its representative as busy time only. Every
kind of request a manager, a colleague and an HQ user can make is sent (calendar requests on
the team views, free/busy, a shared subscription, cockpit pages, searches and exports, the
CLI's listings), and no answer carries anything of what the appointments are about."""

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from bridge.infra.db import make_engine, transaction
from bridge.models import Activity
from tests.clock import at, local_stamp
from tests.conftest import Bridge, WriteExport, activities_json, appointment, import_appointments
from tests.storage_plugin.conftest import Server
from tests.storage_plugin.test_private_appointments import every_request
from tests.storage_plugin.test_scheduling import post, request_text
from tests.web.conftest import IN_WARSAW, Cockpits, wall

SECRETS = ("Merger talk", "Do not tell the team", "Secret pricing", "Cut 40 percent",
           "Southwind", "Hiring call", "Poach their lead", "Board seat offer")
"""What bwilson's three private appointments are about, and a private item of his calendar
HQ refused (beyond the window: its values kept as lost, never an activity)."""
TEAM_VIEWS = ("awhite/team-bwilson-appointments/", "awhite/team-bwilson-mobile/")
CALDAV = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
DATA = '<D:prop><D:getetag/><C:calendar-data/></D:prop>'


def hiring_call(uid: str = "hiring-1", name: str = "Hiring call", days: int = 4) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nCLASS:PRIVATE\r\nSUMMARY:{name}\r\n"
            "DESCRIPTION:Poach their lead\r\n"
            f"DTSTART;TZID=Europe/Warsaw:{local_stamp(days, '15:00')}\r\n"
            f"DTEND;TZID=Europe/Warsaw:{local_stamp(days, '16:00')}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def privates(server: Server, hq: Bridge, write_export: WriteExport,
             cockpit: Cockpits, database_url: str) -> list[str]:
    """bwilson's three private appointments (and a public one); their numbers."""
    import_appointments(hq, write_export,
                        appointment("MP-1", name="Merger talk", private=True,
                                    description="Do not tell the team"),
                        appointment("MA-2", name="Open visit", start=at(7, "09:00").isoformat(),
                                    end=at(7, "10:00").isoformat()))
    made = cockpit("bwilson").post("activities/new", {
        "kind": "appointment", "name": "Secret pricing", "description": "Cut 40 percent",
        "customer": "C-2001", "representative": "bwilson", "start": wall(5, "09:00"),
        "end": wall(5, "10:00"), "private": "on", **IN_WARSAW})
    assert made.status_code == 200 and "Created" in made.text, made.text[:400]
    assert server.put("bwilson", "bwilson/appointments/hiring-1.ics",
                      hiring_call()).status_code == 201
    _edit_in_calendar(server, "Secret pricing", "DESCRIPTION:Cut 40 percent, final offer")
    beyond = hiring_call("board-1", "Board seat offer", days=800)  # (the window: a year)
    assert server.put("bwilson", "bwilson/appointments/board-1.ics", beyond).status_code == 403
    with transaction(make_engine(database_url), write=False) as session:
        private = session.execute(select(Activity.number, Activity.name)
                                  .where(Activity.private.is_(True))).all()
    assert sorted(name for _, name in private) == ["Hiring call", "Merger talk",
                                                   "Secret pricing"]
    return sorted(number for number, _ in private)


def _edit_in_calendar(server: Server, name: str, description: str) -> None:
    """bwilson's calendar client changes the description of ``name``: HQ keeps its own text
    (text priority hq) and the client's as a lost value, for bwilson to decide on."""
    http = server.http("bwilson")
    listing = http.request("PROPFIND", server.url + "bwilson/appointments/",
                           headers={"Depth": "1"}).text
    for href in re.findall(r"<(?:D:)?href>([^<]+\.ics)</(?:D:)?href>", listing):
        item = http.get(server.url + href.lstrip("/"))
        if name in item.text:
            text = re.sub(r"DESCRIPTION:[^\r\n]*", description, item.text)
            edited = http.put(server.url + href.lstrip("/"), data=text, headers={
                "Content-Type": "text/calendar", "If-Match": item.headers["ETag"]})
            assert edited.status_code == 204, edited.text
            return
    raise AssertionError(f"bwilson's calendar has no {name!r}")


def leaks(answers: dict[str, str]) -> list[str]:
    return [f"{request}: {secret!r}" for request, text in answers.items()
            for secret in SECRETS if secret in text]


def cockpit_answers(cockpit: Cockpits, login: str, numbers: list[str]) -> dict[str, str]:
    """The cockpit's pages, searches and exports as ``login`` sees them."""
    signed_in = cockpit(login)
    pages = {"start page": "", "lost values": "lost"}
    pages |= {f"table {query}": f"activities?{query}" for query in (
        "size=200", "q=Merger", "q=pricing", "customer=C-2001",
        "col=name&col=customer&col=customer_name&col=sales_channel&col=mobile_status",
        "sort=customer_name", "rep=bwilson&sort=name")}
    pages |= {f"export {fmt}": f"activities/export.{fmt}?size=200" for fmt in ("csv", "json",
                                                                              "ics")}
    pages |= {f"{number} {tab}": f"activities/{number}?tab={tab}" for number in numbers
              for tab in ("general", "results", "references", "tasks")}
    answers = {}
    for name, path in pages.items():
        answer = signed_in.get(path)
        assert answer.status_code == 200, f"{name}: {answer.status_code}"
        answers[name] = answer.text
    workbook = signed_in.get("activities/export.xlsx?size=200")
    assert workbook.status_code == 200
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as opened:
        answers["export xlsx"] = "".join(opened.read(name).decode()
                                         for name in opened.namelist())
    for number in numbers:
        answers[f"{number} edit"] = signed_in.get(f"activities/{number}/edit").text
        refused = signed_in.post(f"activities/{number}/complete", {})
        assert refused.status_code == 403, f"{login} changed {number}"
    return answers


def cli_answers(hq: Bridge, numbers: list[str]) -> Iterator[tuple[str, str]]:
    for fmt in ("json", "csv", "table", "ics"):
        yield f"activities list {fmt}", hq("activities", "list", "--format", fmt).output
    yield "activities list --text", hq("activities", "list", "--text", "Merger").output
    for number in numbers:
        yield f"activities show {number}", hq("activities", "show", number).output


def test_the_manager_sees_busy_time_only_in_every_answer(
        privates: list[str], server: Server, cockpit: Cockpits) -> None:
    answers: dict[str, str] = {}
    for view in TEAM_VIEWS:
        answers |= {f"{view} {kind}": text for kind, text in every_request(
            server, "awhite", view, search="Merger", days=(-1, 30)).items()}
    answers |= cockpit_answers(cockpit, "awhite", privates)
    assert leaks(answers) == []
    # … but when: the manager plans around them
    assert answers["table size=200"].count("Private appointment") == 3
    assert "Open visit" in answers["table size=200"]
    assert answers[f"{TEAM_VIEWS[0]} query"].count("SUMMARY:Private appointment") == 2
    assert all(number not in answers["table q=Merger"] for number in privates)


def test_an_hq_user_sees_busy_time_only_in_the_cockpit(privates: list[str],
                                                        cockpit: Cockpits) -> None:
    answers = cockpit_answers(cockpit, "eclerk", privates)
    assert leaks(answers) == []
    assert all(number in answers["table size=200"] for number in privates)


def test_colleagues_and_anyone_with_free_busy_see_busy_time(
        privates: list[str], server: Server) -> None:
    for login in ("cdavis", "eclerk", "awhite"):
        busy = server.http(login).get(f"{server.url}freebusy/bwilson.vfb")
        assert busy.status_code == 200 and "FREEBUSY" in busy.text
        asked = post(server, request_text(f"mailto:{login}@example.com",
                                          "mailto:bwilson@example.com", days=(0, 10)),
                     login=login, outbox=login)
        assert asked.status_code == 200 and "2.0;Success" in asked.text, asked.text
        periods = re.findall(r"^FREEBUSY[;:]", asked.text, re.MULTILINE)
        assert len(periods) == 4, asked.text  # (the three private ones and the open visit)
        assert leaks({f"{login} .vfb": busy.text, f"{login} outbox": asked.text}) == []
    refused = server.http("cdavis").request("PROPFIND", server.url + "bwilson/appointments/",
                                            headers={"Depth": "1"})
    assert refused.status_code in (403, 404)


def test_a_shared_subscription_holds_busy_time_only(privates: list[str], server: Server,
                                                     hq: Bridge) -> None:
    def feed(*option: str) -> str:
        made = hq("subscriptions", "renew", "bwilson", *option, "--server-url",
                  server.url.rstrip("/"))
        assert made.exit_code == 0, made.output
        url = re.search(r"https?://\S+\.ics", made.output)
        assert url, made.output
        answer = requests.get(url.group(0), timeout=30)
        assert answer.status_code == 200
        return answer.text

    shared = feed("--shared")
    assert leaks({"shared feed": shared}) == []
    assert shared.count("SUMMARY:Private appointment") == 3 and "Open visit" in shared
    own = feed("--own")
    assert all(secret in own for secret in ("Merger talk", "Secret pricing", "Hiring call"))


def test_an_operator_listing_shows_busy_time_only(privates: list[str], hq: Bridge) -> None:
    answers = dict(cli_answers(hq, privates))
    assert leaks(answers) == []
    listed = {row["number"]: row for row in activities_json(hq)}
    assert all(listed[number]["private"] and listed[number]["name"] == "Private appointment"
               for number in privates)


def test_its_representative_sees_and_changes_all_of_it(privates: list[str],
                                                        cockpit: Cockpits) -> None:
    own = cockpit("bwilson")
    table = own.get("activities?size=200").text
    assert all(name in table for name in ("Merger talk", "Secret pricing", "Hiring call"))
    assert own.get("activities?q=pricing").text.count("Secret pricing") >= 1
    hq_made = next(number for number in privates if number.startswith("HQ-"))
    assert "Cut 40 percent" in own.get(f"activities/{hq_made}").text
    lost = own.get("lost").text  # (the lost values are theirs to decide on)
    assert "final offer" in lost and "Board seat offer" in lost
    assert own.get(f"activities/{hq_made}/edit").status_code == 200


def test_calendars_carry_it_as_class_private_and_a_client_can_make_it_public(
        privates: list[str], server: Server, database_url: str) -> None:
    http = server.http("bwilson")
    own = http.request("REPORT", server.url + "bwilson/appointments/", headers={
        "Depth": "1", "Content-Type": "application/xml"},
        data=f"<C:calendar-query {CALDAV}>{DATA}<C:filter><C:comp-filter name=\"VCALENDAR\"/>"
             "</C:filter></C:calendar-query>").text
    assert "SUMMARY:HQ-000001 Secret pricing" in own and own.count("CLASS:PRIVATE") == 2
    without_class = hiring_call().replace("CLASS:PRIVATE\r\n", "")
    assert server.put("bwilson", "bwilson/appointments/hiring-1.ics",
                      without_class).status_code == 204
    assert _private("Hiring call", database_url)  # (a client that leaves CLASS out)
    public = hiring_call().replace("CLASS:PRIVATE", "CLASS:PUBLIC")
    assert server.put("bwilson", "bwilson/appointments/hiring-1.ics", public).status_code == 204
    assert not _private("Hiring call", database_url)


def _private(name: str, database_url: str) -> bool:
    with transaction(make_engine(database_url), write=False) as session:
        return bool(session.scalar(select(Activity.private).where(Activity.name == name)))
