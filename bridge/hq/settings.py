"""Activity synchronization settings of a representative: show and change them."""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.errors import InvalidInput
from bridge.hq.audit import Event, Kind, record
from bridge.hq.employees import get_employee
from bridge.hq.windows import Window, parse_bound, window
from bridge.ical.zones import iana_name
from bridge.models import SyncSettings, TextPriority
from bridge.models.settings import DEFAULT_CALENDAR_WINDOW, DEFAULT_TASK_WINDOW


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
    time_zone: str | None = None
    """An IANA or Windows zone name, or SERVER_ZONE for the server's default."""


def change_settings(
    session: Session, login: str, change: SettingsChange, now: datetime, *,
    actor: str | None = None, address: str | None = None,
) -> SyncSettings:
    """Apply the given fields; the windows must still make sense afterwards. Kept in the audit
    trail (``actor``: who changed them, if not ``login``)."""
    settings = settings_of(session, login)
    for name in ("calendar_start", "calendar_end", "task_start", "task_end"):
        value = getattr(change, name)
        if value is not None:
            setattr(settings, name, parse_bound(value))
    for name in ("transfer_tasks", "transfer_appointments", "text_priority"):
        value = getattr(change, name)
        if value is not None:
            setattr(settings, name, value)
    if change.time_zone is not None:
        settings.time_zone = None if change.time_zone == SERVER_ZONE else zone_named(
            change.time_zone)
    calendar_window(settings, now)
    task_window(settings, now)
    record(session, Event(Kind.SETTINGS_CHANGED, login, address,
                          actor if actor != login else None, described(change)), now)
    return settings


def described(change: SettingsChange) -> str:
    """The fields ``change`` sets, for the audit trail ("calendar_start=-7d, …")."""
    return ", ".join(f"{name}={getattr(value, 'value', value)}"
                     for name, value in asdict(change).items() if value is not None)


SERVER_ZONE = "server"


def zone_named(name: str) -> str:
    """The IANA name of a zone given by its IANA or Windows name; InvalidInput if unknown."""
    found = iana_name(name)
    if found is None:
        raise InvalidInput(f"unknown time zone {name!r}: give an IANA name such as "
                           "Europe/Warsaw (or a Windows name such as "
                           "'Central European Standard Time')")
    return found


def floating_zone(settings: "WindowSettings", server_zone: str) -> str:
    """The zone a representative's floating times are read in."""
    return settings.time_zone or server_zone


class WindowSettings(Protocol):
    """What the windows are computed from: the settings, or a plain row of these columns."""

    calendar_start: str
    calendar_end: str
    task_start: str
    task_end: str
    time_zone: str | None


WINDOW_SETTINGS = select(SyncSettings.calendar_start, SyncSettings.calendar_end,
                         SyncSettings.task_start, SyncSettings.task_end, SyncSettings.time_zone)


def window_settings(session: Session, employee_id: int) -> WindowSettings:
    """A representative's settings of the windows (a plain row: the calendar server reads
    them on every request)."""
    found = session.execute(WINDOW_SETTINGS.where(SyncSettings.employee_id == employee_id))
    return found.first() or default_settings()


def zone_of(settings: WindowSettings) -> ZoneInfo:
    """The representative's zone, the one their windows' days are in: theirs, else UTC."""
    return ZoneInfo(settings.time_zone or "UTC")


def today(settings: WindowSettings, now: datetime) -> date:
    """The representative's day at ``now``: in their time zone, else in UTC — the day the
    windows' relative bounds count from, for the server and the commands alike."""
    return now.astimezone(zone_of(settings)).date()


def calendar_window(settings: WindowSettings, now: datetime) -> Window:
    return window(settings.calendar_start, settings.calendar_end, today(settings, now),
                  zone_of(settings))


def task_window(settings: WindowSettings, now: datetime) -> Window:
    return window(settings.task_start, settings.task_end, today(settings, now),
                  zone_of(settings))
