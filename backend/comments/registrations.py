"""Comments as content: flaggable and hideable, showing people as their target shows them."""

from __future__ import annotations

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, object_session

from backend import content
from backend.auth.personal_data import account_erasing
from backend.comments import service
from backend.comments.models import Comment, CommentVote
from backend.errors import NotFound

EXCERPT = 280


def _load(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"No comment {comment_id}.")
    return comment


def _can_view(viewer, comment: Comment) -> bool:
    return service.can_see_comment(object_session(comment), comment, viewer)


def _shows_person(comment: Comment, person, viewer):
    """On a comment, a person shows as on what it is attached to (the case's rule)."""
    kind = content.kind(comment.target_type)
    if kind.shows_person is None:
        return person  # nothing to load: the target shows everyone as they are
    target = comment.target_or(lambda: kind.get(object_session(comment), comment.target_id))
    return kind.person(target, person, viewer)


def _describe(comment: Comment, viewer) -> dict:
    return {
        "title": None,
        "text": comment.body[:EXCERPT],
        "author": content.display_name(_shows_person(comment, comment.author, viewer)),
        "created_at": comment.created_at,
        "on": {"target_type": comment.target_type, "target_id": comment.target_id},
    }


def _is_new_content():
    return and_(Comment.internal.is_(False), Comment.deleted_at.is_(None))


content.register(
    "comment",
    model=Comment,
    load=_load,
    can_view=_can_view,
    shows_person=_shows_person,
    on_visibility=service.comment_visibility_changed,
    describe=_describe,
    is_new_content=_is_new_content,
    author_column=lambda: Comment.author_id,
)


@account_erasing.connect
def _withdraw_votes(session: Session, *, user_id: int) -> None:
    """An erased person's up and down votes go, and the comments' counts say so."""
    ids = list(
        session.scalars(select(CommentVote.comment_id).where(CommentVote.user_id == user_id))
    )
    if not ids:
        return
    session.execute(delete(CommentVote).where(CommentVote.user_id == user_id))

    def counted(value: int):
        mine = CommentVote.comment_id == Comment.id
        return select(func.count()).where(mine, CommentVote.value == value).scalar_subquery()

    session.execute(
        update(Comment)
        .where(Comment.id.in_(ids))
        .values(upvotes=counted(1), downvotes=counted(-1))
        .execution_options(synchronize_session=False)
    )
