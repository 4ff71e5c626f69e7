"""Where HQ's rows show: tasks in the task list, mobile appointments apart (read-only), every
other appointment in the appointments; the names of their items stay the same across renders
and re-imports."""

import pytest

from bridge.hq.placement import (
    Projection,
    customer_href,
    customer_number,
    customer_uid,
    default_href,
    default_uid,
    projection_for,
)
from bridge.models import Kind, Origin


@pytest.mark.parametrize("kind, origin, projection", [
    (Kind.TASK, Origin.HQ, Projection.TASKS),
    (Kind.TASK, Origin.CLIENT, Projection.TASKS),
    (Kind.APPOINTMENT, Origin.MOBILE, Projection.MOBILE),
    (Kind.APPOINTMENT, Origin.HQ, Projection.APPOINTMENTS),
    (Kind.APPOINTMENT, Origin.CLIENT, Projection.APPOINTMENTS),
])
def test_each_activity_lands_in_one_collection_kind(kind: Kind, origin: Origin,
                                                    projection: Projection) -> None:
    assert projection_for(kind, origin) is projection


def test_a_mobile_appointment_is_named_by_its_mobile_id_whatever_its_number() -> None:
    assert default_uid("APP/1", "m-7") == default_uid("HQ-000009", "m-7") \
        == "mobile-m-7@sales-calendar-bridge"
    assert default_href("APP/1", "m-7") == "mobile-m-7.ics"


def test_an_hq_activity_is_named_by_its_number_with_unsafe_characters_replaced() -> None:
    assert default_uid("HQ/2026 #1", None) == "HQ-2026--1@sales-calendar-bridge"
    assert default_href("HQ/2026 #1", None) == "HQ-2026--1.ics"


@pytest.mark.parametrize("number", ["C-1001", "10 042", "Müller/1"])
def test_a_customers_card_is_named_by_its_number(number: str) -> None:
    href = customer_href(number)
    assert href.startswith("customer-") and href.endswith(".vcf") and "/" not in href
    assert customer_uid(number).endswith("@sales-calendar-bridge")
    safe = number.isascii() and " " not in number and "/" not in number
    assert (customer_number(href) == number) is safe, "unsafe characters come back altered"


def test_an_href_that_is_no_customers_names_no_customer() -> None:
    assert customer_number("mobile-m-7.ics") is None
