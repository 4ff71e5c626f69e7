"""Behind a reverse proxy under a path prefix (`config/nginx.conf.example`): every address the
server hands out — DAV hrefs, discovery, the cockpit's links and redirects — keeps the
prefix, whether the proxy strips it (and names it in X-Script-Name) or passes the whole path;
with ``[storage] proxies = 1`` the client's own address counts in the sign-in throttle."""

import re

import requests
from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models.security import LoginFailures
from tests.storage_plugin.conftest import PASSWORD, Server, serving

CLIENT = "203.0.113.7"
FORWARDED = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "hq.example.com"}


def hrefs(answer: requests.Response) -> list[str]:
    return re.findall(r"<href>([^<]*)</href>", answer.text)


def links(page: requests.Response) -> list[str]:
    return re.findall(r'(?:href|action|src)="(/[^"]*)"', page.text)


def check_prefixed(server: Server, address: str, headers: dict[str, str]) -> None:
    """What a client of https://hq.example.com/dav/ gets, asking the server at ``address``
    (the path as the proxy passes it on) with ``headers`` (what the proxy adds)."""
    http = server.http("bwilson")
    home = http.request("PROPFIND", server.url + address + "bwilson/", headers={
        "Depth": "1", **headers})
    assert home.status_code == 207
    assert "/dav/bwilson/appointments/" in hrefs(home)
    assert "/dav/scheduling/bwilson/outbox/" in hrefs(home)  # (and a mailto: address)
    assert all(href.startswith(("/dav/", "mailto:")) for href in hrefs(home))
    discovery = requests.get(server.url + address + ".well-known/caldav", headers=headers,
                             allow_redirects=False)
    assert discovery.headers["Location"].startswith("/dav/")
    browser = requests.Session()
    start = browser.get(server.url + address, headers=headers, allow_redirects=False)
    assert start.headers["Location"] == "/dav/cockpit/"
    to_sign_in = browser.get(server.url + address + "cockpit/", headers=headers,
                             allow_redirects=False)
    assert to_sign_in.status_code == 302
    assert to_sign_in.headers["Location"].startswith("/dav/cockpit/sign-in")
    page = browser.get(server.url + address + "cockpit/sign-in", headers=headers)
    assert page.status_code == 200
    assert links(page) and all(link.startswith("/dav/cockpit/") for link in links(page))


def test_a_proxy_that_strips_its_prefix_and_names_it(
        staff_passwords: None, database_url: str) -> None:
    # nginx: location /dav/ { proxy_pass http://127.0.0.1:5232/; X-Script-Name /dav; … }
    with serving(database_url) as server:
        check_prefixed(server, "", {"X-Script-Name": "/dav", **FORWARDED})


def test_a_proxy_that_passes_the_whole_path(staff_passwords: None, database_url: str) -> None:
    # nginx: location /dav/ { proxy_pass http://127.0.0.1:5232; … } and script_name = /dav
    with serving(database_url, server={"script_name": "/dav"}) as server:
        check_prefixed(server, "dav/", FORWARDED)


def test_the_sign_in_throttle_counts_the_client_not_the_proxy(
        staff_passwords: None, database_url: str, engine: Engine) -> None:
    with serving(database_url, storage={"proxies": "1"}) as server:
        refused = server.http("bwilson", "a guess").request(
            "PROPFIND", server.url + "bwilson/", headers={"Depth": "0", **FORWARDED})
        assert refused.status_code == 401
        assert server.http("bwilson", PASSWORD).request(
            "PROPFIND", server.url + "bwilson/", headers={"Depth": "0"}).status_code == 207
    with transaction(engine, write=False) as session:
        counted = set(session.scalars(select(LoginFailures.key).where(
            LoginFailures.scope == "address", LoginFailures.failures > 0)))
    assert counted == {CLIENT}
