"""The cockpit for office users, in a real browser on the demo data: no server paths and no
command lines on the pages, a run's summary lines before its messages grouped and filtered
by kind, the customer field's look-up (with and without JavaScript), the pickers alike, the
page count."""
# ruff: noqa: F811 - the fixtures of test_browser, imported, are the tests' arguments

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bridge.web.home import _age
from tests.clock import utc
from tests.web.test_browser import Demo, browser, demo, page, sign_in  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

COMMAND = re.compile(r"`bridge\b|\bbridge (import|definition|init|devices|settings|audit|"
                     r"serve|employees|customers|users?)\b")
"""A command line of the ``bridge`` tool, as a page must not show it."""

SERVER_PATH = re.compile(r"/(tmp|var|home|srv|run)/")


def _upload(page: "Page", server_url: str, file: Path) -> None:
    page.goto(server_url + "cockpit/imports")
    page.get_by_label("Export file (JSON)").set_input_files(str(file))
    page.get_by_role("button", name="Upload and preview").click()


def _export_with_a_missing_customer(exports: Path, folder: Path) -> Path:
    source = json.loads((exports / "appointments-2.json").read_text())
    later = utc(12)
    fresh = []
    for index, record in enumerate(source["appointments"][:3]):
        start = later + timedelta(hours=index)
        fresh.append({**record, "mobile_id": f"OFF-{index}", "number": f"APP/OFF/{index}",
                      "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
                      "confirmed": True, "status": "planned", "representative": "bwilson",
                      "customer": "C-1001", "sales_channel": "North"})
    fresh[1]["confirmed"] = "yes"  # (an error about the record)
    fresh[2]["customer"] = "C-0000"  # (skipped: a line of the summary)
    upload = folder / "week 12 export.json"
    upload.write_text(json.dumps({**source, "appointments": fresh}))
    return upload


def test_an_upload_shows_its_name_as_uploaded_never_a_server_path_and_its_run_in_order(
        page: "Page", demo: Demo, tmp_path: Path) -> None:
    server, _, exports = demo
    sign_in(page, server, "hqadmin")
    broken = tmp_path / "broken export.json"
    for content in ('{"format": "bus-appointments/1", "appointments": [',
                    '{"format": "mobile-appointments/1", "appointments": []}'):
        broken.write_text(content)
        _upload(page, server.url, broken)
        message = page.get_by_role("alert").inner_text()
        assert message.startswith("broken export.json: ")
        assert not SERVER_PATH.search(message) and "broken_export" not in message, message

    _upload(page, server.url, _export_with_a_missing_customer(exports, tmp_path))
    page.get_by_role("button", name="Import it").click()
    assert re.search(r"/cockpit/imports/\d+$", page.url)
    run_page = page.url
    assert page.locator("dd.file").inner_text() == "week 12 export.json"
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings.index("Summary") < next(
        index for index, text in enumerate(headings) if text.startswith("Messages about records"))
    summary = page.locator("ul.summary").inner_text()
    assert "Sales Channel North – 1 element(s)" in summary
    page.get_by_role("navigation", name="Kinds of messages").get_by_role(
        "link", name=re.compile(r"^Errors \(\d+\)$")).click()
    assert "kind=error" in page.url
    levels = page.locator("section[aria-labelledby=messages-heading] ol.messages li .level")
    assert levels.count() >= 1
    assert set(levels.all_inner_texts()) == {"error"}
    assert "APP/OFF/1" in page.locator("ol.messages").inner_text() or \
        "OFF-1" in page.locator("ol.messages").inner_text()
    assert "Page 1 of 1" in page.get_by_role("navigation", name="Pages").inner_text()

    page.goto(server.url + "cockpit/imports")
    assert "Page 1 of 1" in page.get_by_role("navigation", name="Pages").inner_text()
    files = page.locator("td.file").all_inner_texts()
    assert "week 12 export.json" in files
    for path in ("", "imports", "imports/1", run_page.split("/cockpit/")[1]):
        page.goto(server.url + "cockpit/" + path)
        text = page.locator("main").inner_text()
        assert not SERVER_PATH.search(text), path


