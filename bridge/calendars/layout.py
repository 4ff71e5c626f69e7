"""Where things live: the provisioned collections of a representative and their items' names."""

import enum
import re
from dataclasses import dataclass

from bridge.models import Activity, Kind, Origin


class Projection(enum.StrEnum):
    """A provisioned collection showing HQ rows."""

    APPOINTMENTS = "appointments"
    MOBILE = "mobile"
    TASKS = "tasks"
    CUSTOMERS = "customers"


@dataclass(frozen=True)
class ProjectionSpec:
    tag: str
    components: tuple[str, ...]
    writable: bool
    display_name: str
    description: str
    color: str
    read_only_because: str = ""
    """Why clients cannot write here (read-only collections), as a client is told."""


SPECS = {
    Projection.APPOINTMENTS: ProjectionSpec(
        "VCALENDAR", ("VEVENT",), True, "Appointments ({name})",
        "Appointments created in HQ or in your calendar; changes go to HQ.", "#1f6fb2ff"),
    Projection.MOBILE: ProjectionSpec(
        "VCALENDAR", ("VEVENT",), False, "Mobile appointments ({name})",
        "Sales appointments from the mobile app (read-only).", "#e07b00ff",
        "appointments from the mobile app are read-only: they are changed in the mobile app"),
    Projection.TASKS: ProjectionSpec(
        "VCALENDAR", ("VTODO",), True, "Tasks ({name})",
        "Tasks from HQ and your task list; changes go to HQ.", "#2e8b57ff"),
    Projection.CUSTOMERS: ProjectionSpec(
        "VADDRESSBOOK", (), False, "Customers ({name})",
        "Customers of your sales channels (read-only).", "",
        "customers are read-only: they come from HQ's customer data"),
}

UID_DOMAIN = "sales-calendar-bridge"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def collection_path(login: str, projection: Projection) -> str:
    return f"{login}/{projection.value}"


def projection_of(activity: Activity) -> Projection:
    return projection_for(activity.kind, activity.origin)


def projection_for(kind: Kind, origin: Origin) -> Projection:
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
