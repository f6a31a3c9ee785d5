"""Recurring problems: one row per episode of one category crowding one grid cell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Double, Float, ForeignKey, Index, Integer, String
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


# what the received-side figures read of a case, and the closed-side ones
RECEIVED = (
    "hidden", "status", "category_id", "due_at", "assigned", "transferred", "resolved_once",
    "reworked", "accept_hours", "resolve_hours", "close_hours",
)  # fmt: skip
CLOSED = ("status", "hidden", "department_id", "category_id", "on_time", "score")


class CaseSummary(db.Model):
    """One row per case with exactly what the statistics need, so that they read only the
    cases of the period asked for (never the event log). Written by
    :mod:`backend.stats.summary` in the same flush as any change to the case, its events or
    its rating; backfilled by migration 0013."""

    __tablename__ = "case_summaries"
    __table_args__ = (
        # Covering indexes: a period's figures are read from the index alone (PostgreSQL's
        # index-only scans, SQLite's covering indexes), never from the table's rows.
        Index("ix_case_summaries_received", "created_at", *RECEIVED, "department_id", "lat", "lon"),
        # departments: each one's range in turn, already in department order for the
        # GROUP BY (no sort of the period's rows)
        Index("ix_case_summaries_department_received", "department_id", "created_at", *RECEIVED),
        Index("ix_case_summaries_closed", "closed_at", *CLOSED),
        Index("ix_case_summaries_category_id_created_at", "category_id", "created_at"),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False)
    lat: Mapped[float] = mapped_column(Double, nullable=False)
    lon: Mapped[float] = mapped_column(Double, nullable=False)
    # 0/1 flags from the event log, summed by the statistics
    assigned: Mapped[int] = mapped_column(Integer, nullable=False)
    transferred: Mapped[int] = mapped_column(Integer, nullable=False)
    resolved_once: Mapped[int] = mapped_column(Integer, nullable=False)
    reworked: Mapped[int] = mapped_column(Integer, nullable=False)  # resolved, then reopened
    on_time: Mapped[int] = mapped_column(Integer, nullable=False)  # closed by its due time
    score: Mapped[int | None] = mapped_column(Integer)
    # hours from filing to the first accept, resolve and close
    accept_hours: Mapped[float | None] = mapped_column(Float)
    resolve_hours: Mapped[float | None] = mapped_column(Float)
    close_hours: Mapped[float | None] = mapped_column(Float)


from backend.stats import summary  # noqa: E402,F401  (registers the flush listener)
