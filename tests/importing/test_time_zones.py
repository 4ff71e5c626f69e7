"""Times keep the offset they came with; "in the future" compares instants, not wall clocks."""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import Result

from tests.clock import WARSAW, day, iso, next_transition, utc, zulu
from tests.conftest import NOW_ISO, Bridge, WriteExport, activities_json, appointment

BOGOTA = "America/Bogota"  # -05:00 all year
KOLKATA = "Asia/Kolkata"  # +05:30 all year
KIRITIMATI = "Pacific/Kiritimati"  # +14:00 all year


def run(hq: Bridge, write_export: WriteExport, *records: dict[str, Any],
        now: str = NOW_ISO) -> Result:
    result = hq("import", "activities", write_export("appointments", list(records)), "--now", now)
    assert result.exit_code == 0, result.output
    return result


def test_original_offsets_are_kept(hq: Bridge, write_export: WriteExport) -> None:
    run(hq, write_export,
        appointment("MA-1", start=iso(6, "09:00", BOGOTA), end=iso(6, "10:00", BOGOTA)),
        appointment("MA-2", start=iso(6, "09:00", KOLKATA), end=iso(6, "10:00", KOLKATA)))
    starts = {a["mobile_id"]: (a["start"], a["end"]) for a in activities_json(hq)}
    assert iso(6, "09:00", BOGOTA).endswith("T09:00:00-05:00")
    assert iso(6, "09:00", KOLKATA).endswith("T09:00:00+05:30")
    assert starts == {
        "MA-1": (iso(6, "09:00", BOGOTA), iso(6, "10:00", BOGOTA)),
        "MA-2": (iso(6, "09:00", KOLKATA), iso(6, "10:00", KOLKATA)),
    }


def test_appointment_across_midnight_in_its_zone(hq: Bridge, write_export: WriteExport) -> None:
    run(hq, write_export, appointment("MA-1", start=iso(6, "23:30"), end=iso(7, "00:30")))
    [activity] = activities_json(hq)
    assert (activity["start"], activity["end"]) == (iso(6, "23:30"), iso(7, "00:30"))


def test_future_is_judged_by_the_instant_not_the_local_date(
        hq: Bridge, write_export: WriteExport) -> None:
    # At +14:00, 00:30 tomorrow is 10:30 UTC today (after the 09:00 UTC clock) while 22:30
    # today is 08:30 UTC (before it), although both local times look "later".
    assert utc(1, "00:30", KIRITIMATI) == utc(0, "10:30", "UTC")
    assert utc(0, "22:30", KIRITIMATI) == utc(0, "08:30", "UTC")
    run(hq, write_export,
        appointment("MA-1", start=iso(1, "00:30", KIRITIMATI), end=iso(1, "01:00", KIRITIMATI)),
        appointment("MA-2", start=iso(0, "22:30", KIRITIMATI), end=iso(0, "23:00", KIRITIMATI)))
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]


def test_offsets_across_the_dst_change_are_kept_per_time(
        hq: Bridge, write_export: WriteExport) -> None:
    # Europe/Warsaw's next end of summer time (03:00 summer time → 02:00 winter time):
    # an appointment from 90 minutes before it to 30 minutes after, each time in the offset
    # in force at that time
    change = next_transition(WARSAW)
    start = (change - timedelta(minutes=90)).astimezone(ZoneInfo(WARSAW))
    end = (change + timedelta(minutes=30)).astimezone(ZoneInfo(WARSAW))
    assert start.utcoffset() - end.utcoffset() == timedelta(hours=1)
    run(hq, write_export, appointment("MA-1", start=start.isoformat(), end=end.isoformat()))
    [activity] = activities_json(hq)
    assert activity["start"] == start.isoformat()
    assert activity["end"] == end.isoformat()


def test_utc_z_times_are_accepted(hq: Bridge, write_export: WriteExport) -> None:
    start = utc(6, "09:00", "UTC")
    run(hq, write_export, appointment("MA-1", start=zulu(start),
                                      end=zulu(start + timedelta(hours=1))))
    assert zulu(start).endswith("T09:00:00Z")
    assert activities_json(hq)[0]["start"] == start.isoformat()


def test_date_range_filter_uses_the_instant(hq: Bridge, write_export: WriteExport) -> None:
    run(hq, write_export,
        appointment("MA-1", start=iso(6, "23:30", BOGOTA), end=iso(7, "00:30", BOGOTA)))
    # 23:30 -05:00 on one day is 04:30 UTC on the next
    assert utc(6, "23:30", BOGOTA) == utc(7, "04:30", "UTC")
    assert [a["mobile_id"] for a in activities_json(hq, "--from", str(day(7)))] == ["MA-1"]
    assert activities_json(hq, "--to", str(day(6))) == []
