"""Comments and comment votes, generic over targets ("case", "proposal")."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend import content
from backend.db import TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db


def edit_window() -> timedelta:
    """How long after posting its author may still rewrite a comment."""
    return timedelta(minutes=current_app.config["COMMENT_EDIT_WINDOW_MINUTES"])


class Comment(TimestampMixin, db.Model):
    """A public reply or a staff internal note on a target.

    Threads are stored twice over: ``reply_to_id`` is the comment actually answered, and
    ``parent_id`` is where it is displayed, never deeper than the configured display depth.
    ``path`` lists the display ancestors ("12/40/") so that a whole subtree can be found
    with one prefix match (a deleted comment stays as a placeholder while any reply below
    it is still visible).
    """

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_target", "target_type", "target_id", "created_at"),
        CheckConstraint("upvotes >= 0 AND downvotes >= 0", name="votes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    root_id: Mapped[int | None] = mapped_column(Integer, index=True)
    path: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    upvotes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    downvotes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    author = relationship("User", lazy="joined")

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def edited(self) -> bool:
        return self.edited_at is not None

    @property
    def visible(self) -> bool:
        """Shown with its text and author (not deleted, not hidden by moderation)."""
        return not self.deleted and not self.hidden

    def show_to(self, viewer, *, target=None) -> None:
        """Show the author as ``viewer`` may see them in what is dumped next (the public's
        view until this is called). ``target``: what the comment is on, when the caller has
        it loaded already (the session holds objects weakly: without this, dumping a page
        could load it again for every comment)."""
        self._viewer = viewer
        self._target = target

    def target_or(self, load):
        """What the comment is on: the one given to :meth:`show_to`, else ``load()``."""
        target = getattr(self, "_target", None)
        return load() if target is None else target

    @property
    def mine(self) -> bool:
        """The viewer wrote it: theirs to delete (and to edit until ``editable_until``)."""
        viewer = getattr(self, "_viewer", None)
        return getattr(viewer, "is_authenticated", False) and self.author_id == viewer.id

    @property
    def editable_until(self) -> datetime | None:
        """Until when the viewer may still rewrite it; None unless it is theirs and visible."""
        if not (self.mine and self.visible):
            return None
        return self.created_at + edit_window()

    @property
    def shown_author(self):
        """The author as the target shows them to the viewer (its kind's ``shows_person``:
        an anonymous reporter stays anonymous on their case); None for a placeholder."""
        if not self.visible or self.author is None:
            return None
        return content.kind("comment").person(self, self.author, getattr(self, "_viewer", None))

    @property
    def author_deleted(self) -> bool:
        """A visible comment whose author deleted their account ("deleted account")."""
        return self.visible and self.author_id is None

    @property
    def shown_body(self) -> str | None:
        return self.body if self.visible else None

    @property
    def depth(self) -> int:
        return self.path.count("/")

    @property
    def subtree_prefix(self) -> str:
        """The ``path`` prefix shared by every comment displayed below this one."""
        return f"{self.path}{self.id}/"


class CommentVote(db.Model):
    """One user's up (+1) or down (-1) vote on a comment; the key makes it one per user."""

    __tablename__ = "comment_votes"
    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="value_is_up_or_down"),)

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
