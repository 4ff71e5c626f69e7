"""Contract of what the calendars keep (``bridge.calendars.rendered``): after every kind of HQ
change — the imports (the status sweep included), the HQ commands, a client's write-back —
each activity's and customer's kept text is of its current revision and is exactly what
rendering the row now gives. (No setting changes what an item's text is: windows change
which items are served, a time zone how a client's floating times are read.)

Tested on the calendar store directly (no HTTP), on SQLite and PostgreSQL."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import Engine, select

from bridge.calendars import rendered
from bridge.calendars.items import ItemMeta
from bridge.calendars.store import CalendarStore
from bridge.hq.placement import customer_uid
from bridge.ical.render import activity_calendar
from bridge.ical.vcard import customer_vcard
from bridge.infra.db import transaction
from bridge.models import Activity, Customer, RenderedActivity, RenderedCustomer
from tests.clock import NOW, day, iso, zulu
from tests.conftest import NOW_ISO, Bridge, WriteExport, appointment, customer, later_version
from tests.storage_plugin.conftest import EVENT


def assert_kept_current(engine: Engine) -> None:
    """Every activity's and customer's kept text is the rendering of its row as it is (a
    client's copy HQ took whole, while the activity is at that revision)."""
    with transaction(engine) as session:
        texts = {row.activity_id: (row.revision, row.text)
                 for row in session.scalars(select(RenderedActivity))}
        rows = session.execute(rendered.ACTIVITY_ROWS).all()
        for row in rows:
            served = row.client_copy if row.client_revision == row.revision else \
                activity_calendar(row, row.customer_number, row.client_copy)
            assert texts.get(row.id) == (row.revision, served), row.number
        cards = {row.customer_id: (row.revision, row.text)
                 for row in session.scalars(select(RenderedCustomer))}
        customers = session.execute(rendered.CUSTOMER_ROWS).all()
        for row in customers:
            card = customer_vcard(row, row.channel, customer_uid(row.number))
            assert cards.get(row.id) == (row.revision, card)
    assert rows and customers, "nothing to check"


def test_imports_keep_what_they_write(engine: Engine, hq: Bridge,
                                      write_export: WriteExport) -> None:
    assert hq("import", "activities", write_export("appointments", [
        appointment("MA-1"), appointment("MA-2", end=iso(0, "08:00"),
                                         start=iso(0, "07:00"))]),
        "--now", YESTERDAY).exit_code == 0
    assert_kept_current(engine)
    assert hq("import", "data", write_export("customers", [customer("C-1001", name="Acme AG")]),
              write_export("appointments", [later_version("MA-1", name="Renamed")]),
              "--now", NOW_ISO).exit_code == 0  # an update, a customer changed, a sweep
    with transaction(engine) as session:
        swept = session.scalars(select(Activity.status).where(Activity.mobile_id == "MA-2"))
        assert [status.value for status in swept] == ["Delayed"]
    assert_kept_current(engine)


YESTERDAY = zulu(NOW - timedelta(days=1))
"""The clock of a first import (the day before the tests' clock)."""
ZONES = ("+01:00", "-08:00", "+05:30", "Z", "+14:00")
STATUSES = (("planned", None, None), ("completed", iso(5, "17:45", "America/Bogota"), "bwilson"),
            ("cancelled", None, None))


def varied(i: int) -> dict[str, object]:
    """An appointment whose fields vary with ``i``: times in other zones, completion, text
    that iCalendar escapes or folds."""
    zone = ZONES[i % len(ZONES)]
    status, completed_on, completed_by = STATUSES[i % len(STATUSES)]
    when = day(i % 28 + 6)  # in 6 to 33 days
    return appointment(
        f"MA-{i}", number=f"APP/{i}", name=f"Visit {i}; agenda, “Q{i % 4 + 1}”",
        description=f"Agenda, item {i}\nBring: price list; samples\\draft " + "long " * (i % 40),
        start=datetime.combine(when, time(9, i % 60)).isoformat() + zone,
        end=datetime.combine(when, time(10, i % 60)).isoformat() + zone,
        status=status, completed_on=completed_on, completed_by=completed_by)


def test_a_long_import_keeps_what_a_helper_process_rendered(
        engine: Engine, hq: Bridge, write_export: WriteExport) -> None:
    """New activities are rendered from the rows as written, not read back; from its second
    chunk on, an import renders in a helper process (``helper_process``): the texts kept are
    those of the rows as stored, whatever zone their times were given in, and an update
    later in the same file is what is kept."""
    long_export = [varied(i) for i in range(1, 2601)]
    long_export.append(later_version("MA-7", number="APP/7", name="Visit 7, moved"))
    assert hq("import", "activities", write_export("appointments", long_export),
              "--now", YESTERDAY).exit_code == 0
    assert_kept_current(engine)
    with transaction(engine) as session:
        assert session.scalar(select(Activity.name).where(Activity.mobile_id == "MA-7")) \
            == "Visit 7, moved"


def test_hq_commands_keep_what_they_change(engine: Engine, hq: Bridge) -> None:
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(8, "10:00"), "--customer", "C-1001").exit_code == 0
    assert hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Call",
              "--end", iso(9, "10:00")).exit_code == 0
    assert_kept_current(engine)
    for command in (("edit", "HQ-000001", "--name", "Visit again", "-r", "cdavis"),
                    ("complete", "HQ-000002"), ("complete", "HQ-000002", "--reopen"),
                    ("delete", "HQ-000001"), ("restore", "HQ-000001")):
        result = hq("activities", *command)
        assert result.exit_code == 0, result.output
        assert_kept_current(engine)


@pytest.mark.parametrize("text_priority", ["hq", "client"])
def test_a_clients_write_back_keeps_its_copy_in_the_text(
        engine: Engine, hq: Bridge, text_priority: str) -> None:
    assert hq("settings", "set", "bwilson", "--text-priority", text_priority).exit_code == 0
    now = NOW + timedelta(days=1)
    for href, summary in (("new.ics", "Lunch"), ("new.ics", "Lunch moved")):
        text = EVENT.format(uid="client-1", summary=summary, description="with Acme")
        text = text.replace("END:VEVENT", "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\n"
                            "END:VALARM\nEND:VEVENT")
        with transaction(engine) as session:
            store = CalendarStore(session, now, writing=True)
            collection = store.collection("bwilson/appointments")
            written = store.put(collection, href, text,
                                ItemMeta("client-1", '"x"', "VEVENT", (0, 1)))
        # taken as written (served so), but for a new title HQ's text priority keeps out
        assert written.as_sent is (summary == "Lunch" or text_priority == "client")
        assert_kept_current(engine)
    with transaction(engine) as session:
        [served] = session.scalars(select(RenderedActivity.text))
    assert "BEGIN:VALARM" in served
    assert ("Lunch moved" in served) is (text_priority == "client")
    assert (served == text) is (text_priority == "client")


def test_a_customer_update_keeps_its_card(engine: Engine, hq: Bridge,
                                          write_export: WriteExport) -> None:
    assert hq("import", "customers", write_export("customers", [
        customer("C-1001", name="Acme Trading", sales_channel="South")]),
        "--now", NOW_ISO).exit_code == 0
    assert hq("activities", "add", "-r", "bwilson", "--name", "Visit",
              "--start", iso(8, "10:00"), "--customer", "C-1001").exit_code == 0
    assert_kept_current(engine)
    with transaction(engine) as session:
        [card] = session.scalars(select(RenderedCustomer.text).join(Customer).where(
            Customer.number == "C-1001"))
    assert "CATEGORIES:South" in card
