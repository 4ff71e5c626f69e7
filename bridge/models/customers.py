"""Partners (customers) as the mobile system exports them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, UTCDateTime, utcnow
from bridge.models.people import SalesChannel


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_name", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    sales_channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_channels.id"), index=True
    )
    street: Mapped[str | None] = mapped_column(String(255))
    postal_code: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    sales_channel: Mapped[SalesChannel | None] = relationship()

    @property
    def address(self) -> str:
        return format_address(self.street, self.postal_code, self.city, self.country)

    def __repr__(self) -> str:
        return f"Customer({self.number!r})"


def format_address(
    street: str | None, postal_code: str | None, city: str | None, country: str | None
) -> str:
    """One line, the way it is printed on an appointment: 'Main St 1, 00-001 Warsaw, PL'."""
    town = " ".join(part for part in (postal_code, city) if part)
    return ", ".join(part for part in (street, town, country) if part)
