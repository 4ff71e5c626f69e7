"""The cockpit's calendar subscription page (``bridge.web.subscriptions``): the representative
makes and renews their address, shown once and working on the real server; they, their
manager and HQ users revoke it; nobody else sees it."""

import base64
import hashlib
import html
import json
import re
import zlib
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models import CalendarSubscription, Employee
from bridge.web.app import create_app
from bridge.web.subscriptions import SHOWN_ONCE, server_url
from tests.clock import iso
from tests.conftest import Bridge, opened
from tests.storage_plugin.conftest import PASSWORD, Server, serving
from tests.web.conftest import Cockpit, Cockpits, csrf_token

ADDRESS = re.compile(r'id="feed-address"[^>]*value="([^"]+)"')
WEBCAL = re.compile(r'href="(webcal://[^"]+)"')


def _visit(hq: Bridge) -> None:
    """HQ-000001 "Visit", an appointment of bwilson in six days."""
    added = hq("activities", "add", "-r", "bwilson", "--name", "Visit",
               "--start", iso(6, "10:00"))
    assert added.exit_code == 0, added.output


def _made(cockpit: Cockpit, tasks: bool = False) -> tuple[requests.Response, str]:
    """The representative's renewal in the cockpit: the page it leads to and the https
    address it shows."""
    page = cockpit.post("subscription/bwilson/renew", {"include_tasks": "on"} if tasks else {})
    assert page.status_code == 200, page.text[:500]
    found = ADDRESS.search(page.text)
    assert found, "the page shows no new address"
    return page, html.unescape(found.group(1))


def _read(url: str, **headers: str) -> requests.Response:
    """GET as a subscribing calendar does: no credentials."""
    return opened(requests.Session()).get(url, headers=headers)


