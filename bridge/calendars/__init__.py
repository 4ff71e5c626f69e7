"""The calendar server's domain: collections, items, change log and the HQ projections.

Nothing here knows Radicale; `storage_plugin/` adapts these functions to its plugin API.
"""

from bridge.calendars import hq_changes, rendered
from bridge.hq import published


def subscribe() -> None:
    """Have every change HQ publishes reach the calendar server, in the writing transaction:
    logged for sync tokens (:mod:`~bridge.calendars.hq_changes`), its items' texts rendered
    (:mod:`~bridge.calendars.rendered`). Every entry point calls it before it writes."""
    published.subscribe(hq_changes.on_hq_change)
    published.subscribe(rendered.on_hq_change)
