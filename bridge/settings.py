"""Activity synchronization settings of a representative: show and change them."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bridge.employees import get_employee
from bridge.errors import InvalidInput
from bridge.models import SyncSettings, TextPriority
from bridge.models.settings import DEFAULT_CALENDAR_WINDOW, DEFAULT_TASK_WINDOW
from bridge.windows import Window, parse_bound, window


def default_settings() -> SyncSettings:
    """The settings of a representative who never changed any (not stored)."""
    return SyncSettings(
        calendar_start=DEFAULT_CALENDAR_WINDOW[0], calendar_end=DEFAULT_CALENDAR_WINDOW[1],
        task_start=DEFAULT_TASK_WINDOW[0], task_end=DEFAULT_TASK_WINDOW[1],
        transfer_tasks=True, transfer_appointments=True, text_priority=TextPriority.HQ,
    )


def settings_of(session: Session, login: str) -> SyncSettings:
    employee = get_employee(session, login)
    if not employee.sales_representative:
        raise InvalidInput(
            f"{login} is not a sales representative: only representatives have "
            "synchronization settings"
        )
    settings = session.get(SyncSettings, employee.id)
    if settings is None:
        settings = SyncSettings(employee_id=employee.id)
        session.add(settings)
        session.flush()
    return settings


@dataclass(frozen=True)
class SettingsChange:
    calendar_start: str | None = None
    calendar_end: str | None = None
    task_start: str | None = None
    task_end: str | None = None
    transfer_tasks: bool | None = None
    transfer_appointments: bool | None = None
    text_priority: TextPriority | None = None


def change_settings(
    session: Session, login: str, change: SettingsChange, today: date
) -> SyncSettings:
    """Apply the given fields; the windows must still make sense afterwards."""
    settings = settings_of(session, login)
    for name in ("calendar_start", "calendar_end", "task_start", "task_end"):
        value = getattr(change, name)
        if value is not None:
            setattr(settings, name, parse_bound(value))
    for name in ("transfer_tasks", "transfer_appointments", "text_priority"):
        value = getattr(change, name)
        if value is not None:
            setattr(settings, name, value)
    calendar_window(settings, today)
    task_window(settings, today)
    return settings


def calendar_window(settings: SyncSettings, today: date) -> Window:
    return window(settings.calendar_start, settings.calendar_end, today)


def task_window(settings: SyncSettings, today: date) -> Window:
    return window(settings.task_start, settings.task_end, today)
