"""Times keep the offset they came with; "in the future" compares instants, not wall clocks."""

from tests.conftest import NOW_ISO, activities_json, appointment


def run(hq, write_export, *records, now=NOW_ISO):
    result = hq("import", "activities", write_export("appointments", list(records)), "--now", now)
    assert result.exit_code == 0, result.output
    return result


def test_original_offsets_are_kept(hq, write_export):
    run(hq, write_export,
        appointment("MA-1", start="2026-12-01T09:00:00-05:00", end="2026-12-01T10:00:00-05:00"),
        appointment("MA-2", start="2026-12-01T09:00:00+05:30", end="2026-12-01T10:00:00+05:30"))
    starts = {a["mobile_id"]: (a["start"], a["end"]) for a in activities_json(hq)}
    assert starts == {
        "MA-1": ("2026-12-01T09:00:00-05:00", "2026-12-01T10:00:00-05:00"),
        "MA-2": ("2026-12-01T09:00:00+05:30", "2026-12-01T10:00:00+05:30"),
    }


def test_appointment_across_midnight_in_its_zone(hq, write_export):
    run(hq, write_export, appointment("MA-1", start="2026-12-01T23:30:00+01:00",
                                      end="2026-12-02T00:30:00+01:00"))
    [activity] = activities_json(hq)
    assert (activity["start"], activity["end"]) == ("2026-12-01T23:30:00+01:00",
                                                    "2026-12-02T00:30:00+01:00")


def test_future_is_judged_by_the_instant_not_the_local_date(hq, write_export):
    # At +14:00, 2026-11-26T00:30 is 10:30 UTC (after the 09:00 UTC clock) while
    # 2026-11-25T22:30 is 08:30 UTC (before it), although both local dates look "later".
    run(hq, write_export,
        appointment("MA-1", start="2026-11-26T00:30:00+14:00", end="2026-11-26T01:00:00+14:00"),
        appointment("MA-2", start="2026-11-25T22:30:00+14:00", end="2026-11-25T23:00:00+14:00"))
    assert [a["mobile_id"] for a in activities_json(hq)] == ["MA-1"]


def test_offsets_across_the_dst_change_are_kept_per_time(hq, write_export):
    # Europe/Warsaw: summer time ends 2027-10-31 at 03:00 +02:00 → 02:00 +01:00
    run(hq, write_export, appointment("MA-1", start="2027-10-31T01:30:00+02:00",
                                      end="2027-10-31T02:30:00+01:00"))
    [activity] = activities_json(hq)
    assert activity["start"] == "2027-10-31T01:30:00+02:00"
    assert activity["end"] == "2027-10-31T02:30:00+01:00"


def test_utc_z_times_are_accepted(hq, write_export):
    run(hq, write_export, appointment("MA-1", start="2026-12-01T09:00:00Z",
                                      end="2026-12-01T10:00:00Z"))
    assert activities_json(hq)[0]["start"] == "2026-12-01T09:00:00+00:00"


def test_date_range_filter_uses_the_instant(hq, write_export):
    run(hq, write_export,
        appointment("MA-1", start="2026-12-01T23:30:00-05:00", end="2026-12-02T00:30:00-05:00"))
    # 23:30 -05:00 on Dec 1 is 04:30 UTC on Dec 2
    assert [a["mobile_id"] for a in activities_json(hq, "--from", "2026-12-02")] == ["MA-1"]
    assert activities_json(hq, "--to", "2026-12-01") == []
