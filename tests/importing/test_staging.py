"""Uploads wait for their confirmation in the database: streamed in parts, found only by
whoever uploaded them, removed a day after they were staged."""

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bridge.errors import BridgeError
from bridge.hq.errors import NotFound
from bridge.importing.staging import KEPT_FOR, PART, Staging
from bridge.infra.db import transaction
from bridge.models import StagedUpload, StagedUploadPart
from tests.clock import NOW, iso
from tests.conftest import Bridge, appointment

EXPORT = {"format": "bus-appointments/1",
          "exported_at": (NOW - timedelta(hours=1)).isoformat(),
          "appointments": [appointment("MA-1", start=iso(45, "09:00"), end=iso(45, "10:00"))]}


def _parts(engine: Engine) -> int:
    with transaction(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(StagedUploadPart)) or 0


def test_a_large_upload_is_kept_in_parts_and_read_back_whole(hq: Bridge, engine: Engine) -> None:
    staging = Staging(engine)
    content = json.dumps(EXPORT, indent=1).encode() + b" " * (2 * PART + 5)  # (blanks: JSON)
    token = staging.stage(io.BytesIO(content), "C:\\exports\\big export.json", "eclerk", NOW)
    assert _parts(engine) == 3
    with transaction(engine, write=False) as session:
        staged = session.get(StagedUpload, token)
        assert staged is not None
        assert (staged.filename, staged.size, staged.ready) == (
            "big export.json", len(content), True)
    preview = staging.dry_run(token, "eclerk", NOW)
    assert (preview.filename, preview.records, preview.counts["imported"]) == (
        "big export.json", 1, 1)
    assert staging.preview(token, "eclerk") == preview
    assert [outcome.outcome for outcome in staging.outcomes(token, "eclerk", 0, 10)] == [
        "admitted"]


def test_an_upload_is_found_by_its_uploader_only(hq: Bridge, engine: Engine) -> None:
    staging = Staging(engine)
    token = staging.stage(io.BytesIO(json.dumps(EXPORT).encode()), "a.json", "eclerk", NOW)
    staging.dry_run(token, "eclerk", NOW)
    for owner, asked in (("awhite", token), ("eclerk", token + "x"), ("eclerk", "x" * 500)):
        with pytest.raises(NotFound):
            staging.preview(asked, owner)
    with pytest.raises(NotFound):
        staging.discard(token, "awhite")
    staging.discard(token, "eclerk")
    with pytest.raises(NotFound):
        staging.preview(token, "eclerk")
    assert _parts(engine) == 0


def test_uploads_older_than_a_day_are_removed_when_another_is_staged(
        hq: Bridge, engine: Engine) -> None:
    staging = Staging(engine)
    old = staging.stage(io.BytesIO(b"{}"), "old.json", "eclerk", NOW - KEPT_FOR - timedelta(
        minutes=1))
    recent = staging.stage(io.BytesIO(b"{}"), "recent.json", "eclerk", NOW - KEPT_FOR
                           + timedelta(minutes=1))
    staging.stage(io.BytesIO(b"{}"), "new.json", "eclerk", NOW)
    with transaction(engine, write=False) as session:
        assert set(session.scalars(select(StagedUpload.token))) >= {recent}
        assert session.get(StagedUpload, old) is None
    assert _parts(engine) == 2


def test_an_upload_cut_off_half_way_leaves_nothing(hq: Bridge, engine: Engine) -> None:
    class CutOff(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() >= PART:
                raise OSError("the client went away")
            return super().read(size)

    with pytest.raises(OSError):
        Staging(engine).stage(CutOff(b"x" * (3 * PART)), "cut.json", "eclerk", NOW)
    with transaction(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(StagedUpload)) == 0
    assert _parts(engine) == 0


def test_an_import_that_fails_leaves_the_upload_to_confirm_again(hq: Bridge,
                                                                 engine: Engine) -> None:
    staging = Staging(engine)
    token = staging.stage(io.BytesIO(json.dumps(EXPORT).encode()), "a.json", "eclerk", NOW)
    staging.dry_run(token, "eclerk", NOW)
    assert hq("definition", "deactivate", "ibus.AppointmentSynchronize").exit_code == 0
    with pytest.raises(BridgeError):
        staging.confirm(token, "eclerk", NOW)
    assert staging.preview(token, "eclerk").records == 1  # still there, ready
    assert hq("definition", "activate", "ibus.AppointmentSynchronize").exit_code == 0
    assert staging.confirm(token, "eclerk", NOW).counts["imported"] == 1
    with pytest.raises(NotFound):  # imported: a second confirmation finds nothing
        staging.confirm(token, "eclerk", NOW)
