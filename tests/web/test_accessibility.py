"""Every cockpit page checked by axe-core 4.14.1 (vendored from npm in ``tests/web/vendor``:
``axe.min.js`` and its MPL-2.0 ``LICENSE``) in headless Chromium, for an HQ user and a
representative, at desktop width and on a phone (390 px): no serious or critical violation,
and no horizontal scrolling of the page on the phone (a wide table scrolls in its own box)."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.test_browser import Demo, browser, demo, sign_in  # noqa: F401 - the fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

WIDE = """() => [...document.querySelectorAll('body *')]
    .filter(element => element.getBoundingClientRect().right > 391
                       && element.parentElement.getBoundingClientRect().right <= 391)
    .slice(0, 5).map(element => element.outerHTML.slice(0, 120))"""
"""The outermost elements reaching past 390 px."""

SERIOUS = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations
        .filter(violation => ['serious', 'critical'].includes(violation.impact))
        .map(violation => violation.id + ' (' + violation.impact + '): ' + violation.help
             + ' — ' + violation.nodes.slice(0, 3).map(node => node.html).join(' | '));
}"""

COMMON = ["", "activities", "activities/new", "lost", "settings", "time-zone", "account",
          "customers?q=C-10"]
HQ_ONLY = ["imports", "audit", "settings/bwilson", "subscription/bwilson",
           "subscription/bwilson/revoke"]
REPRESENTATIVE_ONLY = ["settings/bwilson", "subscription", "subscription/bwilson/revoke",
                       "devices"]


def _first_link(page: "Page", server_url: str, path: str, pattern: str) -> str | None:
    """The first link on the page at ``path`` whose address matches ``pattern``, as a path
    under /cockpit/."""
    page.goto(server_url + "cockpit/" + path)
    for href in page.locator("main a[href]").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"):
        found = re.search(r"/cockpit/(" + pattern + r")$", href.split("?")[0])
        if found:
            return found.group(1)
    return None


def _pages(page: "Page", server_url: str, login: str) -> list[str]:
    paths = COMMON + (REPRESENTATIVE_ONLY if login == "bwilson" else HQ_ONLY)
    activity = _first_link(page, server_url, "activities?origin=hq&sort=number",
                           r"activities/(?!new$|export\.)[^?]+")
    assert activity, "the demo has activities"
    paths += [activity, activity + "/edit"]
    if login != "bwilson":
        run = _first_link(page, server_url, "imports", r"imports/\d+")
        assert run, "the demo has import runs"
        paths.append(run)
    else:
        page.goto(server_url + "cockpit/devices")
        page.get_by_label("Device name").fill("Test phone")
        page.get_by_role("button", name="Make the password").click()
        page.get_by_role("heading", name="Your device passwords").wait_for()
        revoke = _first_link(page, server_url, "devices", r"devices/\d+/revoke")
        assert revoke
        paths.append(revoke)
    return paths


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("login", ["hqadmin", "bwilson"])
def test_every_page_passes_axe_and_fits_a_phone(browser: "Browser", demo: Demo,  # noqa: F811
                                                login: str, width: int) -> None:
    server, _, _ = demo
    context = browser.new_context(viewport={"width": width, "height": 844},
                                  is_mobile=width < 600, has_touch=width < 600,
                                  bypass_csp=True)  # (axe is injected inline)
    page = context.new_page()
    try:
        sign_in(page, server, login)
        problems: dict[str, list[str]] = {}
        for path in _pages(page, server.url, login):
            response = page.goto(server.url + "cockpit/" + path)
            assert response is not None and response.status == 200, path
            page.add_script_tag(path=str(AXE))
            found = page.evaluate(SERIOUS)
            if width <= 390:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > 390:
                    found.append(f"the page scrolls sideways: {scroll} px wide, "
                                 f"past 390 px: {page.evaluate(WIDE)}")
            if found:
                problems[path or "(start)"] = found
        assert problems == {}, "\n".join(f"{path}: {each}" for path, found in problems.items()
                                          for each in found)
    finally:
        context.close()
