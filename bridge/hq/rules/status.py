"""How a mobile status becomes an HQ status (the seed's status rules).

- ``completed`` → Completed (with *Completed on/by*);
- ``rejected`` → Completed unprocessed, with a note in the description;
- ``suspended`` → the HQ status is kept, a note is added to the description;
- ``not_processed`` → Delayed, and the appointment is frozen: later mobile changes are no
  longer imported;
- anything else (``planned``, ``in_progress``, unknown strings) → Planned; the mobile status
  is shown in the description.

An imported appointment whose processing period (its end) has passed without completion
becomes Delayed and frozen as well (see ``bridge.importing.activities.mark_overdue``).
"""

from dataclasses import dataclass
from datetime import datetime

from bridge.models import Status

MOBILE_STATUS_LABELS = {
    "planned": "Planned",
    "in_progress": "In progress",
    "completed": "Completed",
    "rejected": "Rejected",
    "suspended": "Suspended",
    "not_processed": "Not processed",
}

NOT_PROCESSED_NOTE = (
    "Not processed in time: Delayed in HQ; further changes from mobile are not imported."
)


def mobile_status_label(status: str) -> str:
    return MOBILE_STATUS_LABELS.get(status.strip().lower(), status)


@dataclass(frozen=True)
class StatusOutcome:
    status: Status
    frozen: bool = False
    note: str | None = None


def _when(changed_at: datetime | None) -> str:
    return f" on {changed_at.isoformat()}" if changed_at else ""


def map_mobile_status(
    mobile_status: str, current: Status | None, changed_at: datetime | None
) -> StatusOutcome:
    """The HQ status for a mobile status; ``current`` is the HQ status before (None if new)."""
    code = mobile_status.strip().lower()
    if code == "completed":
        return StatusOutcome(Status.COMPLETED)
    if code == "rejected":
        return StatusOutcome(
            Status.COMPLETED_UNPROCESSED,
            note=f"Rejected in mobile{_when(changed_at)}: completed unprocessed in HQ.",
        )
    if code == "suspended":
        return StatusOutcome(
            current or Status.PLANNED,
            note=f"Suspended in mobile{_when(changed_at)}; the HQ status is unchanged.",
        )
    if code == "not_processed":
        return StatusOutcome(Status.DELAYED, frozen=True, note=NOT_PROCESSED_NOTE)
    return StatusOutcome(Status.PLANNED)


def status_by_time(is_task: bool, end: datetime | None, now: datetime) -> Status:
    """Status of an open (not completed) HQ or client activity: tasks stay Planned until
    completed; an appointment is Delayed once its processing period has elapsed."""
    if is_task or end is None or end >= now:
        return Status.PLANNED
    return Status.DELAYED