def test_no_page_shows_a_command_line(page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    sign_in(page, server, "hqadmin")
    page.goto(server.url + "cockpit/activities?origin=mobile&sort=number")
    mobile = page.locator("table.activities tbody tr td:first-child").first.inner_text().strip()
    for path in ("", "activities", "activities/new", "lost", "imports", "imports/1", "settings",
                 "settings/bwilson", "subscription/bwilson", "time-zone", "account", "audit",
                 "customers?q=C-10", f"activities/{mobile}", f"activities/{mobile}/edit"):
        page.goto(server.url + "cockpit/" + path)
        assert not COMMAND.search(page.locator("body").inner_text()), path


def test_the_customer_field_suggests_customers_by_number_or_name(
        page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    sign_in(page, server, "hqadmin")
    page.goto(server.url + "cockpit/activities/new")
    field = page.get_by_label("Customer number")
    assert field.get_attribute("list") == "customer-options"
    field.press_sequentially("C-101")
    options = page.locator("datalist#customer-options option")
    options.first.wait_for(state="attached")
    values = options.evaluate_all("found => found.map(option => option.value)")
    assert values and all(value.startswith("C-101") for value in values)
    name = options.first.get_attribute("label") or ""
    field.fill("")
    part = name.split(",")[0].split()[0]
    field.press_sequentially(part[:5])
    page.wait_for_function(
        "part => [...document.querySelectorAll('#customer-options option')]"
        ".some(option => option.label.includes(part))", arg=part[:5])


def test_the_customer_look_up_works_without_javascript(browser: "Browser",
                                                       demo: Demo) -> None:
    server, _, _ = demo
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, server, "hqadmin")
        page.goto(server.url + "cockpit/activities/new")
        link = page.get_by_role("link", name="find a customer by number or name")
        assert link.get_attribute("target") == "_blank"  # (the form keeps what was typed)
        page.goto(server.url.rstrip("/") + (link.get_attribute("href") or ""))
        page.get_by_label("Number or part of the name").fill("C-101")
        page.get_by_role("button", name="Find").click()
        numbers = page.locator("table.customers tbody td:first-child").all_inner_texts()
        assert numbers and all(number.startswith("C-101") for number in numbers)
    finally:
        context.close()


def test_the_pickers_are_alike_and_the_table_counts_its_pages(page: "Page", demo: Demo) -> None:
    server, _, _ = demo
    sign_in(page, server, "awhite")
    page.goto(server.url + "cockpit/activities")
    on_activities = page.get_by_label("Representative").locator("option").all_inner_texts()
    team = page.get_by_label("Team of").locator("option").all_inner_texts()
    assert "Anna White (awhite)" in team
    assert re.search(r"Page 1 of \d+", page.get_by_role("navigation", name="Pages").inner_text())
    page.goto(server.url + "cockpit/lost")
    assert page.get_by_label("Representative").locator("option").all_inner_texts() \
        == on_activities
    page.get_by_label("Representative").select_option("bwilson")
    page.get_by_role("button", name="Show").click()
    assert "rep=bwilson" in page.url
    assert set(page.locator("table.lost tbody td:nth-child(2)").all_inner_texts()) <= {"bwilson"}


def test_the_oldest_lost_value_is_told_in_calendar_days() -> None:
    zone = ZoneInfo("Europe/Warsaw")
    now = datetime(2026, 3, 10, 9, 0, tzinfo=zone)
    assert _age(datetime(2026, 3, 10, 0, 30, tzinfo=zone), now) == "today"
    assert _age(datetime(2026, 3, 9, 23, 30, tzinfo=UTC), now) == "today"  # 00:30 in Warsaw
    assert _age(datetime(2026, 3, 9, 22, 0, tzinfo=UTC), now) == "yesterday"  # 23:00 there
    assert _age(datetime(2026, 3, 9, 23, 30, tzinfo=zone), now) == "yesterday"
    assert _age(datetime(2026, 3, 7, 12, 0), now) == "3 days ago"  # (naive: UTC)
