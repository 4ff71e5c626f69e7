"""The cockpit in a real browser (headless Chromium, Debian's ``chromium`` package, driven by
Playwright) against a real `bridge serve` on the demo data: what HQ staff do, step by step.
Screenshots of the main pages go to ``$BRIDGE_SCREENSHOTS`` (default ``build/screenshots``).

The tests share one server and run in order; each leaves what the next expects.
"""

import csv
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import caldav
import icalendar
import openpyxl
import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from bridge.demo import demo_password, load_demo
from bridge.infra.db import make_engine, transaction
from bridge.models import (
    Activity,
    CalendarSubscription,
    Employee,
    Kind,
    Origin,
    SyncSettings,
    TextPriority,
)
from tests.clock import NOW, WARSAW, next_date, next_transition, on, utc
from tests.conftest import fresh_database, opened
from tests.storage_plugin.conftest import Server, start_bridge_serve, stop_serving

if TYPE_CHECKING:  # (playwright is imported by the browser fixture, when it runs)
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("BRIDGE_SCREENSHOTS")
             or Path(__file__).parents[2] / "build" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

Demo = tuple[Server, str, Path]
"""The demo fixture: the server, its database URL and the folder of the demo's exports."""


@pytest.fixture(scope="module")
def demo(_migrated: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Demo]:
    """`bridge serve` on a database holding the demo data: the server, its database URL and
    the folder of the demo's export files."""
    folder = tmp_path_factory.mktemp("cockpit-demo")
    url = fresh_database(_migrated, folder)
    engine = make_engine(url)
    load_demo(engine, folder / "exports", NOW)
    engine.dispose()
    served, process = start_bridge_serve(url, folder, log_level="warning")
    yield served, url, folder / "exports"
    stop_serving(process)


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    if not os.path.exists(CHROMIUM):
        message = ("Debian's chromium is not installed (apt-get install chromium): the browser "
                   "tests need it")
        if os.environ.get("BRIDGE_BROWSER_TESTS"):
            pytest.fail(message)
        pytest.skip(message + "; BRIDGE_BROWSER_TESTS=1 makes this a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS,
                                              env=_real_clock())
        yield launched
        launched.close()


def _real_clock() -> dict[str, str]:
    """The environment without libfaketime. The suite may run with its clock moved
    (``faketime -f +400d pytest``); Chromium under libfaketime 0.9.10 with
    ``FAKETIME_DONT_FAKE_MONOTONIC=1`` hangs at start. The browser needs no moved clock: the
    server (moved too) writes every date it shows (its 10-hour session cookie stays valid to
    a browser on the real clock unless the suite's clock is moved back)."""
    return {name: value for name, value in os.environ.items()
            if name != "LD_PRELOAD" and not name.startswith("FAKETIME")}


