"""Several machines behind a load balancer: two `bridge serve` processes, each in a working
folder of its own, on one database (PostgreSQL, or one SQLite file). Nothing one keeps on its
local disk is needed by the other: a session signed in through one is valid on the other, and
an upload previewed through one is imported through the other."""

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bridge.infra.db import transaction
from bridge.models import Activity, ImportRun, StagedUpload, StagedUploadPart
from tests.clock import NOW, iso
from tests.conftest import appointment
from tests.storage_plugin.conftest import Server, start_bridge_serve, stop_serving
from tests.web.conftest import Cockpit, sign_in

EXPORT = {"format": "bus-appointments/1",
          "exported_at": (NOW - timedelta(hours=1)).isoformat(),
          "appointments": [appointment("MA-7", start=iso(45, "09:00"), end=iso(45, "10:00"))]}


@pytest.fixture
def two_machines(staff_passwords: None, database_url: str,
                 tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    started = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        started.append(start_bridge_serve(database_url, tmp_path / name, "warning",
                                          cwd=tmp_path / name))
    yield started[0][0], started[1][0]
    for _, process in started:
        stop_serving(process)


def test_a_session_and_an_upload_of_one_server_serve_on_the_other(
        two_machines: tuple[Server, Server], engine: Engine, tmp_path: Path) -> None:
    one, two = (server.url + "cockpit/" for server in two_machines)
    signed_in = sign_in(one, "eclerk")
    assert signed_in.status_code == 200 and "Sign out" in signed_in.text
    on_one = Cockpit(one, signed_in.session)  # type: ignore[attr-defined]
    on_two = Cockpit(two, signed_in.session)  # type: ignore[attr-defined]
    assert "Sign out" in on_two.get("").text  # the session cookie of one, valid on two

    preview = on_one.post("imports/upload", files={
        "file": ("appointments.json", json.dumps(EXPORT).encode(), "application/json")})
    assert preview.status_code == 200 and "/imports/preview/" in preview.url, preview.text[:500]
    path = preview.url.split("/cockpit/")[1]
    shown = on_two.get(path)
    assert shown.status_code == 200 and "Dry run of appointments.json" in shown.text
    assert "MA-7 / APP/MA-7</td><td>admitted" in shown.text

    done = on_two.post(path + "/confirm")
    assert done.status_code == 200 and "Imported: run" in done.text, done.text[:500]
    assert "appointments.json" in done.text and str(tmp_path) not in done.text
    with transaction(engine, write=False) as session:
        assert session.scalar(select(Activity.id).where(Activity.mobile_id == "MA-7"))
        run = session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert run is not None and (run.source, run.started_by) == ("appointments.json",
                                                                    "eclerk")
        for table in (StagedUpload, StagedUploadPart):  # imported: forgotten
            assert session.scalar(select(func.count()).select_from(table)) == 0
    assert on_one.get(path).status_code == 404
    for name in ("one", "two"):  # no server kept anything in its working folder
        assert {entry.name for entry in (tmp_path / name).iterdir()
                if not entry.name.startswith(("radicale-", "serve-"))} == set()
