"""Where HQ's rows show: the collection kind each activity lands in, and the names (UID, href)
its items and each customer's card carry, stable across renders and re-imports."""

import enum
import re

from bridge.models import Activity, Kind, Origin


class Projection(enum.StrEnum):
    """A kind of representative's collection showing HQ rows."""

    APPOINTMENTS = "appointments"
    MOBILE = "mobile"
    TASKS = "tasks"
    CUSTOMERS = "customers"


UID_DOMAIN = "sales-calendar-bridge"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def projection_of(activity: Activity) -> Projection:
    return projection_for(activity.kind, activity.origin)


def projection_for(kind: Kind, origin: Origin) -> Projection:
    """Tasks in the task list, mobile appointments (read-only) apart from all others."""
    if kind is Kind.TASK:
        return Projection.TASKS
    return Projection.MOBILE if origin is Origin.MOBILE else Projection.APPOINTMENTS


def _key(number: str, mobile_id: str | None) -> str:
    return _UNSAFE.sub("-", f"mobile-{mobile_id}" if mobile_id else number)


def default_uid(number: str, mobile_id: str | None) -> str:
    """UID of an activity no client named: stable across renders and re-imports (a mobile
    appointment is known by its mobile id, whatever its number becomes)."""
    return f"{_key(number, mobile_id)}@{UID_DOMAIN}"


def default_href(number: str, mobile_id: str | None) -> str:
    return f"{_key(number, mobile_id)}.ics"


def customer_href(number: str) -> str:
    return f"customer-{_UNSAFE.sub('-', number)}.vcf"


def customer_number(href: str) -> str | None:
    """The customer number a customer's href carries as it is (None: not a customer's href);
    numbers with unsafe characters come back altered (see customer_href)."""
    if href.startswith("customer-") and href.endswith(".vcf"):
        return href[len("customer-"):-len(".vcf")]
    return None


def customer_uid(number: str) -> str:
    return f"customer-{_UNSAFE.sub('-', number)}@{UID_DOMAIN}"
