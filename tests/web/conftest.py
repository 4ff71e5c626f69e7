"""The cockpit over real HTTP: a signed-in browser-like session (``requests``) on a real
`bridge serve`, and, for the browser tests, headless Chromium (Debian's ``chromium``)."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.clock import WARSAW, at
from tests.conftest import opened
from tests.storage_plugin.conftest import (  # noqa: F401  (fixtures used by this package)
    PASSWORD,
    Server,
    hq_appointment,
    server,
    staff_passwords,
)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Cockpit:
    """A signed-in session on the cockpit of ``server``, as a browser would hold it."""

    base: str
    http: requests.Session

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), **kwargs)

    def token(self) -> str:
        return csrf_token(self.get("").text)

    def post(self, path: str, data: dict[str, Any] | None = None, *, token: bool = True,
             **kwargs: Any) -> requests.Response:
        data = dict(data or {})
        if token:
            data["csrf_token"] = self.token()
        return self.http.post(self.url(path), data=data, **kwargs)


Cockpits = Callable[[str], Cockpit]
"""The ``cockpit`` fixture: ``cockpit("bwilson")`` → that employee's signed-in :class:`Cockpit`."""


def wall(days: int, clock: str = "09:00") -> str:
    """A form's date and time field (``datetime-local``) of ``clock`` ``days`` from today, as
    typed in Warsaw (the forms' ``time_zone``: :data:`WARSAW`)."""
    return at(days, clock).strftime("%Y-%m-%dT%H:%M")


IN_WARSAW = {"time_zone": WARSAW}
"""What a form says of the zone of its times, for :func:`wall`."""


def csrf_token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(base: str, login: str, password: str = PASSWORD) -> requests.Response:
    """A new session's sign-in, as a browser sends it: the answer after redirects, with the
    session in ``answer.session``."""
    http = opened(requests.Session())
    page = http.get(base + "sign-in")
    answer = http.post(base + "sign-in", data={
        "login": login, "password": password, "csrf_token": csrf_token(page.text)})
    answer.session = http  # type: ignore[attr-defined]
    return answer


@pytest.fixture
def cockpit(server: Server) -> Iterator[Cockpits]:  # noqa: F811
    """``cockpit("bwilson")`` → that employee's signed-in :class:`Cockpit` on the server."""
    base = server.url + "cockpit/"

    def signed_in(login: str) -> Cockpit:
        answer = sign_in(base, login)
        assert answer.status_code == 200 and "Sign out" in answer.text, answer.text[:500]
        return Cockpit(base, answer.session)  # type: ignore[attr-defined]

    yield signed_in
