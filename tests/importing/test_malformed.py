"""One malformed record is reported (naming the record and the field) and skipped; the
others are imported. Unknown extra fields are ignored."""

import json
from pathlib import Path

from click.testing import Result

from tests.clock import at, iso
from tests.conftest import NOW_ISO, Bridge, WriteExport, activities_json, appointment


def run_import(hq: Bridge, path: Path) -> Result:
    return hq("import", "activities", path, "--now", NOW_ISO)


def test_missing_required_field_rejects_that_record_only(
        hq: Bridge, write_export: WriteExport) -> None:
    broken = appointment("MA-2")
    del broken["customer"]
    result = run_import(hq, write_export("appointments", [appointment("MA-1"), broken,
                                                            appointment("MA-3")]))
    assert result.exit_code == 0
    assert sorted(a["mobile_id"] for a in activities_json(hq)) == ["MA-1", "MA-3"]
    assert "MA-2" in result.output and "field 'customer'" in result.output
    assert "required field is missing" in result.output


def test_wrong_type_rejects_the_record_naming_the_field(
        hq: Bridge, write_export: WriteExport) -> None:
    result = run_import(hq, write_export("appointments", [appointment("MA-1", confirmed="yes")]))
    assert activities_json(hq) == []
    assert "MA-1" in result.output and "field 'confirmed'" in result.output


def test_time_without_utc_offset_is_rejected(hq: Bridge, write_export: WriteExport) -> None:
    result = run_import(hq, write_export("appointments", [
        appointment("MA-1", start=at(6).replace(tzinfo=None).isoformat())]))
    assert activities_json(hq) == []
    assert "field 'start'" in result.output


def test_end_before_start_is_rejected(hq: Bridge, write_export: WriteExport) -> None:
    result = run_import(hq, write_export("appointments", [
        appointment("MA-1", start=iso(6, "10:00"), end=iso(6, "09:00"))]))
    assert activities_json(hq) == []
    assert "MA-1" in result.output and "before start" in result.output


def test_a_record_that_is_not_an_object_is_named_by_its_position(
        hq: Bridge, write_export: WriteExport) -> None:
    result = run_import(hq, write_export("appointments", [appointment("MA-1"), "oops"]))
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]
    assert "record #2" in result.output


def test_unknown_extra_fields_are_ignored(hq: Bridge, write_export: WriteExport) -> None:
    result = run_import(hq, write_export("appointments", [
        appointment("MA-1", colour="green", gps={"lat": 52.2})]))
    assert result.exit_code == 0
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]


def test_rejections_are_kept_with_the_run(hq: Bridge, write_export: WriteExport) -> None:
    run_import(hq, write_export("appointments", [appointment("MA-1", confirmed=1)]))
    shown = hq("runs", "show", "3").output
    assert "MA-1" in shown and "field 'confirmed'" in shown


def test_file_of_another_format_is_refused_naming_the_file(
        hq: Bridge, write_export: WriteExport) -> None:
    path = write_export("customers", [])
    result = run_import(hq, path)
    assert result.exit_code != 0
    assert str(path) in result.output and "bus-customers/1" in result.output


def test_broken_json_imports_nothing_and_names_the_file(hq: Bridge, tmp_path: Path) -> None:
    records = [appointment(f"MA-{i}") for i in range(3000)]
    text = json.dumps({"format": "bus-appointments/1", "appointments": records})
    path = tmp_path / "truncated.json"
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    result = run_import(hq, path)
    assert result.exit_code != 0
    assert "truncated.json" in result.output
    assert "nothing of this file was imported" in result.output
    assert activities_json(hq) == []
    assert "failed" in hq("runs", "list").output


def test_not_a_json_object_is_refused(hq: Bridge, tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    result = run_import(hq, path)
    assert result.exit_code != 0
    assert "list.json" in result.output


def test_a_file_with_a_utf8_byte_order_mark_is_imported(
        hq: Bridge, write_export: WriteExport) -> None:
    path = write_export("appointments", [appointment("MA-1")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Windows tools save UTF-8
    result = run_import(hq, path)
    assert result.exit_code == 0, result.output
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]


def test_a_file_that_is_not_utf8_names_the_first_wrong_byte(hq: Bridge, tmp_path: Path) -> None:
    text = json.dumps({"format": "bus-appointments/1",
                       "appointments": [appointment("MA-1", name="Café visit")]},
                      ensure_ascii=False)
    path = tmp_path / "ansi.json"
    path.write_bytes(text.encode("cp1252"))  # as a Windows tool saves "ANSI"
    result = run_import(hq, path)
    assert result.exit_code != 0
    offset = text.encode("cp1252").index("é".encode("cp1252")) + 1
    assert f"{path}: not UTF-8 at byte {offset} (0xe9)" in result.output
    assert "save it as UTF-8" in result.output and "b'" not in result.output
    assert activities_json(hq) == []


def test_a_utf16_file_is_named_not_utf8_at_its_first_byte(
        hq: Bridge, write_export: WriteExport) -> None:
    path = write_export("appointments", [appointment("MA-1")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    result = run_import(hq, path)
    assert result.exit_code != 0
    assert f"{path}: not UTF-8 at byte 1 (0xff)" in result.output


def test_an_empty_file_is_called_empty(hq: Bridge, tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    result = run_import(hq, path)
    assert result.exit_code != 0
    assert f"{path}: the file is empty" in result.output
    assert "premature EOF" not in result.output
