"""What the CalDAV/CardDAV server stores beyond the HQ rows.

- ``DavCollection``: every collection a client sees. Provisioned ones (``projection`` set) show
  HQ rows — a representative's activities and customers — and store only their properties;
  general ones (created by a client with MKCALENDAR/MKCOL) keep their items in ``DavItem``.
- ``DavItem``: an item stored as sent, with the metadata Radicale needs precomputed (etag,
  uid, component, time range), so listings and reports never parse it.
- ``SyncScope`` / ``SyncChange``: the change log behind RFC 6578 sync tokens. A scope has a
  counter (and the time it last moved: the collection's last modification); each changed href
  keeps the counter value of its latest change (one row per href, deletions included), so
  "what changed since token N" is one indexed query.
- ``SyncPoint``: a random mark for each value the counter took. A token names a value *and*
  its mark, so a token from another history of the database (restored from a backup, or
  rebuilt) names no point of this one, even when the counter has passed its value again.
- ``ClientCopy``: the last iCalendar component a client sent for an HQ activity, so that what
  HQ does not model (alarms, attendees, categories…) survives the round trip.
- ``RenderedActivity`` / ``RenderedCustomer`` (rendered texts): the iCalendar object or vCard
  the server serves for an HQ activity or customer, rendered when HQ changed it
  (``bridge.calendars.rendered``), so that a read is a row fetch. It is current while its
  ``revision`` is the row's.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base, UTCDateTime, utcnow


class SyncScope(Base):
    __tablename__ = "sync_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255), unique=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncChange(Base):
    __tablename__ = "sync_changes"
    __table_args__ = (
        UniqueConstraint("scope_id", "href"),
        Index("ix_sync_changes_scope_seq", "scope_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("sync_scopes.id", ondelete="CASCADE"))
    href: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(BigInteger)


class SyncPoint(Base):
    __tablename__ = "sync_points"

    scope_id: Mapped[int] = mapped_column(
        ForeignKey("sync_scopes.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    mark: Mapped[str] = mapped_column(String(16))


class DavCollection(Base):
    __tablename__ = "dav_collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(512), unique=True)
    parent: Mapped[str] = mapped_column(String(512), index=True)
    tag: Mapped[str] = mapped_column(String(16), default="")
    props: Mapped[str] = mapped_column(Text, default="{}")
    projection: Mapped[str | None] = mapped_column(String(16))
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("sync_scopes.id"))


class DavItem(Base):
    __tablename__ = "dav_items"
    __table_args__ = (
        UniqueConstraint("collection_id", "href"),
        Index("ix_dav_items_collection_uid", "collection_id", "uid"),
        Index("ix_dav_items_collection_time", "collection_id", "time_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("dav_collections.id", ondelete="CASCADE")
    )
    href: Mapped[str] = mapped_column(String(255))
    uid: Mapped[str] = mapped_column(String(255), default="")
    etag: Mapped[str] = mapped_column(String(80))
    component: Mapped[str] = mapped_column(String(16), default="")
    time_start: Mapped[int] = mapped_column(BigInteger)
    time_end: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClientCopy(Base):
    __tablename__ = "client_copies"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int | None]
    """The activity's revision this copy is the whole of: the client's write HQ took as it
    was; while the activity is at it, the copy is what is served (None: HQ's rendering)."""


class RenderedActivity(Base):
    __tablename__ = "rendered_activities"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class RenderedCustomer(Base):
    __tablename__ = "rendered_customers"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
