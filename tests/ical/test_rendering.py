"""The texts the calendar server keeps are written line by line for speed; they must be
byte for byte what icalendar and vobject write for the same activity or customer."""

import itertools
from datetime import timedelta

import pytest

from bridge.ical.render import activity_calendar, calendar_text, render_activity
from bridge.ical.vcard import customer_card, customer_vcard
from bridge.models import Activity, Customer, Kind, Origin, Status
from tests.clock import next_date, on

DAY = next_date(12, 1)
"""The activities' day: in winter, the time of year of ZONES' offsets of the named zones
(Warsaw +01:00, New York -05:00)."""
START = on(DAY, "09:00", "UTC")
CREATED = on(DAY - timedelta(days=30), "00:00", "UTC")
MODIFIED = on(DAY - timedelta(days=29), "08:05", "UTC").replace(second=3, microsecond=120)
UID = "customer-10001@sales-calendar-bridge"

TEXTS = ["", "Visit", "Müller & Söhne; review, plan\\next\nline\r\nend", "ü" * 40,
         "x" * 74, "y" * 140, "a^b\\" * 40, "z" * 60 + "^" * 30 + "\\" * 50]


def _activity(**given: object) -> Activity:
    values: dict = dict(
        number="A-000123", name="Visit", kind=Kind.APPOINTMENT, origin=Origin.MOBILE,
        status=Status.PLANNED, mobile_status="planned", priority=5, description="",
        start_at=START, start_offset=60,
        end_at=START + timedelta(minutes=90), end_offset=60, timezone=None,
        all_day=False, customer_address="Hauptstr. 1, 10115 Berlin", mobile_id="M-1",
        uid="mobile-M-1@bridge", href="mobile-M-1.ics", completed_on=None, completed_by=None,
        created_at=CREATED, modified_at=MODIFIED, revision=3,
    )
    return Activity(**{**values, **given})


ZONES = [(None, 0), (None, 60), (None, -330), ("Europe/Warsaw", 60), ("UTC", 0),
         ("America/New_York", -300)]


@pytest.mark.parametrize("kind,status", list(itertools.product(Kind, Status)))
def test_activity_text_is_what_icalendar_writes(kind: Kind, status: Status) -> None:
    done = status in (Status.COMPLETED, Status.COMPLETED_UNPROCESSED)
    for (zone, offset), all_day, text, dated in itertools.product(
            ZONES, (False, True), TEXTS, ("both", "start", "end", "none")):
        activity = _activity(
            kind=kind, status=status, timezone=zone, start_offset=offset, end_offset=offset,
            all_day=all_day, name=text or "n", description=text, customer_address=text or None,
            mobile_status=text or None,
            completed_on=START + timedelta(hours=22) if done else None,
            completed_by="bwilson" if done else None,
            start_at=None if dated in ("end", "none") else START,
            end_at=None if dated in ("start", "none") else START + timedelta(hours=1))
        for customer in (None, "C-1"):
            expected = calendar_text(render_activity(activity, customer))
            assert activity_calendar(activity, customer) == expected, (zone, all_day, text, dated)


def test_a_client_copy_keeps_what_hq_does_not_model() -> None:
    copy = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//client//EN\r\nBEGIN:VEVENT\r\n"
            "UID:x\r\nSUMMARY:old\r\nCATEGORIES:Mine\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
            "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    text = activity_calendar(_activity(origin=Origin.CLIENT), "C-1", copy)
    assert "BEGIN:VALARM" in text and "CATEGORIES:Mine" in text
    assert "SUMMARY:Visit" in text and "SUMMARY:old" not in text
    assert "SUMMARY:A-000123 Visit" in activity_calendar(_activity(origin=Origin.HQ), "C-1", copy)


def _customer(**given: object) -> Customer:
    values: dict = dict(number="C-0001", name="Müller GmbH", street="Hauptstr. 1",
                        postal_code="10115", city="Berlin", country="DE", phone="+49 30 1",
                        email="info@mueller.example", active=True, revision=1,
                        modified_at=on(DAY - timedelta(days=29), "00:00", "UTC"))
    return Customer(**{**values, **given})


def test_customer_text_is_what_vobject_writes() -> None:
    for name, street, phone, channel, active in itertools.product(
            [t for t in TEXTS if t] + ["z" * 73], [None, "Hauptstr. 1; a,b", "ö" * 80],
            [None, "+49;1,2"], [None, "North, South;x"], (True, False)):
        customer = _customer(name=name, street=street, phone=phone, active=active,
                             country=None if street is None else "DE")
        expected = customer_card(customer, channel, UID).serialize()
        assert customer_vcard(customer, channel, UID) == expected, (name, street, phone, channel)
