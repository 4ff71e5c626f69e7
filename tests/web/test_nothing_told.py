"""Nothing tells an outsider what exists: an unknown login answers as one the viewer may not
see, a wrong password as an unknown login, and a representative's start page shows no
company-wide figures."""

import re
import statistics
import time

import requests

from tests.conftest import Bridge, WriteExport, appointment, import_appointments, opened
from tests.storage_plugin.conftest import Server
from tests.web.conftest import Cockpits, csrf_token, sign_in


def _page_body(answer: requests.Response) -> str:
    """The page without what differs from request to request (its CSRF token, its timing)."""
    return re.sub(r'value="[^"]{40,}"', "", answer.text)


def test_an_unknown_login_in_a_url_answers_as_a_colleagues_does(cockpit: Cockpits) -> None:
    ben = cockpit("bwilson")
    for parameter in ("rep", "team"):
        unknown = ben.get(f"activities?{parameter}=nosuchlogin")
        colleague = ben.get(f"activities?{parameter}=cdavis")
        assert unknown.status_code == colleague.status_code == 200
        assert _page_body(unknown).replace("nosuchlogin", "cdavis") == _page_body(colleague)
    for path in ("settings/{}", "subscription/{}", "lost?rep={}", "activities/export.csv?rep={}"):
        unknown, colleague = ben.get(path.format("nosuchlogin")), ben.get(path.format("cdavis"))
        assert unknown.status_code == colleague.status_code, path
        assert _page_body(unknown).replace("nosuchlogin", "cdavis") == _page_body(colleague), path


def test_a_wrong_password_and_an_unknown_login_answer_alike(server: Server) -> None:
    base = server.url + "cockpit/"
    wrong, unknown = sign_in(base, "bwilson", "wrong-guess-1"), sign_in(base, "nosuch", "x" * 9)
    assert wrong.status_code == unknown.status_code == 401
    assert _page_body(wrong).replace("bwilson", "nosuch") == _page_body(unknown)
    calendar = [requests.request("PROPFIND", server.url + "bwilson/", auth=auth, timeout=30)
                for auth in (("bwilson", "wrong-guess-1"), ("nosuch", "wrong-guess-1"))]
    assert calendar[0].status_code == calendar[1].status_code == 401
    assert calendar[0].text == calendar[1].text
    assert calendar[0].headers["WWW-Authenticate"] == calendar[1].headers["WWW-Authenticate"]


def test_a_representatives_start_page_shows_no_company_wide_import_figures(
        hq: Bridge, write_export: WriteExport, cockpit: Cockpits) -> None:
    import_appointments(hq, write_export, appointment("MA-1", representative="cdavis"),
                        appointment("MA-2", representative="cdavis"))
    ben = cockpit("bwilson").get("").text
    runs = ben.split('id="runs-heading"')[1]
    assert "Imported" not in runs and "company-wide figures are HQ users'" in runs
    hq_runs = cockpit("eclerk").get("").text.split('id="runs-heading"')[1]
    assert "Imported" in hq_runs


def test_an_unknown_login_costs_the_time_a_wrong_password_costs(server: Server) -> None:
    """Both pay the password hash (an unknown login against a stand-in): their medians differ
    by far less than the hash itself takes. Each guess has a login of its own (the throttle
    would lock one login after five)."""
    base = server.url + "cockpit/"

    def median_ms(logins: list[str]) -> float:
        timings = []
        for login in logins:
            http = opened(requests.Session())
            data = {"login": login, "password": "wrong-guess-1",
                    "csrf_token": csrf_token(http.get(base + "sign-in").text)}
            started = time.perf_counter()
            assert http.post(base + "sign-in", data=data).status_code == 401
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

    known = median_ms(["awhite", "bwilson", "cdavis", "eclerk"])
    unknown = median_ms([f"nobody{n}" for n in range(4)])
    assert 1 / 3 < unknown / known < 3, (known, unknown)
