"""Work that one server process at a time does, whichever of the workers and machines on
the database it is (the push dispatcher): a lease row held until it expires, renewed by its
holder while it works. A holder that dies leaves it to expire; another takes it then."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError

from bridge.infra.db import transaction
from bridge.models import ServerLease


def hold(engine: Engine, name: str, holder: str, now: datetime, seconds: float) -> bool:
    """Whether ``holder`` holds the lease ``name`` until ``now`` + ``seconds`` (taken when
    free or expired, renewed when already theirs); False while another holds it."""
    until = now + timedelta(seconds=seconds)
    with transaction(engine) as session:
        taken = session.execute(
            update(ServerLease)
            .where(ServerLease.name == name,
                   or_(ServerLease.holder == holder, ServerLease.expires_at <= now))
            .values(holder=holder, expires_at=until))
        if getattr(taken, "rowcount", 0):
            return True
        if session.get(ServerLease, name) is not None:
            return False
    try:
        with transaction(engine) as session:
            session.add(ServerLease(name=name, holder=holder, expires_at=until))
    except IntegrityError:  # another process made it first: theirs
        return False
    return True



def release(engine: Engine, name: str, holder: str, now: datetime) -> None:
    """Let another process take the lease at once (its holder stops)."""
    with transaction(engine) as session:
        session.execute(update(ServerLease)
                        .where(ServerLease.name == name, ServerLease.holder == holder)
                        .values(expires_at=now))
