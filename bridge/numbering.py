"""Numbers for activities created in HQ or in a calendar client (mobile ones bring theirs)."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge.models import Activity, NumberSequence, Origin

PREFIXES = {Origin.HQ: "HQ", Origin.CLIENT: "CL"}


def next_number(session: Session, origin: Origin) -> str:
    """``HQ-000001``, ``CL-000001``…; the counter row is locked until the transaction ends."""
    while True:
        number = f"{PREFIXES[origin]}-{_advance(session, f'activity-{origin.value}'):06d}"
        if session.scalar(select(Activity.id).where(Activity.number == number)) is None:
            return number


def _advance(session: Session, name: str) -> int:
    value = session.scalar(
        select(NumberSequence.next_value).where(NumberSequence.name == name).with_for_update()
    )
    if value is None:
        session.add(NumberSequence(name=name, next_value=2))
        session.flush()
        value = 1
    else:
        session.execute(
            update(NumberSequence).where(NumberSequence.name == name)
            .values(next_value=value + 1)
        )
    return value
