"""Employees (HQ users, sales representatives, managers) and sales channels."""

from datetime import datetime

from sqlalchemy import Column, ColumnElement, ForeignKey, String, Table, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, UTCDateTime, utcnow

employee_channels = Table(
    "employee_channels",
    Base.metadata,
    Column("employee_id", ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("sales_channels.id", ondelete="CASCADE"), primary_key=True),
)


class SalesChannel(Base):
    __tablename__ = "sales_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)

    def __repr__(self) -> str:
        return f"SalesChannel({self.name!r})"


class Employee(Base):
    """An HQ user. Only those with ``sales_representative`` get calendars and imports."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    sales_representative: Mapped[bool] = mapped_column(default=False)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    """IANA zone the cockpit shows this employee's pages in; None: the server's ([storage]
    time_zone). A representative's synchronization settings' zone comes first."""
    session_version: Mapped[int] = mapped_column(default=0)
    """Raised to end every cockpit session of the employee at once, on every worker (a
    session carries the version it began with)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    manager: Mapped["Employee | None"] = relationship(
        remote_side=[id], back_populates="subordinates"
    )
    subordinates: Mapped[list["Employee"]] = relationship(back_populates="manager")
    sales_channels: Mapped[list[SalesChannel]] = relationship(
        secondary=employee_channels, order_by=SalesChannel.name
    )

    @hybrid_property
    def eligible(self) -> bool:
        """An eligible sales representative: active, and a sales representative — they have
        calendars and may be given activities (in Python and, as a column, in SQL)."""
        return self.active and self.sales_representative

    @eligible.inplace.expression
    @classmethod
    def _eligible_in_sql(cls) -> ColumnElement[bool]:
        return and_(cls.active, cls.sales_representative)

    def __repr__(self) -> str:
        return f"Employee({self.login!r})"
