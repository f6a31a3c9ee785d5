"""Incidents, each participating department's task, linked cases and the shared timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import UTCDateTime, utcnow
from backend.extensions import db

SEVERITIES = ("minor", "moderate", "severe", "extreme")
STATUSES = ("active", "closed")
EVENT_TYPES = ("declare", "update", "join", "link", "unlink", "task_done", "note", "alert", "close")


class Incident(db.Model):
    """One emergency. Its area is a circle (lat, lon, radius_m) or a polygon (outer ring of
    [lon, lat]); both keep their bounding box for cheap point lookups."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    polygon: Mapped[list | None] = mapped_column(JSON)
    min_lat: Mapped[float] = mapped_column(Double, nullable=False)
    max_lat: Mapped[float] = mapped_column(Double, nullable=False)
    min_lon: Mapped[float] = mapped_column(Double, nullable=False)
    max_lon: Mapped[float] = mapped_column(Double, nullable=False)
    notice: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    lead_department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), nullable=False
    )
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    lead_department = relationship("Department", lazy="joined")
    declared_by = relationship("User", foreign_keys=[declared_by_id], lazy="joined")
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    tasks: Mapped[list[IncidentTask]] = relationship(
        back_populates="incident", order_by="IncidentTask.id", cascade="all, delete-orphan"
    )


class IncidentTask(db.Model):
    """A participating department's share of the work (the lead's included)."""

    __tablename__ = "incident_tasks"
    __table_args__ = (UniqueConstraint("incident_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    done_note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="tasks")
    department = relationship("Department", lazy="joined")
    done_by = relationship("User")


class IncidentCase(db.Model):
    """A case linked to an incident; a case is in at most one incident."""

    __tablename__ = "incident_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class IncidentEvent(db.Model):
    """The shared timeline; append-only. Internal events are for staff only."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    actor = relationship("User", lazy="joined")
