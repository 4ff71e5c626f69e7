"""Export of exactly the filtered, sorted view of the activities table: CSV, Excel, JSON and
iCalendar, opened as their users open them."""

import csv
import io

import icalendar
import openpyxl
import pytest

from bridge.hq import export
from bridge.web import exports
from tests.clock import day, iso
from tests.conftest import Bridge
from tests.web.conftest import Cockpits


@pytest.fixture
def activities(hq: Bridge) -> None:
    for name, representative, start in (
            ("Alpha", "bwilson", iso(8, "10:00")),
            ("Bravo", "cdavis", iso(6, "10:00")),
            ("Charlie", "bwilson", iso(7, "10:00")),
            ("Delta", "ddiaz", iso(50, "10:00"))):
        assert hq("activities", "add", "-r", representative, "--name", name,
                  "--start", start).exit_code == 0
    assert hq("activities", "complete", "HQ-000003").exit_code == 0


VIEW = f"?rep=bwilson,cdavis&status=Planned&from={day(6)}&to={day(36)}&sort=name"


def test_the_table_and_every_export_hold_the_same_activities_in_the_same_order(
        activities: None, cockpit: Cockpits) -> None:
    anna = cockpit("awhite")
    page = anna.get("activities" + VIEW + "&col=number&col=name").text
    assert page.index(">Alpha<") < page.index(">Bravo<")
    assert "Charlie" not in page and "Delta" not in page
    as_csv = anna.get("activities/export.csv" + VIEW)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["Content-Disposition"]
    assert [row["name"] for row in csv.DictReader(io.StringIO(as_csv.text))] == ["Alpha",
                                                                                 "Bravo"]
    as_json = anna.get("activities/export.json" + VIEW).json()
    assert [record["name"] for record in as_json] == ["Alpha", "Bravo"]
    book = openpyxl.load_workbook(io.BytesIO(anna.get("activities/export.xlsx" + VIEW).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("number", "name", "kind")
    assert [row[1] for row in rows[1:]] == ["Alpha", "Bravo"]
    calendar = icalendar.Calendar.from_ical(anna.get("activities/export.ics" + VIEW).content)
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == [
        "HQ-000001 Alpha", "HQ-000002 Bravo"]


def test_sorting_descending_reverses_the_export(activities: None, cockpit: Cockpits) -> None:
    anna = cockpit("awhite")
    names = [record["name"] for record in anna.get("activities/export.json?sort=-name").json()]
    assert names == ["Delta", "Charlie", "Bravo", "Alpha"]


def test_a_view_beyond_excels_rows_is_refused_with_a_pointer_to_csv(
        activities: None, cockpit: Cockpits, monkeypatch: pytest.MonkeyPatch) -> None:
    """(Excel's row limit made small: a million activities do not fit a test.)"""
    monkeypatch.setattr(exports, "EXCEL_ROWS", 3)
    monkeypatch.setattr(export, "EXCEL_ROWS", 3)
    answer = cockpit("eclerk").get("activities/export.xlsx")
    assert answer.status_code == 413
    assert "export it as CSV" in answer.text
    assert 'href="/cockpit/activities/export.csv' in answer.text


def test_a_bad_filter_in_the_url_is_answered_with_what_is_wrong(
        cockpit: Cockpits, hq: Bridge) -> None:
    answer = cockpit("eclerk").get("activities?status=Sleeping")
    assert answer.status_code == 400
    assert "status: &#39;Sleeping&#39; is not one of Planned" in answer.text
    assert cockpit("eclerk").get("activities/export.csv?sort=colour").status_code == 400


def test_paging_walks_the_view_without_gaps_or_repeats(hq: Bridge, cockpit: Cockpits) -> None:
    for index in range(60):
        assert hq("activities", "add", "-r", "bwilson", "--name", f"Visit {index:02d}",
                  "--start", iso(6, "10:00")).exit_code == 0
    ben = cockpit("bwilson")
    seen = []
    for page in (1, 2, 3):
        text = ben.get(f"activities?sort=name&size=25&page={page}").text
        seen += [f"Visit {n:02d}" for n in range(60) if f">Visit {n:02d}<" in text]
    assert seen == [f"Visit {n:02d}" for n in range(60)]
    assert "60 activities" in ben.get("activities").text
    assert len(ben.get("activities/export.json?size=25&page=2").json()) == 60  # the view, whole
