"""Whose busy time a free/busy request is answered with (``bridge.hq.busy_time``):
every active sales representative's, found by e-mail in any case; nobody else's."""

from bridge.hq.busy_time import (
    NO_AUTHORITY,
    SUCCESS,
    UNKNOWN,
    Recipient,
    email_of,
    recipients,
)
from bridge.models import Employee


def person(login: str, active: bool = True, representative: bool = True,
           email: str | None = "") -> Employee:
    return Employee(login=login, name=login, active=active, sales_representative=representative,
                    email=f"{login}@example.com" if email == "" else email)


def test_each_address_is_answered_with_whose_busy_time_or_why_none() -> None:
    ben, eve, old = person("bwilson"), person("eclerk", representative=False), \
        person("gone", active=False)
    asked = ["mailto:BWilson@Example.com", "mailto:eclerk@example.com", "mailto:gone@example.com",
             "mailto:nobody@example.com", "https://example.com/bwilson/"]
    assert recipients(asked, [ben, eve, old]) == [
        Recipient(asked[0], SUCCESS, ben),
        Recipient(asked[1], NO_AUTHORITY),  # no calendars: not a representative
        Recipient(asked[2], NO_AUTHORITY),  # no longer active
        Recipient(asked[3], UNKNOWN),
        Recipient(asked[4], UNKNOWN)]  # only e-mail addresses name calendar users here


def test_of_two_employees_with_one_address_the_representative_answers() -> None:
    ben, twin = person("bwilson"), person("btwin", email="bwilson@example.com",
                                         representative=False)
    assert recipients(["mailto:bwilson@example.com"], [ben, twin]) == [
        Recipient("mailto:bwilson@example.com", SUCCESS, ben)]
    assert recipients(["mailto:bwilson@example.com"], [twin, ben]) == [
        Recipient("mailto:bwilson@example.com", SUCCESS, ben)]


def test_an_email_is_read_from_a_mailto_address() -> None:
    assert email_of("MAILTO: Ben@Example.com") == "ben@example.com"
    assert email_of("mailto:") is None
    assert email_of("/bwilson/") is None
