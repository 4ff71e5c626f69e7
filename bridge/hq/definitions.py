"""Activity definitions: the one HQ ships with, activation, lookup."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.hq.errors import DefinitionInactive, NotFound
from bridge.hq.rules.description import DEFAULT_TEMPLATE
from bridge.models import ActivityDefinition, Kind, utcnow

APPOINTMENT_SYNCHRONIZE = "ibus.AppointmentSynchronize"
DEFAULT_PRIORITY = 5


def install_defaults(session: Session) -> bool:
    """Install ``ibus.AppointmentSynchronize`` (inactive) unless it is there; True if added."""
    if get_definition(session, APPOINTMENT_SYNCHRONIZE, required=False) is not None:
        return False
    session.add(
        ActivityDefinition(
            code=APPOINTMENT_SYNCHRONIZE,
            name="Sales appointment from Comarch Mobile",
            active=False,
            kind=Kind.APPOINTMENT,
            priority=DEFAULT_PRIORITY,
            description_template=DEFAULT_TEMPLATE,
        )
    )
    session.flush()
    return True


def get_definition(
    session: Session, code: str, *, required: bool = True
) -> ActivityDefinition | None:
    definition = session.scalars(
        select(ActivityDefinition).where(ActivityDefinition.code == code)
    ).one_or_none()
    if definition is None and required:
        raise NotFound(f"activity definition {code!r} does not exist")
    return definition


def set_active(session: Session, code: str, active: bool) -> ActivityDefinition:
    definition = get_definition(session, code)
    assert definition is not None
    definition.active = active
    definition.modified_at = utcnow()
    return definition


def active_import_definition(session: Session) -> ActivityDefinition:
    """The definition imports use; refuses when it has not been activated."""
    definition = get_definition(session, APPOINTMENT_SYNCHRONIZE)
    assert definition is not None
    if not definition.active:
        raise DefinitionInactive(
            f"activity definition {APPOINTMENT_SYNCHRONIZE} is inactive; nothing was imported. "
            f"Activate it first: bridge definition activate {APPOINTMENT_SYNCHRONIZE}"
        )
    return definition
