"""HQ's writes publish what they changed through one seam: a consumer that subscribes sees every
change (an import's, an HQ command's, where a moved activity left too), in the writing
transaction; HQ knows none of its consumers, and a write nobody listens to is a wiring error."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bridge.calendars import hq_changes, rendered
from bridge.hq import published
from bridge.hq.editing import ActivityFields, add_activity
from bridge.hq.placement import projection_for
from bridge.hq.published import Change
from bridge.infra.db import transaction
from bridge.models import Activity, Kind
from tests.clock import NOW, iso
from tests.conftest import (
    Bridge,
    WriteExport,
    appointment,
    customer,
    import_appointments,
    later_version,
)


@pytest.fixture
def seen() -> Iterator[list[Change]]:
    """The changes HQ publishes while the test runs, as a new consumer (an ICS feed, push
    notifications) would receive them."""
    changes: list[Change] = []

    def listener(session: Session, change: Change) -> None:
        assert session.in_transaction(), "a change is published inside its transaction"
        changes.append(change)

    published.subscribe(listener)
    yield changes
    published.unsubscribe(listener)


def test_an_import_publishes_each_new_appointment_where_it_shows(
        hq: Bridge, write_export: WriteExport, seen: list[Change]) -> None:
    import_appointments(hq, write_export, appointment("1"), appointment("2"))
    written = [each for change in seen for each in change.activities]
    assert sorted(each.href for each in written) == ["mobile-1.ics", "mobile-2.ics"]
    assert {projection_for(each.kind, each.origin).value for each in written} == {"mobile"}
    inserted = [row["number"] for change in seen for row in change.inserted]
    assert sorted(inserted) == ["APP/1", "APP/2"]


def test_a_moved_activity_is_published_where_it_left_too(
        hq: Bridge, write_export: WriteExport, seen: list[Change]) -> None:
    import_appointments(hq, write_export, appointment("1"))
    seen.clear()
    import_appointments(hq, write_export, later_version("1", representative="cdavis",
                                                       sales_channel="South",
                                                       customer="C-2001"))
    where = {(each.representative_id, each.href) for change in seen
             for each in change.activities}
    assert len(where) == 2, "where it is now and where it left"


def test_an_hq_command_and_a_customer_import_publish_their_changes(
        hq: Bridge, write_export: WriteExport, seen: list[Change]) -> None:
    result = hq("activities", "add", "--kind", "task", "--name", "Call back",
                "--representative", "bwilson", "--start", iso(60, "09:00"),
                "--end", iso(60, "10:00"))
    assert result.exit_code == 0, result.output
    assert [each.kind.value for change in seen for each in change.activities] == ["task"]
    seen.clear()
    result = hq("import", "customers", write_export("customers", [customer("C-3001")]))
    assert result.exit_code == 0, result.output
    assert [each.number for change in seen for each in change.customers] == ["C-3001"]


def test_a_write_nobody_subscribed_to_is_refused_not_lost(hq: Bridge, engine: Engine) -> None:
    """Without the calendar server's listeners, a change would reach no sync token: the
    write fails and its transaction is rolled back (an entry point forgot
    bridge.calendars.subscribe())."""
    published.unsubscribe(hq_changes.on_hq_change)
    published.unsubscribe(rendered.on_hq_change)
    try:
        with pytest.raises(RuntimeError, match="no consumer is subscribed"), \
                transaction(engine) as session:
            add_activity(session, Kind.TASK, ActivityFields(
                name="Call back", end=NOW + timedelta(days=1), representative="bwilson"), NOW)
    finally:
        published.subscribe(hq_changes.on_hq_change)
        published.subscribe(rendered.on_hq_change)
    with transaction(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 0
