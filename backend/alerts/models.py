"""Alerts (each also a CAP 1.2 message) and the coarse place a resident opted to save."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Double, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import UTCDateTime, utcnow
from backend.extensions import db

SEVERITIES = ("minor", "moderate", "severe", "extreme")
MSG_TYPES = ("Alert", "Update", "Cancel")


class Alert(db.Model):
    """One message sent to an area. An ``Update`` or ``Cancel`` names the alert it
    supersedes (``references_id``), which then stops being active."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    msg_type: Mapped[str] = mapped_column(String(10), nullable=False, default="Alert")
    references_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    lat: Mapped[float] = mapped_column(Double, nullable=False)
    lon: Mapped[float] = mapped_column(Double, nullable=False)
    radius_m: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The audit trail: who sent it, for which department (None: an admin for the city).
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )

    sender = relationship("User", lazy="joined")
    # Sent for an incident (its timeline records it), or None.
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    # Moderation: only admins hide an alert (residents' flags never do it by themselves).
    hidden: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    department = relationship("Department", lazy="joined")
    references = relationship("Alert", remote_side=[id], lazy="joined")

    @property
    def shown_sender(self):
        """The sender as this reader may see them (set by :func:`backend.alerts.service.
        for_reader`, never stored): staff see who sent an alert, nobody else does."""
        return getattr(self, "_shown_sender", None)


class SavedPlace(db.Model):
    """A resident's opted-in place, kept only as the centre of a 250 m grid cell."""

    __tablename__ = "saved_places"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lat: Mapped[float] = mapped_column(Double, nullable=False)
    lon: Mapped[float] = mapped_column(Double, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
