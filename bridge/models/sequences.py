"""Counters for numbers HQ hands out itself (activities created in HQ or in a client)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base


class NumberSequence(Base):
    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_value: Mapped[int] = mapped_column(default=1)
