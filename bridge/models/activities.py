"""Activity definitions and activities (appointments and tasks)."""

import enum
from datetime import datetime, timedelta, timezone

from sqlalchemy import Enum, ForeignKey, Index, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, UTCDateTime, utcnow
from bridge.models.customers import Customer
from bridge.models.people import Employee, SalesChannel


class Kind(enum.StrEnum):
    APPOINTMENT = "appointment"
    TASK = "task"


class Origin(enum.StrEnum):
    MOBILE = "mobile"
    HQ = "hq"
    CLIENT = "client"


class Status(enum.StrEnum):
    PLANNED = "Planned"
    DELAYED = "Delayed"
    COMPLETED = "Completed"
    COMPLETED_UNPROCESSED = "Completed unprocessed"


def _enum(cls: type[enum.StrEnum], length: int) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class ActivityDefinition(Base):
    """Template of imported activities: default priority, kind and description layout."""

    __tablename__ = "activity_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[Kind] = mapped_column(_enum(Kind, 16))
    priority: Mapped[int]
    description_template: Mapped[str] = mapped_column(Text)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(Base):
    """An appointment or a task of one sales representative.

    Times are kept as UTC instants plus the UTC offset (minutes) they were given in, so the
    activity can be shown and served in its original zone. ``revision`` grows with every change.
    """

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_status_end", "status", "end_at"),
        Index("ix_activities_representative_href", "representative_id", "href"),
        # What a representative's calendar selects by (bridge.calendars.sources): the rows of
        # a calendar are found and filtered in the index, only those served are read.
        Index("ix_activities_calendar", "representative_id", "kind", "origin", "deleted_at",
              "start_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[Kind] = mapped_column(_enum(Kind, 16))
    origin: Mapped[Origin] = mapped_column(_enum(Origin, 16))
    status: Mapped[Status] = mapped_column(_enum(Status, 32))
    mobile_status: Mapped[str | None] = mapped_column(String(64))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_offset: Mapped[int | None]
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_offset: Mapped[int | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    mobile_description: Mapped[str | None] = mapped_column(Text)
    status_note: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_address: Mapped[str | None] = mapped_column(String(512))
    representative_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    sales_channel_id: Mapped[int | None] = mapped_column(ForeignKey("sales_channels.id"))
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("activity_definitions.id"))
    completed_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(64))
    mobile_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    uid: Mapped[str] = mapped_column(String(255), index=True)
    href: Mapped[str] = mapped_column(String(255))
    mobile_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mobile_fingerprint: Mapped[str | None] = mapped_column(String(64))
    frozen: Mapped[bool] = mapped_column(default=False)
    private: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Only its representative sees what it is about; anyone else sees busy time
    (``bridge.hq.privacy``)."""
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer | None] = relationship()
    representative: Mapped[Employee] = relationship()
    sales_channel: Mapped[SalesChannel | None] = relationship()

    @property
    def subject(self) -> str:
        return subject(self.number, self.name)

    @property
    def read_only_because(self) -> str | None:
        """Why only the import may change the activity (None: HQ users and clients may)."""
        if self.origin == Origin.MOBILE:
            return (f"activity {self.number} comes from the mobile system and is read-only in "
                    "HQ: it changes only when a newer export of the mobile system is imported")
        return None

    @property
    def local_start(self) -> datetime | None:
        return to_local(self.start_at, self.start_offset)

    @property
    def local_end(self) -> datetime | None:
        return to_local(self.end_at, self.end_offset)

    def __repr__(self) -> str:
        return f"Activity({self.number!r}, {self.origin}, {self.status})"


# What the cockpit's table sorts and filters by on a large HQ (bridge.hq.filtering): expressions,
# so declared beside the class.
Index("ix_activities_sort_when",
      func.coalesce(Activity.start_at, Activity.end_at, Activity.created_at), Activity.id)
Index("ix_activities_representative_when", Activity.representative_id,
      func.coalesce(Activity.start_at, Activity.end_at))


def subject(number: str, name: str) -> str:
    """What the Subject field shows: number and name."""
    return f"{number} {name}"


def to_local(instant: datetime | None, offset_minutes: int | None) -> datetime | None:
    """The instant at the UTC offset it was originally given in."""
    if instant is None:
        return None
    return instant.astimezone(timezone(timedelta(minutes=offset_minutes or 0)))


def offset_minutes(value: datetime) -> int:
    """UTC offset of an aware datetime, in whole minutes."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return int(offset.total_seconds() // 60)
