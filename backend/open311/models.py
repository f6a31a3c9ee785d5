"""What Open311 clients posted: the updates a trusted back-office sent (for idempotency)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import UTCDateTime, utcnow
from backend.extensions import db


class Open311Update(db.Model):
    """One ``POST servicerequestupdates``: the client's ``update_id`` (unique per API key)
    and the case event it became, so that a retried post answers the same and moves nothing."""

    __tablename__ = "open311_updates"
    __table_args__ = (UniqueConstraint("api_key_id", "update_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False
    )
    update_id: Mapped[str] = mapped_column(String(64), nullable=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
