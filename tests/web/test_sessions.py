"""Cockpit sessions end when HQ says so (bridge.hq.sessions): signing out everywhere, a changed
password, an HQ user ending them or a deactivated employee ends every session of the person at
their next request, on every worker — not after the cookie's 10 hours."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from bridge.infra.db import transaction
from bridge.models import Employee
from tests.conftest import Bridge
from tests.storage_plugin.conftest import PASSWORD, Server, start_bridge_serve, stop_serving
from tests.web.conftest import Cockpit, Cockpits, sign_in

NEW_PASSWORD = "a-new-password-42"


def signed_out(cockpit: Cockpit) -> bool:
    """Whether the session is over: the next page is the sign-in form."""
    answer = cockpit.get("activities")
    return answer.url.split("?")[0].endswith("/sign-in") and "Sign out" not in answer.text


def test_signing_out_everywhere_ends_every_browsers_session_and_no_one_elses(
        cockpit: Cockpits) -> None:
    laptop, phone, colleague = cockpit("bwilson"), cockpit("bwilson"), cockpit("cdavis")
    answer = laptop.post("sign-out-everywhere")
    assert "signed out everywhere" in answer.text
    assert signed_out(laptop) and signed_out(phone)
    assert not signed_out(colleague)
    assert not signed_out(cockpit("bwilson"))  # signing in again works


def test_a_changed_password_ends_every_session_and_only_the_new_one_signs_in(
        cockpit: Cockpits, server: Server) -> None:
    laptop, phone = cockpit("bwilson"), cockpit("bwilson")
    answer = laptop.post("account/password", {"current": PASSWORD, "new": NEW_PASSWORD,
                                              "repeat": NEW_PASSWORD})
    assert "Your password is changed" in answer.text
    assert signed_out(laptop) and signed_out(phone)
    base = server.url + "cockpit/"
    assert sign_in(base, "bwilson", PASSWORD).status_code == 401
    assert sign_in(base, "bwilson", NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(("current", "repeat", "status", "reason"), [
    ("not-my-password", NEW_PASSWORD, 403, "The current password is wrong"),
    (PASSWORD, "something-else-1", 400, "its repetition differ"),
    (PASSWORD, None, 400, "at least 8 characters"),
])
def test_a_password_change_is_refused_with_the_reason_and_changes_nothing(
        cockpit: Cockpits, current: str, repeat: str | None, status: int, reason: str) -> None:
    ben = cockpit("bwilson")
    new = NEW_PASSWORD if repeat is not None else "short"
    answer = ben.post("account/password", {"current": current, "new": new,
                                           "repeat": repeat or new})
    assert answer.status_code == status and reason in answer.text
    assert not signed_out(ben)


def test_an_hq_user_ends_a_representatives_sessions_and_the_trail_says_who(
        cockpit: Cockpits) -> None:
    ben, anna = cockpit("bwilson"), cockpit("eclerk")
    assert anna.post("audit/end-sessions", {"login": "bwilson"}).status_code == 200
    assert signed_out(ben) and not signed_out(anna)
    trail = anna.get("audit?login=bwilson&kind=sessions+ended").text
    assert "Sessions ended" in trail and "eclerk" in trail


def test_only_hq_users_may_end_others_sessions(cockpit: Cockpits) -> None:
    ben, carol = cockpit("bwilson"), cockpit("cdavis")
    assert ben.post("audit/end-sessions", {"login": "cdavis"}).status_code == 403
    assert not signed_out(carol)


def test_a_deactivated_employees_session_ends_at_its_next_request(
        cockpit: Cockpits, engine: Engine) -> None:
    ben = cockpit("bwilson")
    with transaction(engine) as session:
        session.execute(update(Employee).where(Employee.login == "bwilson").values(active=False))
    assert signed_out(ben)


def test_ending_sessions_from_the_cli_ends_them(cockpit: Cockpits, hq: Bridge) -> None:
    ben = cockpit("bwilson")
    result = hq("employees", "end-sessions", "bwilson")
    assert result.exit_code == 0 and "have ended" in result.output
    assert signed_out(ben)
    assert hq("employees", "end-sessions", "nobody").exit_code != 0


@pytest.fixture
def two_workers(staff_passwords: None, database_url: str,
                tmp_path: Path) -> Iterator[Server]:
    served, process = start_bridge_serve(database_url, tmp_path, log_level="warning", workers=2)
    yield served
    stop_serving(process)


def test_an_ended_session_is_refused_by_every_worker(two_workers: Server, hq: Bridge) -> None:
    base = two_workers.url + "cockpit/"
    sessions = [sign_in(base, "bwilson").session for _ in range(3)]  # type: ignore[attr-defined]
    ben = [Cockpit(base, http) for http in sessions]
    assert not any(signed_out(each) for each in ben for _ in range(4))
    assert hq("employees", "end-sessions", "bwilson").exit_code == 0
    assert all(signed_out(each) for each in ben for _ in range(4))
