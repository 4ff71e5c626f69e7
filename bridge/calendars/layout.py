"""A representative's provisioned collections as the server shows them: path, type, name,
colour, and why clients cannot write where they cannot. (Which activity lands in which
is HQ's rule: :mod:`bridge.hq.placement`.)"""

from dataclasses import dataclass

from bridge.hq.placement import Projection


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


def collection_path(login: str, projection: Projection) -> str:
    return f"{login}/{projection.value}"
