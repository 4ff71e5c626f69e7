"""An export file uploaded in the cockpit runs as a dry run first; the preview shows every
record's outcome; nothing is imported until the user confirms."""

import http.client
import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import Engine, func, select

from bridge.infra.db import transaction
from bridge.models import Activity, ImportRun, StagedUpload
from bridge.web.app import MAX_UPLOAD
from tests.clock import NOW, iso
from tests.conftest import Bridge, appointment, customer, recorded_as_running
from tests.web.conftest import Cockpit, Cockpits

EXPORTED_AT = (NOW - timedelta(hours=1)).isoformat()
EXPORT = {"format": "bus-appointments/1", "exported_at": EXPORTED_AT,
          "appointments": [
              appointment("MA-1", start=iso(45, "09:00"), end=iso(45, "10:00")),
              appointment("MA-2", customer="C-9999", start=iso(46, "09:00"),
                          end=iso(46, "10:00")),
          ]}


def _upload(hq_user: Cockpit, document: dict[str, Any] = EXPORT,
            name: str = "appointments.json") -> requests.Response:
    return hq_user.post("imports/upload", files={
        "file": (name, json.dumps(document).encode(), "application/json")})


def _counts(engine: Engine) -> tuple[int, int]:
    with transaction(engine, write=False) as session:
        return (session.scalar(select(func.count()).select_from(Activity)),
                session.scalar(select(func.count()).select_from(ImportRun)))


def test_an_upload_previews_each_record_then_imports_only_when_confirmed(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    before = _counts(engine)
    clerk = cockpit("eclerk")
    preview = _upload(clerk)
    assert preview.status_code == 200 and "/imports/preview/" in preview.url
    assert "Dry run of appointments.json" in preview.text
    assert "MA-1 / APP/MA-1</td><td>admitted" in preview.text
    assert "MA-2 / APP/MA-2</td><td>skipped" in preview.text
    assert "C-9999" in preview.text  # the reason names the missing customer
    assert _counts(engine) == before
    done = clerk.post(preview.url.split("/cockpit/")[1] + "/confirm")
    assert done.status_code == 200 and "/imports/" in done.url
    assert "Run " in done.text and "appointments.json" in done.text
    with transaction(engine, write=False) as session:
        assert session.scalar(select(Activity.name).where(Activity.mobile_id == "MA-1"))
        assert session.scalar(select(Activity.id).where(Activity.mobile_id == "MA-2")) is None
        run = session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert (run.imported, run.skipped, run.started_by) == (1, 1, "eclerk")


def test_a_run_whose_process_is_gone_is_shown_as_interrupted(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    gone = recorded_as_running(engine)
    clerk = cockpit("eclerk")
    listing = clerk.get("imports").text
    assert f">{gone}</a></td>" in listing and "<td>interrupted</td>" in listing, listing
    page = clerk.get(f"imports/{gone}").text
    assert f"Run {gone}: activities (interrupted)" in page
    assert "nothing of it was imported — run it again" in page


def test_a_discarded_upload_imports_nothing_and_is_gone(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    before = _counts(engine)
    clerk = cockpit("eclerk")
    preview = _upload(clerk)
    path = preview.url.split("/cockpit/")[1]
    assert clerk.post(path + "/discard").status_code == 200
    assert clerk.get(path).status_code == 404
    assert _counts(engine) == before


def test_a_customers_export_is_recognised_and_previewed_too(hq: Bridge, cockpit: Cockpits) -> None:
    document = {"format": "bus-customers/1", "exported_at": EXPORTED_AT,
                "customers": [customer("C-1001", name="Acme Trading"),
                              customer("C-3001", name="New One")]}
    page = _upload(cockpit("eclerk"), document, "customers.json").text
    assert "C-1001 / Acme Trading</td><td>unchanged" in page
    assert "C-3001 / New One</td><td>admitted" in page


def test_only_the_uploader_sees_their_preview_and_only_hq_users_import(
        hq: Bridge, cockpit: Cockpits) -> None:
    preview = _upload(cockpit("eclerk"))
    path = preview.url.split("/cockpit/")[1]
    assert cockpit("awhite").get(path).status_code == 403  # a manager is no HQ user
    assert cockpit("bwilson").get("imports").status_code == 403
    assert _upload(cockpit("bwilson")).status_code == 403


def test_a_broken_file_is_refused_with_its_name_and_the_problem(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    before = _counts(engine)
    clerk = cockpit("eclerk")
    answer = clerk.http.post(clerk.url("imports/upload"), data={"csrf_token": clerk.token()},
                             files={"file": ("broken.json", b'{"format": "bus-appoint')})
    assert answer.status_code == 200 and answer.url.endswith("/imports")
    assert "broken.json" in answer.text and "not valid JSON" in answer.text
    assert _counts(engine) == before


def test_an_upload_over_the_limit_is_refused_with_413_and_nothing_is_kept(
        hq: Bridge, cockpit: Cockpits, engine: Engine) -> None:
    clerk = cockpit("eclerk")
    head = (f"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{clerk.token()}\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"big.json\"\r\n\r\n").encode()
    address = urlsplit(clerk.url("imports/upload"))
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.putrequest("POST", address.path)
    for name, value in (("Content-Type", "multipart/form-data; boundary=b"),
                        ("Content-Length", str(MAX_UPLOAD + 1)),
                        ("Cookie", "; ".join(f"{c.name}={c.value}" for c in clerk.http.cookies))):
        connection.putheader(name, value)
    connection.endheaders(head + b" " * 65536)  # (the rest is never sent: refused by its length)
    answer = connection.getresponse()
    assert answer.status == 413, answer.read()[:600]
    connection.close()
    with transaction(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(StagedUpload)) == 0
