"""The write-back rules as a pure decision: from the HQ activity at the href (or a stored
item), the client's item, the representative's settings and window, to what the write does."""

from datetime import timedelta

import pytest

from bridge.calendars.writeback import (
    Before,
    Completion,
    Decision,
    Forbidden,
    OutsideWindow,
    StoreAsSent,
    Target,
    WriteToHQ,
    decide,
)
from bridge.hq.settings import default_settings
from bridge.hq.windows import Window
from bridge.ical.parse import ClientItem
from bridge.models import Activity, Kind, Origin, Status, SyncSettings, TextPriority
from tests.clock import NOW, day, on

WINDOW = Window(on(day(-55), "00:00", "UTC"), on(day(371), "00:00", "UTC"))
START = on(day(8), "09:00", "UTC")
"""When the client's event starts: inside WINDOW."""
APPOINTMENTS = Target(employee_id=7, kind=Kind.APPOINTMENT)
TASKS = Target(employee_id=7, kind=Kind.TASK)
NOTHING = Before(activity=None, stored=False)


def event(**given: object) -> ClientItem:
    values: dict = dict(
        component="VEVENT", uid="client-1", summary="Lunch with Acme", description="Menu",
        start=START, end=START + timedelta(hours=1),
        all_day=False, zone="Europe/Warsaw", status=None, completed=None, percent=None,
        priority=None, customer="C-1001", transfer=None, recurring=False)
    return ClientItem(**{**values, **given})


def hq_activity(**given: object) -> Activity:
    values: dict = dict(number="HQ-000001", name="Visit", kind=Kind.APPOINTMENT,
                        origin=Origin.HQ, status=Status.PLANNED, deleted_at=None)
    return Activity(**{**values, **given})


def settings(**given: object) -> SyncSettings:
    chosen = default_settings()
    for name, value in given.items():
        setattr(chosen, name, value)
    return chosen


def decided(item: ClientItem, before: Before = NOTHING, target: Target = APPOINTMENTS,
            known_customer: bool = True, **chosen: object) -> Decision:
    return decide(before, item, target, settings(**chosen), WINDOW, known_customer, NOW)


def test_a_new_appointment_becomes_a_client_activity_with_the_clients_text() -> None:
    decision = decided(event())
    assert isinstance(decision, WriteToHQ)
    assert decision.number is None and decision.uid == "client-1"
    assert (decision.fields.name, decision.fields.description) == ("Lunch with Acme", "Menu")
    assert decision.fields.customer == "C-1001" and decision.zone == "Europe/Warsaw"
    assert decision.completion is None and not decision.restore


def test_transfer_to_hq_follows_the_setting_unless_the_item_says_otherwise() -> None:
    assert decided(event(), transfer_appointments=False) == StoreAsSent()
    assert isinstance(decided(event(transfer=True), transfer_appointments=False), WriteToHQ)
    assert decided(event(transfer=False)) == StoreAsSent()
    assert decided(event(component="VTODO", end=None), target=TASKS,
                   transfer_tasks=False) == StoreAsSent()


def test_recurring_items_and_appointments_without_a_start_stay_in_the_calendar() -> None:
    assert decided(event(recurring=True)) == StoreAsSent()
    assert decided(event(start=None)) == StoreAsSent()


def test_an_item_stored_as_sent_stays_so() -> None:
    assert decided(event(), Before(activity=None, stored=True)) == StoreAsSent()


def test_mobile_appointments_are_never_written() -> None:
    mobile = hq_activity(origin=Origin.MOBILE, number="APP/1")
    with pytest.raises(Forbidden, match="APP/1 comes from the mobile system"):
        decided(event(), Before(mobile, stored=False))


def test_the_collection_takes_its_own_component_only() -> None:
    with pytest.raises(Forbidden, match="takes VTODO only, not VEVENT"):
        decided(event(), target=TASKS)


def test_an_item_outside_the_window_is_refused_with_the_caldav_precondition() -> None:
    with pytest.raises(OutsideWindow) as refused:
        decided(event(start=on(day(402), "09:00", "UTC"), end=on(day(402), "10:00", "UTC")))
    assert refused.value.precondition == "max-date-time"


def test_text_priority_decides_whose_name_and_description_win() -> None:
    before = Before(hq_activity(), stored=False)
    kept = decided(event(summary="HQ-000001 Renamed"), before)
    assert (kept.fields.name, kept.fields.description) == (None, None)
    taken = decided(event(summary="HQ-000001 Renamed"), before,
                    text_priority=TextPriority.CLIENT)
    assert (taken.fields.name, taken.fields.description) == ("Renamed", "Menu")
    assert taken.number == "HQ-000001" and taken.fields.start == event().start


def test_a_status_completes_cancels_or_reopens() -> None:
    before = Before(hq_activity(), stored=False)
    assert decided(event(status="COMPLETED"), before).completion == Completion(on=NOW)
    assert decided(event(status="CANCELLED"), before).completion == Completion(
        unprocessed=True, on=NOW)
    done_task = Before(hq_activity(kind=Kind.TASK, status=Status.COMPLETED), stored=False)
    task = event(component="VTODO", status="NEEDS-ACTION")
    assert decided(task, done_task, target=TASKS).completion == Completion(reopen=True)
    assert decided(event(status="COMPLETED"), Before(
        hq_activity(status=Status.COMPLETED), stored=False)).completion is None


def test_a_deleted_activity_written_again_is_restored() -> None:
    deleted = Before(hq_activity(deleted_at=NOW), stored=False)
    assert decided(event(), deleted).restore


def test_an_unknown_customer_is_not_linked() -> None:
    assert decided(event(customer="C-9999"), known_customer=False).fields.customer is None


def test_an_event_without_an_end_lasts_an_hour_or_a_day() -> None:
    assert decided(event(end=None)).fields.end == START + timedelta(hours=1)
    all_day = decided(event(end=None, all_day=True, start=on(day(8), "00:00", "UTC")))
    assert all_day.fields.end == on(day(9), "00:00", "UTC")



@pytest.mark.parametrize(("klass", "private"), [("PRIVATE", True), ("CONFIDENTIAL", True),
                                                ("PUBLIC", False), (None, None)])
def test_a_clients_class_makes_an_activity_private_or_not_and_none_leaves_it(
        klass: str | None, private: bool | None) -> None:
    decision = decided(event(private=None if klass is None else klass != "PUBLIC"),
                       Before(hq_activity(private=True), stored=False))
    assert isinstance(decision, WriteToHQ)
    assert decision.fields.private is private