@pytest.fixture
def page(browser: "Browser", demo: Demo) -> Iterator["Page"]:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(page: "Page", server: Server, login: str) -> None:
    page.goto(server.url)
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(demo_password(login))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def shot(page: "Page", name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def column(page: "Page", index: int) -> list[str]:
    return [text.strip() for text in
            page.locator(f"table.activities tbody tr td:nth-child({index})").all_inner_texts()]


def test_signing_in_leads_to_the_start_page_with_the_chart_and_the_latest_runs(
        page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    page.goto(server.url)
    assert "/cockpit/sign-in" in page.url
    page.get_by_label("Login").fill("awhite")
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text() == "Wrong login or password."
    sign_in(page, server, "awhite")
    assert page.get_by_role("heading", name="Your team’s activities per week, by status")  # noqa: RUF001 - the page's apostrophe
    assert page.locator("figure.chart svg rect").count() > 5
    assert page.locator("section[aria-labelledby=runs-heading] tbody tr").count() == 5
    shot(page, "start-page")


def test_filter_sort_and_page_the_activities_with_the_view_in_the_url(
        page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    sign_in(page, server, "hqadmin")
    page.get_by_role("link", name="Activities").first.click()
    page.get_by_label("Team of").select_option("awhite")
    page.get_by_role("checkbox", name="Planned").check()
    page.get_by_role("button", name="Apply filter").click()
    assert "team=awhite" in page.url and "status=Planned" in page.url
    assert set(column(page, 3)) == {"Planned"}
    page.get_by_role("link", name="Customer name").click()
    assert "sort=customer_name" in page.url
    names = column(page, 5)
    assert names == sorted(names, key=lambda name: (name == "", name))
    first_page = column(page, 1)
    bookmarked = page.url
    shot(page, "activities-filtered")
    page.get_by_role("link", name="Next page →").click()
    assert "page=2" in page.url
    assert not set(column(page, 1)) & set(first_page)
    page.goto(bookmarked)  # a bookmarked view shows the same rows
    assert column(page, 1) == first_page
    page.get_by_role("link", name="Customer name ▲").click()
    assert "sort=-customer_name" in page.url
    names = column(page, 5)
    assert names == sorted(names, reverse=True, key=lambda name: (name != "", name))
    page.get_by_label("Search number, name, description").fill("Stock check")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Stock\+check"))
    assert set(column(page, 2)) == {"Stock check"}


def _download(page: "Page", name: str, folder: Path) -> Path:
    """The file a click on the link ``name`` downloads, saved under the name it suggests."""
    with page.expect_download() as info:
        page.get_by_role("link", name=name, exact=True).click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    return saved


def test_each_export_holds_the_view_shown(page: "Page", demo: Demo, tmp_path: Path) -> None:
    server, _, _ = demo
    sign_in(page, server, "hqadmin")
    page.goto(server.url + "cockpit/activities?status=Delayed&sort=number&size=200")
    shown = column(page, 1)
    assert shown, "the demo has delayed activities"
    files = {name: _download(page, name, tmp_path) for name in ("CSV", "Excel", "iCalendar",
                                                                  "JSON")}
    assert [path.suffix for path in files.values()] == [".csv", ".xlsx", ".ics", ".json"]
    with files["CSV"].open(encoding="utf-8") as handle:
        assert [row["number"] for row in csv.DictReader(handle)] == shown
    book = openpyxl.load_workbook(files["Excel"])
    assert [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)] == shown
    calendar = icalendar.Calendar.from_ical(files["iCalendar"].read_bytes())
    numbers = [str(component["X-BRIDGE-NUMBER"]) for component in calendar.subcomponents
               if component.name in ("VEVENT", "VTODO")]
    assert numbers == shown
    assert [record["number"] for record in json.loads(files["JSON"].read_text())] == shown


def open_first(page: "Page", server: Server, view: str) -> str:
    """Open the first activity of the table's ``view`` as HQ admin; its number."""
    sign_in(page, server, "hqadmin")
    page.goto(server.url + "cockpit/activities?" + view)
    number = column(page, 1)[0]
    page.get_by_role("link", name=number, exact=True).click()
    return number


def test_the_detail_page_has_the_subject_and_the_four_tabs(page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    number = open_first(page, server, "origin=mobile&status=Completed&sort=number")
    assert page.locator("header.subject h1").inner_text().startswith(number + " ")
    for tab, label in (("General", "Start time"), ("Results", "Completed by"),
                       ("References", "Address"), ("Tasks", "Employee")):
        page.get_by_role("link", name=tab, exact=True).click()
        assert page.get_by_role("heading", name=tab).is_visible()
        assert page.locator("dt", has_text=label).is_visible()
        if tab == "General":
            shot(page, "activity-detail")


@contextmanager
def _database(url: str) -> Iterator[Session]:
    """The demo's database, read as it is now."""
    engine = make_engine(url)
    try:
        with transaction(engine, write=False) as session:
            yield session
    finally:
        engine.dispose()


def _scalar(url: str, query: Executable) -> Any:
    with _database(url) as session:
        return session.scalar(query)


def _hq_activity(url: str, login: str) -> str:
    """The first upcoming HQ appointment of ``login``."""
    return _scalar(url, select(Activity.number)
                   .join(Employee, Activity.representative_id == Employee.id)
                   .where(Employee.login == login, Activity.origin == Origin.HQ,
                          Activity.kind == Kind.APPOINTMENT, Activity.deleted_at.is_(None),
                          Activity.start_at > datetime.now(UTC))
                   .order_by(Activity.number))


def test_an_hq_activity_edited_in_the_cockpit_reaches_the_representatives_calendar(
        page: "Page", demo: Demo) -> None:
    server, url, _ = demo
    number = _hq_activity(url, "bwilson")
    sign_in(page, server, "hqadmin")
    page.goto(server.url + f"cockpit/activities/{number}")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Name").fill("Visit with the new catalogue")
    page.get_by_label("Priority (1 highest … 9 lowest)").fill("2")
    page.get_by_role("button", name="Save").click()
    assert "calendars show it at their next sync" in page.get_by_role("status").inner_text()
    subject = f"{number} Visit with the new catalogue"
    assert page.locator("header.subject h1").inner_text() == subject
    client = opened(caldav.DAVClient(url=server.url, username="bwilson",
                                     password=demo_password("bwilson")))
    events = caldav.Calendar(client=client,
                             url=client.url.join("bwilson/appointments/")).events()
    summaries = {str(event.icalendar_component["SUMMARY"]) for event in events}
    assert subject in summaries


def test_a_mobile_appointment_shows_every_field_read_only_with_the_reason(
        page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    open_first(page, server, "origin=mobile&sort=number")
    note = page.get_by_role("note").inner_text()
    assert "comes from the mobile system and is read-only" in note
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.get_by_role("button", name="Delete").count() == 0
    page.goto(page.url + "/edit")
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "read-only" in page.locator("p.reason").inner_text()


def test_an_uploaded_export_is_previewed_then_imported_when_confirmed(
        page: "Page", demo: Demo) -> None:
    server, url, exports = demo
    source = json.loads((exports / "appointments-2.json").read_text())
    later = utc(10)
    fresh = []
    for index, record in enumerate(source["appointments"][:5]):
        start = later + timedelta(hours=index)
        fresh.append({**record, "mobile_id": f"UP-{index}", "number": f"APP/UP/{index}",
                      "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
                      "confirmed": True, "status": "planned", "representative": "bwilson",
                      "customer": "C-1001", "sales_channel": "North"})
    fresh[4]["customer"] = "C-0000"
    upload = exports / "upload.json"
    upload.write_text(json.dumps({**source, "appointments": fresh}))
    sign_in(page, server, "hqadmin")
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Export file (JSON)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()
    assert page.get_by_role("heading", name="Dry run of upload.json").is_visible()
    outcomes = page.locator("table.outcomes tbody tr")
    assert outcomes.count() == 5
    assert page.locator("table.outcomes tr.admitted").count() == 4
    assert "C-0000" in page.locator("table.outcomes tr.skipped").inner_text()
    shot(page, "import-preview")
    uploaded = select(Activity.mobile_id).where(Activity.mobile_id.like("UP-%"))
    assert _scalar(url, uploaded) is None
    page.get_by_role("button", name="Import it").click()
    assert re.search(r"/cockpit/imports/\d+$", page.url)
    assert page.locator("table.counts td").nth(1).inner_text() == "4"
    assert _scalar(url, select(func.count()).select_from(uploaded.subquery())) == 4


def test_a_representatives_settings_are_changed_in_the_cockpit(page: "Page", demo: Demo) -> None:
    server, url, _ = demo
    sign_in(page, server, "awhite")
    page.get_by_role("link", name="Synchronization settings").click()
    page.get_by_role("link", name="Change the settings of ddiaz").click()
    page.get_by_label("End time").first.fill("+60d")
    page.get_by_label("Text priority (whose name and description win)").select_option("client")
    page.get_by_label("Transfer new tasks to HQ").uncheck()
    page.get_by_role("button", name="Save").click()
    row = page.get_by_role("row", name=re.compile("ddiaz"))
    assert "+60d" in row.inner_text() and "client" in row.inner_text()
    with _database(url) as session:
        stored = session.execute(
            select(SyncSettings.calendar_end, SyncSettings.text_priority,
                   SyncSettings.transfer_tasks)
            .join(Employee).where(Employee.login == "ddiaz")).one()
    assert tuple(stored) == ("+60d", TextPriority.CLIENT, False)
    page.get_by_role("link", name="Change the settings of ddiaz").click()
    page.get_by_label("End time").first.fill("next year")
    page.get_by_role("button", name="Save").click()
    assert "neither a date" in page.get_by_role("alert").inner_text()


def test_a_lost_client_value_is_applied_from_the_start_page(page: "Page", demo: Demo) -> None:
    server, url, _ = demo
    number = _hq_activity(url, "cdavis")
    client = opened(caldav.DAVClient(url=server.url, username="cdavis",
                                     password=demo_password("cdavis")))
    event = caldav.Calendar(client=client, url=client.url.join("cdavis/appointments/")
                            ).event_by_url(client.url.join(f"cdavis/appointments/{number}.ics"))
    event.load()
    name = str(event.icalendar_component["SUMMARY"])
    event.icalendar_component["SUMMARY"] = name + " (bring samples)"
    event.save()
    sign_in(page, server, "hqadmin")
    page.get_by_role("link", name=re.compile(r"\d+ open")).click()
    row = page.get_by_role("row", name=re.compile(re.escape(number)))
    assert "(bring samples)" in row.inner_text()
    shot(page, "lost-values")
    row.get_by_role("button", name=re.compile("Apply")).click()
    assert "Applied the name" in page.get_by_role("status").inner_text()
    page.goto(server.url + f"cockpit/activities/{number}")
    assert page.locator("header.subject h1").inner_text().endswith("(bring samples)")


def _feed(url: str) -> int:
    """The status of a subscribing calendar's GET of ``url`` (no credentials)."""
    return opened(requests.Session()).get(url).status_code


def test_a_representative_subscribes_copies_the_address_and_revokes_it(
        browser: "Browser", demo: Demo) -> None:
    server, _, _ = demo
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        sign_in(page, server, "bwilson")
        page.get_by_role("link", name="Calendar subscription").click()
        assert page.get_by_role("heading", name="Your calendar subscription").is_visible()
        assert "You have no calendar subscription." in page.locator("#state").inner_text()
        page.get_by_label("Include open tasks with a due date").check()
        page.get_by_role("button", name="Make my subscription address").click()
        field = page.get_by_label("Address for Outlook and Google Calendar")
        url = field.input_value()
        assert url.startswith(server.url + "feeds/") and url.endswith(".ics")
        webcal = page.get_by_role("link", name="Open in Apple Calendar or Outlook (webcal link)")
        assert webcal.get_attribute("href") == "webcal://" + url.removeprefix("http://")
        assert "tasks with a due date are included" in page.locator("#state").inner_text()
        assert page.evaluate(UNLABELLED) == []
        page.get_by_role("button", name="Copy").click()
        assert page.get_by_role("status").filter(has_text="Copied").inner_text() == \
            "Copied to the clipboard."
        assert page.evaluate("navigator.clipboard.readText()") == url
        shot(page, "subscription")
        assert _feed(url) == 200
        page.reload()
        assert page.locator("#feed-address").count() == 0  # (shown once)
        page.get_by_role("link", name="Revoke the subscription…").click()
        assert page.get_by_role("heading", name="Revoke your calendar subscription?").is_visible()
        assert _feed(url) == 200
        page.get_by_role("button", name="Revoke").click()
        assert "is revoked" in page.get_by_role("status").first.inner_text()
        assert "You have no calendar subscription." in page.locator("#state").inner_text()
        assert _feed(url) == 404
    finally:
        context.close()


def tap_copy_on_a_phone(page: "Page", field: "Locator", field_id: str) -> None:
    """Tap *Copy* beside ``field`` at a phone's width: the page does not scroll sideways, and
    the secret is copied, or (without the Clipboard API) selected whole for the user to copy."""
    copy = page.get_by_role("button", name="Copy")
    copy.scroll_into_view_if_needed()
    assert field.is_visible() and copy.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    copy.tap()
    status = page.locator("#copy-status").inner_text()
    assert status in ("Copied to the clipboard.", "The address is selected: copy it with "
                      "Ctrl+C (⌘C on a Mac), or press and hold it on a phone.")
    selected = page.evaluate("[document.activeElement.id, "
                             "document.activeElement.selectionStart, "
                             "document.activeElement.selectionEnd]")
    assert selected == [field_id, 0, len(field.input_value())]


NO_CLIPBOARD = "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
"""A browser without the Clipboard API (as on a page not served over HTTPS)."""


def test_the_subscription_page_works_on_a_phone_and_without_the_clipboard_api(
        browser: "Browser", demo: Demo) -> None:
    server, url, _ = demo
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    phone.add_init_script(NO_CLIPBOARD)
    page = phone.new_page()
    try:
        sign_in(page, server, "cdavis")
        page.get_by_role("link", name="Calendar subscription").click()
        page.get_by_role("button", name="Make my subscription address").click()
        field = page.get_by_label("Address for Outlook and Google Calendar")
        tap_copy_on_a_phone(page, field, "feed-address")
        shot(page, "subscription-phone")
        address = field.input_value()
        assert _feed(address) == 200
        page.get_by_role("link", name="Revoke the subscription…").tap()
        page.get_by_role("button", name="Revoke").tap()
        assert "is revoked" in page.get_by_role("status").first.inner_text()
        assert _feed(address) == 404
    finally:
        phone.close()
    with _database(url) as session:
        assert session.scalar(select(func.count()).select_from(CalendarSubscription)) == 0


UNLABELLED = """() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button')]
    .filter(control => !(control.labels && control.labels.length) &&
                       !control.getAttribute('aria-label') && !control.textContent.trim())
    .map(control => control.outerHTML)"""


def test_every_control_has_a_label_and_the_keyboard_reaches_the_content_first(
        page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    sign_in(page, server, "hqadmin")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for path in ("", "activities", "activities/new", "lost", "imports", "settings",
                 "settings/bwilson", "subscription/bwilson", "subscription/bwilson/revoke",
                 "time-zone", "account", "audit"):
        page.goto(server.url + "cockpit/" + path)
        assert page.evaluate(UNLABELLED) == [], path


def choose_my_time_zone(page: "Page", zone: str) -> None:
    """The signed-in user's own time zone, chosen from the link in the page's header."""
    page.get_by_role("link", name=re.compile("^Time zone: ")).click()
    page.get_by_label("Time zone").select_option(zone)
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == f"Times are now shown in {zone}."
    assert page.get_by_role("link", name=f"Time zone: {zone}").is_visible()


def set_representatives_time_zone(page: "Page", server: Server, login: str, zone: str) -> None:
    page.goto(server.url + f"cockpit/settings/{login}")
    page.get_by_label("Time zone of floating times").fill(zone)
    page.get_by_role("button", name="Save").click()
    assert zone in page.get_by_role("row", name=re.compile(login)).inner_text()


def _starts(url: str, numbers: list[str]) -> dict[str, datetime]:
    with _database(url) as session:
        return dict(session.execute(select(Activity.number, Activity.start_at)
                                    .where(Activity.number.in_(numbers))).all())


def test_the_table_sorted_by_start_reads_in_order_in_the_time_zone_its_header_names(
        page: "Page", demo: Demo) -> None:
    """The demo's activities were given at +01:00, +02:00 and UTC: shown in one zone."""
    server, url, _ = demo
    sign_in(page, server, "hqadmin")
    choose_my_time_zone(page, WARSAW)
    for sort in ("start", "-start"):
        page.goto(server.url + f"cockpit/activities?kind=appointment&sort={sort}&size=200")
        header = page.locator("table.activities thead th").nth(3).inner_text()
        assert header.startswith("Start") and header.endswith(f"({WARSAW})"), header
        shown = column(page, 4)
        assert len(shown) > 20
        assert shown == sorted(shown, reverse=sort.startswith("-"))
        numbers = column(page, 1)
        stored = _starts(url, numbers)
        assert shown == [stored[number].astimezone(ZoneInfo(WARSAW)).strftime("%Y-%m-%d %H:%M")
                         for number in numbers]
    page.get_by_role("link", name=numbers[0], exact=True).click()
    assert page.locator("dt", has_text=f"Start time ({WARSAW})").is_visible()
    assert page.locator("dd").first.inner_text() == shown[0]


def test_a_warsaw_hq_user_makes_appointments_at_ten_in_july_and_january(
        page: "Page", demo: Demo) -> None:
    """The form's time zone is the representative's; daylight saving time is that of the
    date: 10:00 in Warsaw is 08:00 UTC in July, 09:00 UTC in January."""
    server, url, _ = demo
    sign_in(page, server, "hqadmin")
    choose_my_time_zone(page, WARSAW)
    set_representatives_time_zone(page, server, "bwilson", WARSAW)
    set_representatives_time_zone(page, server, "ddiaz", "America/New_York")
    for when, utc_hour in ((next_date(7, 1), 8), (next_date(1, 15), 9)):
        page.goto(server.url + "cockpit/activities/new")
        zone = page.get_by_label("Time zone of these times")
        page.get_by_label("Representative").select_option("ddiaz")
        assert zone.input_value() == "America/New_York"
        page.get_by_label("Representative").select_option("bwilson")
        assert zone.input_value() == WARSAW
        shot(page, "new-appointment")
        page.get_by_label("Name").fill(f"Visit on {when}")
        page.get_by_label("Start time").fill(f"{when}T10:00")
        page.get_by_role("button", name="Save").click()
        created = page.get_by_role("status").inner_text()
        number = re.fullmatch(r"Created (\S+)\.", created).group(1)
        assert page.locator("dd").first.inner_text() == f"{when} 10:00"
        stored = _starts(url, [number])[number]
        assert stored == on(when, "10:00", WARSAW)
        assert stored.astimezone(UTC).time() == time(utc_hour)
    page.get_by_role("link", name="Edit").click()
    assert page.get_by_label("Time zone of these times").input_value() == WARSAW
    assert page.get_by_label("Start time").input_value() == f"{when}T10:00"


def test_the_time_zone_picker_works_on_a_phone(browser: "Browser", demo: Demo) -> None:
    server, _, _ = demo
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    try:
        sign_in(page, server, "hqadmin")
        page.goto(server.url + "cockpit/activities/new")
        picker = page.get_by_label("Time zone of these times")
        picker.scroll_into_view_if_needed()
        assert picker.is_visible()
        picker.select_option("Asia/Kolkata")
        assert picker.input_value() == "Asia/Kolkata"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "new-appointment-phone")
    finally:
        phone.close()


def test_a_time_the_clocks_skip_is_refused_and_the_form_kept(page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    sign_in(page, server, "hqadmin")
    page.goto(server.url + "cockpit/activities/new")
    page.get_by_label("Name").fill("Visit in the night")
    page.get_by_label("Representative").select_option("bwilson")
    page.get_by_label("Time zone of these times").select_option(WARSAW)
    change = next_transition(to_summer=True).astimezone(ZoneInfo(WARSAW))
    skipped = f"{change:%Y-%m-%d}T02:30"
    page.get_by_label("Start time").fill(skipped)
    page.get_by_role("button", name="Save").click()
    assert "does not exist in Europe/Warsaw" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Start time").input_value() == skipped
    assert page.get_by_label("Time zone of these times").input_value() == WARSAW


def test_an_hq_user_finds_a_failed_sign_in_in_the_audit_trail_on_a_phone(
        browser: "Browser", demo: Demo) -> None:
    server, _, _ = demo
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    try:
        page.goto(server.url)
        page.get_by_label("Login").fill("bwilson")
        page.get_by_label("Password").fill("not-bens-password")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text() == "Wrong login or password."
        sign_in(page, server, "hqadmin")
        page.get_by_role("link", name="Audit trail").click()
        page.get_by_label("What").select_option(label="Sign-in failed")
        page.get_by_label("Login", exact=True).fill("bwilson")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("tbody tr")
        assert rows.count() >= 1
        assert all("Sign-in failed" in text and "bwilson" in text
                   for text in rows.all_inner_texts())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        phone.close()
