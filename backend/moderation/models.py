"""Flags, the review state of each flagged item, and the moderation log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import UTCDateTime, utcnow
from backend.extensions import db


class Reason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class FlagStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"  # the item was hidden
    DISMISSED = "dismissed"  # reviewed: the item stays (or was restored)


class Action(StrEnum):
    HIDE = "hide"
    AUTO_HIDE = "auto_hide"  # enough distinct flags: hidden pending review
    RESTORE = "restore"
    DISMISS = "dismiss"  # reviewed, nothing wrong: pending flags dismissed


class Flag(db.Model):
    """One user's report of one item; the unique key makes it once per user per item."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "user_id", name="uq_flags_once_per_user"),
        Index("ix_flags_target_status", "target_type", "target_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=FlagStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModerationItem(db.Model):
    """An item that drew moderators' attention: its pending flags, counted atomically so the
    auto-hide threshold is crossed once, and when it was last reviewed."""

    __tablename__ = "moderation_items"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", name="uq_moderation_items_target"),
        Index("ix_moderation_items_queue", "pending_flags", "pending_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    pending_flags: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hidden by the flag threshold, not yet reviewed: dismissing the flags restores it.
    auto_hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class LogEntry(db.Model):
    """One moderation decision. Public: what, when and why; the moderator stays private."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    flags: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_told: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )

    moderator = db.relationship("User", lazy="joined")
