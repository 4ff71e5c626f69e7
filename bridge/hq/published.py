"""The one seam through which HQ's writes reach whoever keeps something of them.

:mod:`bridge.hq.writes` publishes every change to activities and customers here, in the
transaction that makes it; each subscribed listener does its part in that same transaction
(the calendar server logs the change for sync tokens and renders the items' texts:
:func:`bridge.calendars.subscribe`). A new consumer (an ICS feed, push notifications) subscribes
here too; HQ knows none of them. Every entry point subscribes its consumers before it writes:
a change published to no listener is a wiring error, and raises.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from bridge.models import Kind, Origin


class Written(NamedTuple):
    """Where a changed activity shows: its id, representative, kind, origin and href (an
    activity that moved to another representative is published twice: where it left too)."""

    id: int
    representative_id: int
    kind: Kind
    origin: Origin
    href: str


class CustomerWritten(NamedTuple):
    """A changed customer: its id, number, and a sales channel whose customers it is (or was:
    a customer that moved is published twice)."""

    id: int
    number: str
    sales_channel_id: int | None


@dataclass(frozen=True)
class Change:
    """What one HQ write changed."""

    activities: Sequence[Written] = ()
    inserted: Sequence[Mapping[str, Any]] = ()
    """Among ``activities``, those just inserted, as their rows were stored (column values with
    ``id`` and ``customer_number``): thousands at a time in an import, not worth reading back."""
    client_copies: Sequence[int] = ()
    """Activities whose client copy (the text a calendar client sent) changed."""
    customers: Sequence[CustomerWritten] = ()


Listener = Callable[[Session, Change], None]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Have ``listener`` called with every change HQ publishes (once, however often asked)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def publish(session: Session, change: Change) -> None:
    if not _listeners:
        raise RuntimeError("HQ changed data but no consumer is subscribed to its changes "
                           "(an entry point must call bridge.calendars.subscribe() first)")
    for listener in _listeners:
        listener(session, change)
