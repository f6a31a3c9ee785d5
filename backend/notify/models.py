from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import UTCDateTime, utcnow
from backend.extensions import db

TARGET_PATHS = {
    "case": "/cases/{}",
    "proposal": "/proposals/{}",
    "alert": "/alerts/{}",
    "incident": "/incidents/{}",
    "recurring": "/dashboard?recurring={}",
}


class Notification(db.Model):
    """One line in a person's inbox. ``channel`` is how it was delivered (live, push or
    digest); ``digested_at`` marks digest entries already summarised."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(String(280), nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def shown_text(self) -> str:
        """``text``, or a neutral line once moderation hid what it quotes from its reader
        (set by :func:`backend.notify.redaction.redact`, never stored)."""
        return getattr(self, "_redacted_text", None) or self.text

    @property
    def url(self) -> str | None:
        """Where the PWA opens it: a public page, never one that reveals private data."""
        path = TARGET_PATHS.get(self.target_type)
        return path.format(self.target_id) if path else None


class NotificationPreference(db.Model):
    """A person's channel for one kind; absent rows mean the kind's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)


class PushSubscription(db.Model):
    """A browser's Web Push subscription (one per device); the endpoint is unique."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    endpoint: Mapped[str] = mapped_column(String(1024), nullable=False, unique=True)
    p256dh: Mapped[str] = mapped_column(String(128), nullable=False)
    auth: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PushDelivery(db.Model):
    """One notification pushed to one device. A push job run again (its worker was killed
    mid-job, ``backend/jobs.py``) skips the devices it already reached."""

    __tablename__ = "push_deliveries"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