def _session(http: requests.Session) -> dict[str, Any]:
    """What the cockpit's session cookie holds (Flask's signed cookie: readable, not
    changeable, by its holder)."""
    value = http.cookies.get("bridge_cockpit") or ""
    payload = value.removeprefix(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    found: dict[str, Any] = json.loads(zlib.decompress(data) if value.startswith(".") else data)
    return found


def _stored(engine: Engine, login: str) -> CalendarSubscription | None:
    with transaction(engine, write=False) as session:
        found = session.scalars(select(CalendarSubscription).join(Employee)
                                .where(Employee.login == login)).one_or_none()
        if found is not None:
            session.expunge(found)
        return found


def test_the_representative_makes_the_address_which_is_shown_once_and_works(
        hq: Bridge, cockpit: Cockpits, server: Server, engine: Engine) -> None:
    _visit(hq)
    ben = cockpit("bwilson")
    start = ben.get("").text
    assert 'href="/cockpit/subscription"' in start  # (the navigation's link)
    before = ben.get("subscription")
    assert "You have no calendar subscription." in before.text
    assert "Subscribe from web" in before.text and "From Internet" in before.text
    assert "From URL" in before.text and "New Calendar Subscription" in before.text

    page, url = _made(ben, tasks=True)
    assert page.url == ben.url("subscription")
    assert url.startswith(server.url + "feeds/") and url.endswith(".ics")
    [link] = WEBCAL.findall(page.text)
    assert html.unescape(link) == "webcal://" + url.removeprefix("http://")
    assert "shown only now" in page.text
    assert "made by bwilson (Ben Wilson)" in page.text
    assert "Open tasks with a due date are <strong>included</strong>" in page.text
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = _stored(engine, "bwilson")
    assert stored is not None and stored.include_tasks and stored.created_by == "bwilson"
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()

    feed = _read(url)
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:HQ-000001 Visit" in feed.text

    again = ben.get("subscription")
    assert again.status_code == 200 and secret not in again.text and not ADDRESS.search(again.text)
    assert "You have a calendar subscription since" in again.text
    assert SHOWN_ONCE not in _session(ben.http)  # (the page that showed it dropped it)

    redirected = ben.post("subscription/bwilson/renew", allow_redirects=False)
    assert redirected.status_code == 302
    assert _session(ben.http)[SHOWN_ONCE]["login"] == "bwilson"  # (until the page shows it)
    renewed = html.unescape(ADDRESS.findall(ben.get("subscription").text)[0])
    assert SHOWN_ONCE not in _session(ben.http)  # (a new address: the old one stops)
    assert renewed != url and ADDRESS.search(ben.get("subscription").text) is None
    assert _read(url).status_code == 404 and _read(renewed).status_code == 200
    assert "are <strong>not included</strong>" in ben.get("subscription").text


def test_the_manager_and_hq_see_and_revoke_it_but_only_the_representative_renews(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    _visit(hq)
    _, url = _made(cockpit("bwilson"))
    anna = cockpit("awhite")  # (bwilson's manager)
    page = anna.get("subscription/bwilson")
    assert page.status_code == 200
    assert "Calendar subscription of Ben Wilson (bwilson)" in page.text
    assert "bwilson has a calendar subscription since" in page.text
    assert "/subscription/bwilson/renew" not in page.text and not ADDRESS.search(page.text)
    refused = anna.post("subscription/bwilson/renew")
    assert refused.status_code == 403 and "only bwilson makes" in refused.text
    assert _read(url).status_code == 200  # (the refused renewal changed nothing)
    assert 'aria-label="Calendar subscription of bwilson: since ' in anna.get("settings").text

    confirm = anna.get("subscription/bwilson/revoke")
    assert confirm.status_code == 200 and "Revoke the calendar subscription of Ben Wilson" \
        in confirm.text
    assert _read(url).status_code == 200  # (asking is not revoking)
    revoked = anna.post("subscription/bwilson/revoke")
    assert revoked.status_code == 200 and revoked.url == anna.url("subscription/bwilson")
    assert "The calendar subscription of bwilson is revoked" in revoked.text
    assert "bwilson has no calendar subscription." in revoked.text
    assert _read(url).status_code == 404
    assert _stored(engine, "bwilson") is None

    eve = cockpit("eclerk")  # (an HQ user)
    _, url = _made(cockpit("bwilson"))
    assert eve.get("subscription/bwilson").status_code == 200
    assert eve.post("subscription/bwilson/renew").status_code == 403
    assert eve.post("subscription/bwilson/revoke").status_code == 200
    assert _read(url).status_code == 404
    assert eve.get("subscription").status_code == 404  # (no representative: none of her own)
    assert 'href="/cockpit/subscription"' not in eve.get("").text


def test_the_representative_revokes_their_own(hq: Bridge, cockpit: Cockpits) -> None:
    ben = cockpit("bwilson")
    _, url = _made(ben)
    assert "Revoke your calendar subscription?" in ben.get("subscription/bwilson/revoke").text
    revoked = ben.post("subscription/bwilson/revoke")
    assert revoked.url == ben.url("subscription")
    assert "You have no calendar subscription." in revoked.text
    assert _read(url).status_code == 404


def test_another_representative_neither_sees_renews_nor_revokes_it(
        hq: Bridge, cockpit: Cockpits) -> None:
    _, url = _made(cockpit("bwilson"))
    carol = cockpit("cdavis")
    assert carol.get("subscription/bwilson").status_code == 404
    assert carol.get("subscription/bwilson/revoke").status_code == 404
    assert carol.post("subscription/bwilson/revoke").status_code == 404
    assert carol.post("subscription/bwilson/renew").status_code == 404
    assert carol.get("subscription/nobody").status_code == 404
    assert _read(url).status_code == 200
    assert cockpit("eclerk").get("subscription/eclerk").status_code == 404  # (no representative)


def test_a_form_without_its_csrf_token_changes_nothing(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    ben = cockpit("bwilson")
    assert ben.post("subscription/bwilson/renew", token=False).status_code == 400
    assert _stored(engine, "bwilson") is None
    _, url = _made(ben)
    assert ben.post("subscription/bwilson/revoke", token=False).status_code == 400
    assert _read(url).status_code == 200


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "hq.example.com"}


def test_behind_a_proxy_the_address_has_its_scheme_host_and_prefix(
        hq: Bridge, staff_passwords: None, database_url: str) -> None:
    """nginx passing the whole path under /dav/ (``[server] script_name = /dav``): the
    representative's calendar reaches https://hq.example.com/dav/feeds/…"""
    _visit(hq)
    with serving(database_url, server={"script_name": "/dav"}) as server:
        http = opened(requests.Session())
        http.headers.update(FORWARDED)
        base = server.url + "dav/cockpit/"
        form = http.get(base + "sign-in")
        signed_in = http.post(base + "sign-in", data={
            "login": "bwilson", "password": PASSWORD, "csrf_token": csrf_token(form.text)})
        assert "Sign out" in signed_in.text
        made = http.post(base + "subscription/bwilson/renew",
                         data={"csrf_token": csrf_token(signed_in.text)})
        url = html.unescape(ADDRESS.findall(made.text)[0])
        assert url.startswith("https://hq.example.com/dav/feeds/")
        assert "webcal://hq.example.com/dav/feeds/" in made.text
        feed = http.get(url.replace("https://hq.example.com/", server.url))
        assert feed.status_code == 200 and "HQ-000001 Visit" in feed.text


@pytest.mark.parametrize(("base", "secure", "headers", "expected"), [
    ("http://bridge.example:5232/cockpit/", False, {}, "http://bridge.example:5232"),
    ("http://bridge.example/emea/cockpit/", False, {}, "http://bridge.example/emea"),
    ("http://127.0.0.1:5232/dav/us/cockpit/", False,
     {"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "hq.example.com"},
     "https://hq.example.com/dav/us"),
    ("http://hq.example.com/cockpit/", True, {}, "https://hq.example.com"),
    ("https://hq.example.com/cockpit/", False, {"X-Forwarded-Host": "bad host/x"},
     "https://hq.example.com"),
])
def test_the_server_address_is_where_the_browser_reached_the_cockpit_minus_cockpit(
        engine: Engine, base: str, secure: bool, headers: dict[str, str],
        expected: str) -> None:
    """A database's mount (/NAME) and a proxy's prefix are in front of /cockpit, as they are
    in front of /feeds."""
    app = create_app(engine, secure_cookies=secure)
    with app.test_request_context("/subscription", base_url=base, headers=headers):
        assert server_url() == expected
