"""The device passwords page in a real browser (headless Chromium, as ``test_browser``):
make one, copy it once, revoke it — on a computer, and on a phone without the Clipboard
API."""

from typing import TYPE_CHECKING

import requests

from tests.conftest import opened
from tests.storage_plugin.conftest import PASSWORD, Server
from tests.web.test_browser import (  # noqa: F401  (the browser fixture)
    NO_CLIPBOARD,
    UNLABELLED,
    browser,
    shot,
    tap_copy_on_a_phone,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PHONE_WIDTH = 390


def _signed_in(page: "Page", server: Server, login: str) -> None:
    page.goto(server.url)
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def _signs_in(server: Server, login: str, password: str) -> int:
    with opened(requests.Session()) as http:
        return http.request("PROPFIND", server.url + f"{login}/", auth=(login, password),
                            headers={"Depth": "0"}).status_code


def test_a_representative_makes_a_device_password_copies_it_and_revokes_it(
        browser: "Browser", server: Server) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        _signed_in(page, server, "bwilson")
        page.get_by_role("link", name="Device passwords").click()
        assert page.get_by_role("heading", name="Device passwords", exact=True).is_visible()
        assert page.locator("#no-devices").is_visible()
        page.get_by_label("Device name").fill("Pixel 8 – DAVx5")
        page.get_by_role("button", name="Make the password").click()
        field = page.get_by_label("Device password", exact=True)
        secret = field.input_value()
        assert len(secret) == 35 and secret.count("-") == 5
        assert page.evaluate(UNLABELLED) == []
        page.get_by_role("button", name="Copy").click()
        assert page.get_by_role("status").filter(has_text="Copied").inner_text() == \
            "Copied to the clipboard."
        assert page.evaluate("navigator.clipboard.readText()") == secret
        shot(page, "device-passwords")
        assert _signs_in(server, "bwilson", secret) == 207
        page.reload()
        assert page.locator("#device-password").count() == 0  # (shown once)
        row = page.get_by_role("row", name="Pixel 8 – DAVx5")
        assert "from 127.0.0.1" in row.inner_text()
        page.get_by_role("link", name="Revoke Pixel 8 – DAVx5…").click()
        assert page.get_by_role("heading",
                                name="Revoke the device password “Pixel 8 – DAVx5”?").is_visible()
        assert page.evaluate(UNLABELLED) == []
        page.get_by_role("button", name="Revoke").click()
        assert "is revoked" in page.get_by_role("status").first.inner_text()
        assert page.locator("#no-devices").is_visible()
        assert _signs_in(server, "bwilson", secret) == 401
    finally:
        context.close()


def test_the_device_page_works_on_a_phone_without_the_clipboard_api(
        browser: "Browser", server: Server) -> None:  # noqa: F811
    phone = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844},
                                is_mobile=True, has_touch=True)
    phone.add_init_script(NO_CLIPBOARD)
    page = phone.new_page()
    try:
        _signed_in(page, server, "cdavis")
        page.goto(server.url + "cockpit/devices")
        page.get_by_label("Device name").fill("iPhone 15 – Apple Calendar")
        page.get_by_label("Read-only").check()
        page.get_by_role("button", name="Make the password").tap()
        field = page.get_by_label("Device password", exact=True)
        tap_copy_on_a_phone(page, field, "device-password")
        shot(page, "device-passwords-phone")
        secret = field.input_value()
        assert _signs_in(server, "cdavis", secret) == 207
        page.get_by_role("link", name="Revoke iPhone 15 – Apple Calendar…").tap()
        page.get_by_role("button", name="Revoke").tap()
        assert "is revoked" in page.get_by_role("status").first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        assert _signs_in(server, "cdavis", secret) == 401
    finally:
        phone.close()
