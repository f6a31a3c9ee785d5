"""Comments as flaggable, hideable content (registered with moderation)."""

from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.orm import Session

from backend.comments import service
from backend.comments.models import Comment
from backend.moderation.registry import register_moderated

EXCERPT = 280


def _describe(comment: Comment) -> dict:
    return {
        "title": None,
        "text": comment.body[:EXCERPT],
        "author": comment.author.display_name if comment.author else None,
        "created_at": comment.created_at,
        "on": {"target_type": comment.target_type, "target_id": comment.target_id},
    }


def _can_see(session: Session, user, comment: Comment) -> bool:
    return service.can_see_comment(session, comment, user)


def _is_new_content():
    return and_(Comment.internal.is_(False), Comment.deleted_at.is_(None))


register_moderated(
    "comment",
    model=Comment,
    can_see=_can_see,
    author_id=lambda comment: comment.author_id,
    describe=_describe,
    is_new_content=_is_new_content,
    author_column=lambda: Comment.author_id,
    on_visibility=service.comment_visibility_changed,
)
