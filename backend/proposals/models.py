"""Proposals, their votes, followers and the cases that implement them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import TimestampMixin, UserLinkMixin, UTCDateTime, parent_key, utcnow
from backend.extensions import db


class Status(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # held for review before publishing (PROPOSAL_REVIEW)
    DECLINED = "declined"  # not published after that review
    PUBLISHED = "published"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"
    WITHDRAWN = "withdrawn"


class VoteValue(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"


# Statuses the public sees; drafts are their author's alone, pending and declined ones
# their author's and reviewers'.
PUBLIC_STATUSES = (
    Status.PUBLISHED,
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
    Status.REJECTED,
    Status.IMPLEMENTED,
)
# Statuses in which people may still vote.
OPEN_STATUSES = (Status.PUBLISHED, Status.UNDER_REVIEW)
# Statuses seen by the author and reviewers only.
IN_REVIEW_STATUSES = (Status.PENDING, Status.DECLINED)


class ProposalTopic(TimestampMixin, db.Model):
    """What a proposal is about (green space, cycling ...): the city's own list, kept by
    admins, apart from the problem categories that route cases."""

    __tablename__ = "proposal_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    names: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Proposal(TimestampMixin, db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_status_created", "status", "created_at"),
        Index("ix_proposals_status_supports", "status", "supports"),
        CheckConstraint("supports >= 0 AND opposes >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=Status.DRAFT.value)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_topics.id", ondelete="SET NULL"), index=True
    )
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    supports: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opposes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_support_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_body: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The review before publishing (PROPOSAL_REVIEW): when, by whom, and why it was declined.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    answered_by = relationship("User", foreign_keys=[answered_by_id], lazy="joined")
    category = relationship("Category", lazy="joined")
    topic = relationship(ProposalTopic, lazy="joined")
    links: Mapped[list[ProposalCase]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProposalCase.case_id"
    )
    photos: Mapped[list[ProposalPhoto]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProposalPhoto.id"
    )

    @property
    def linked_cases(self) -> list[int]:
        return [link.case_id for link in self.links]

    @property
    def official_answer(self) -> dict | None:
        if self.answer_body is None:
            return None
        return {"body": self.answer_body, "answered_at": self.answered_at, "by": self.answered_by}


class ProposalVote(db.Model):
    """One user's support or opposition; the key makes it one vote per user per proposal."""

    __tablename__ = "proposal_votes"
    __table_args__ = (CheckConstraint("value IN ('support', 'oppose')", name="value_known"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ProposalFollower(UserLinkMixin, db.Model):
    __tablename__ = "proposal_followers"

    proposal_id: Mapped[int] = parent_key("proposals")


class ProposalCase(db.Model):
    """A case that carried the proposal out. Case ids are checked when linked; no foreign
    key, so proposals do not depend on the cases tables."""

    __tablename__ = "proposal_cases"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ProposalPhoto(db.Model):
    """Renditions of one photo of a proposal (the original is never kept), served by the
    media route at ``/media/<key>`` like case photos."""

    __tablename__ = "proposal_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    thumb_key: Mapped[str] = mapped_column(String(80), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def url(self) -> str:
        return f"/media/{self.key}"

    @property
    def thumb_url(self) -> str:
        return f"/media/{self.thumb_key}"
