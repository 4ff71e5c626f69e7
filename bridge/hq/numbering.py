"""Numbers for activities created in HQ or in a calendar client (mobile ones bring theirs)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.infra.db import upsert_statement
from bridge.models import Activity, NumberSequence, Origin

PREFIXES = {Origin.HQ: "HQ", Origin.CLIENT: "CL"}


def next_number(session: Session, origin: Origin) -> str:
    """``HQ-000001``, ``CL-000001``…; the counter row is locked until the transaction ends."""
    while True:
        number = f"{PREFIXES[origin]}-{_advance(session, f'activity-{origin.value}'):06d}"
        if session.scalar(select(Activity.id).where(Activity.number == number)) is None:
            return number


def _advance(session: Session, name: str) -> int:
    """The counter's value, moved on in one statement (two first uses at once cannot both
    create the counter); the row stays locked until the transaction ends."""
    statement = upsert_statement(session.get_bind().dialect.name, NumberSequence)
    value: int = session.execute(
        statement.values(name=name, next_value=2)
        .on_conflict_do_update(index_elements=[NumberSequence.name],
                               set_={"next_value": NumberSequence.next_value + 1})
        .returning(NumberSequence.next_value - 1)
    ).scalar_one()
    return value
