"""Recurring problems: one row per episode of one category crowding one grid cell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import UTCDateTime, utcnow
from backend.extensions import db


class RecurringProblem(db.Model):
    """Raised once when a cell reaches the category's threshold; ended when it falls below
    it again, so that the next crowding is a new episode (and a new alert)."""

    __tablename__ = "recurring_problems"
    __table_args__ = (
        Index("ix_recurring_problems_category_id_cell", "category_id", "cell_m", "ix", "iy"),
        Index("ix_recurring_problems_ended_at", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), nullable=False
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    cell_m: Mapped[int] = mapped_column(Integer, nullable=False)
    ix: Mapped[int] = mapped_column(Integer, nullable=False)
    iy: Mapped[int] = mapped_column(Integer, nullable=False)
    case_count: Mapped[int] = mapped_column(Integer, nullable=False)
    threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category = relationship("Category", lazy="joined")
    department = relationship("Department", lazy="joined")
