"""The audit trail (bridge.hq.audit) in the cockpit and `bridge audit list`: sign-ins that
succeeded, failed or were refused, password changes and settings changes, with who, when and
from where — never a password."""

import json

from sqlalchemy import Engine, select

from bridge.infra.db import transaction
from bridge.models import AuditEvent
from tests.conftest import Bridge
from tests.storage_plugin.conftest import PASSWORD, Server
from tests.web.conftest import Cockpits, sign_in

WRONG = "wrong-password-guess"


def test_sign_ins_of_both_servers_are_kept_with_the_address_and_no_password(
        server: Server, engine: Engine) -> None:
    base = server.url + "cockpit/"
    assert sign_in(base, "bwilson", WRONG).status_code == 401
    assert sign_in(base, "bwilson").status_code == 200
    assert sign_in(base, "nosuchlogin", WRONG).status_code == 401
    assert server.client("cdavis").principal() is not None
    with transaction(engine, write=False) as session:
        kept = [(e.kind, e.login, e.address, e.detail)
                for e in session.scalars(select(AuditEvent).where(
                    AuditEvent.kind.like("sign-in%")).order_by(AuditEvent.id))]
        texts = " ".join(f"{e.kind} {e.login} {e.actor} {e.detail}"
                         for e in session.scalars(select(AuditEvent)))
    assert kept == [("sign-in failed", "bwilson", "127.0.0.1", "cockpit: wrong password"),
                    ("sign-in", "bwilson", "127.0.0.1", "cockpit"),
                    ("sign-in failed", "nosuchlogin", "127.0.0.1",
                     "cockpit: not an active employee in HQ"),
                    ("sign-in", "cdavis", "127.0.0.1", "calendar server")]
    assert PASSWORD not in texts and WRONG not in texts


def test_a_calendar_clients_repeated_requests_are_one_sign_in(
        server: Server, engine: Engine) -> None:
    client = server.client("cdavis")
    for _ in range(5):
        client.principal()
    with transaction(engine, write=False) as session:
        count = len(session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "sign-in", AuditEvent.login == "cdavis")).all())
    assert count == 1


def test_hq_users_filter_the_trail_and_others_may_not_open_it(
        server: Server, cockpit: Cockpits) -> None:
    sign_in(server.url + "cockpit/", "bwilson", WRONG)
    anna = cockpit("eclerk")
    failed = anna.get("audit?kind=sign-in+failed").text
    assert "Sign-in failed" in failed and "bwilson" in failed
    assert "<td>Sign-in</td>" not in failed
    only_carol = anna.get("audit?login=cdavis").text
    assert "bwilson" not in only_carol.split("<table>")[-1].split("</table>")[0]
    assert anna.get("audit?from=yesterday").status_code == 400
    assert anna.get("audit?kind=nonsense").status_code == 400
    assert cockpit("bwilson").get("audit").status_code == 403
    assert "Audit trail" not in cockpit("cdavis").get("").text


def test_a_settings_change_is_kept_with_who_made_it(cockpit: Cockpits, hq: Bridge) -> None:
    anna = cockpit("eclerk")
    form = {"calendar_start": "-10d", "calendar_end": "+90d", "task_start": "-30d",
            "task_end": "+90d", "text_priority": "hq", "time_zone": ""}
    assert anna.post("settings/bwilson", form).status_code == 200
    trail = anna.get("audit?kind=settings+changed&login=bwilson").text
    assert "Settings changed" in trail and "eclerk" in trail and "calendar_start=-10d" in trail
    listed = json.loads(hq("audit", "list", "--kind", "settings changed", "--format",
                           "json").output)
    assert [(row["login"], row["actor"]) for row in listed] == [("bwilson", "eclerk")]


def test_bridge_audit_list_filters_and_writes_csv_and_a_table(server: Server,
                                                              hq: Bridge) -> None:
    sign_in(server.url + "cockpit/", "bwilson", WRONG)
    sign_in(server.url + "cockpit/", "cdavis")
    rows = json.loads(hq("audit", "list", "--login", "bwilson", "--format", "json").output)
    assert {row["kind"] for row in rows} == {"sign-in failed", "password changed"}
    assert all(row["at"].endswith("+00:00") for row in rows)
    lines = hq("audit", "list", "--kind", "sign-in", "--format", "csv").output.splitlines()
    assert lines[0] == "at,kind,login,actor,address,detail" and len(lines) == 2
    assert "cdavis" in lines[1]
    table = hq("audit", "list", "--kind", "sign-in failed", "--time-zone", "Europe/Warsaw")
    assert table.exit_code == 0 and "bwilson" in table.output and "127.0.0.1" in table.output
    assert hq("audit", "list", "--kind", "nonsense").exit_code == 2
