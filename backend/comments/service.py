"""Comment rules: posting, threading, listing, editing, deleting and voting.

Functions take a session, plain values and the acting user; they flush but never commit.
What a target allows (who views, who comments, who writes internal notes) and how it shows
a person is asked of its kind in :mod:`backend.content`.
"""

from __future__ import annotations

from sqlalchemy import String, and_, cast, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from backend.auth.models import shown_by_name
from backend.auth.permissions import Permission, has_permission, is_admin, require
from backend.comments.models import Comment, CommentVote
from backend.comments.schemas import BODY_MAX, live_comment_schema
from backend.comments.voting import set_vote
from backend.config import DEFAULTS
from backend.content import Commenting, Kind, commentable
from backend.db import utcnow
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.ids import id_in_range
from backend.live.publish import publish
from backend.pagination import paginate
from backend.text import clean_text

DEFAULT_DISPLAY_DEPTH = DEFAULTS["COMMENT_DISPLAY_DEPTH"]


# --- reading ----------------------------------------------------------------------------


def _target_of(session: Session, comment: Comment) -> tuple[Kind, Commenting, object]:
    kind, rules = commentable(comment.target_type)
    return kind, rules, kind.get(session, comment.target_id)


def _viewable_target(session: Session, target_type: str, target_id: int, viewer):
    kind, rules = commentable(target_type)
    return kind, rules, kind.visible(session, target_id, viewer)


def can_see_comment(
    session: Session, comment: Comment, viewer, *, even_hidden: bool = False
) -> bool:
    """Whether ``viewer`` may see this comment itself (not a placeholder of it).

    Hidden comments are for moderators only, unless ``even_hidden`` (their author acting).
    """
    if comment.deleted:
        return False
    if comment.hidden and not (even_hidden or has_permission(viewer, Permission.MODERATE)):
        return False
    kind, rules, obj = _target_of(session, comment)
    if not kind.can_view(viewer, obj):
        return False
    return not comment.internal or rules.may_read_internal(viewer, obj)


def _find(session: Session, comment_id: int) -> Comment | None:
    return session.get(Comment, comment_id) if id_in_range(comment_id) else None


def get_comment(session: Session, comment_id: int, viewer) -> Comment:
    """A comment ``viewer`` may see, with ``my_vote`` set; 404 otherwise."""
    comment = _find(session, comment_id)
    if comment is None or not can_see_comment(session, comment, viewer):
        raise NotFound(f"No comment {comment_id}.")
    mark_my_votes(session, [comment], viewer)
    return comment


def _shown_in_lists(include_internal: bool):
    """Visible comments, plus deleted or hidden ones that still have a visible reply below."""
    below = aliased(Comment)
    below_visible = [below.deleted_at.is_(None), below.hidden.is_(False)]
    if not include_internal:
        below_visible.append(below.internal.is_(False))
    has_visible_reply = exists().where(
        below.target_type == Comment.target_type,
        below.target_id == Comment.target_id,
        below.path.startswith(Comment.path + cast(Comment.id, String) + "/"),
        *below_visible,
    )
    visible = and_(Comment.deleted_at.is_(None), Comment.hidden.is_(False))
    return or_(visible, has_visible_reply)


def list_comments(
    session: Session,
    target_type: str,
    target_id: int,
    viewer,
    *,
    page: int = 1,
    per_page: int = 20,
    order: str = "oldest",
) -> dict:
    """A page of the target's comments, oldest first, each with its display ``parent_id``.

    Internal notes are in the query only for those the target lets read them.
    """
    _kind, rules, obj = _viewable_target(session, target_type, target_id, viewer)
    include_internal = rules.may_read_internal(viewer, obj)
    stmt = (
        select(Comment)
        .where(
            Comment.target_type == target_type,
            Comment.target_id == target_id,
            _shown_in_lists(include_internal),
        )
        .options(*shown_by_name(Comment.author))
    )
    if not include_internal:
        stmt = stmt.where(Comment.internal.is_(False))
    if order == "thread":
        stmt = stmt.order_by(func.coalesce(Comment.root_id, Comment.id), Comment.id)
    else:
        stmt = stmt.order_by(Comment.created_at, Comment.id)
    result = paginate(session, stmt, page, per_page)
    mark_my_votes(session, result["items"], viewer, target=obj)
    return result


def mark_my_votes(session: Session, comments: list[Comment], viewer, *, target=None) -> None:
    """Set ``my_vote`` (1, -1 or 0) on each comment for ``viewer``, in one query, and show
    each author as ``viewer`` may see them (:meth:`Comment.show_to`; ``target``: what they
    are all on, if loaded)."""
    mine: dict[int, int] = {}
    if comments and getattr(viewer, "is_authenticated", False):
        rows = session.execute(
            select(CommentVote.comment_id, CommentVote.value).where(
                CommentVote.user_id == viewer.id,
                CommentVote.comment_id.in_([c.id for c in comments]),
            )
        )
        mine = dict(rows.all())
    for comment in comments:
        comment.my_vote = mine.get(comment.id, 0)
        comment.show_to(viewer, target=target)


# --- writing ----------------------------------------------------------------------------


def _check_may_post(rules: Commenting, obj, actor, internal: bool) -> None:
    if internal and not rules.can_write_internal(actor, obj):
        raise Forbidden("Only the staff handling this may write internal notes.")
    if not internal and not rules.can_comment(actor, obj):
        raise Forbidden("Comments are closed here.", code="comments_closed")


def _parent_for(session: Session, parent_id: int, target_type: str, target_id: int, viewer):
    parent = _find(session, parent_id)
    same_target = parent is not None and (parent.target_type, parent.target_id) == (
        target_type,
        target_id,
    )
    if not same_target or not parent.visible or not can_see_comment(session, parent, viewer):
        raise ValidationFailed(
            "Some fields are invalid.", fields={"parent_id": ["No such comment here."]}
        )
    return parent


def _place(comment: Comment, parent: Comment | None, display_depth: int) -> None:
    """Thread ``comment`` under ``parent``, displayed at most ``display_depth`` levels deep:
    beyond it, a reply is shown beside its parent (under the same display parent)."""
    if parent is None:
        return
    comment.reply_to_id = parent.id
    comment.root_id = parent.root_id or parent.id
    if parent.depth < display_depth:
        comment.parent_id, comment.path = parent.id, parent.subtree_prefix
    else:
        comment.parent_id, comment.path = parent.parent_id, parent.path


def live_comment(comment: Comment, *, target=None) -> dict:
    """The comment as live payloads carry it: the same for everyone in the room, the public's
    view (targets that announce new comments in their own event put this in it). ``target``:
    what it is on, when the caller has it loaded (see :meth:`Comment.show_to`)."""
    comment.show_to(None, target=target)
    return live_comment_schema.dump(comment)


def publish_comment(session: Session, comment: Comment, change: str) -> None:
    """Tell the target's room (its internal room for internal notes) about the comment.
    Once hidden, a comment's only public news is that it was hidden: its later edits and
    deletion stay out of the public room."""
    if comment.hidden and not comment.internal and change != "hidden":
        return
    room = f"{comment.target_type}:{comment.target_id}"
    if comment.internal:
        room += ":internal"
    payload = {
        f"{comment.target_type}_id": comment.target_id,
        "change": change,
        "comment": live_comment(comment),
    }
    publish(session, room, f"{comment.target_type}.comment", payload)


def add_comment(
    session: Session,
    target_type: str,
    target_id: int,
    actor,
    *,
    body: str,
    parent_id: int | None = None,
    internal: bool = False,
    display_depth: int = DEFAULT_DISPLAY_DEPTH,
) -> Comment:
    """Post a public reply or (``internal``) a staff note on a target."""
    require(actor, Permission.REPORT)
    _kind, rules, obj = _viewable_target(session, target_type, target_id, actor)
    _check_may_post(rules, obj, actor, internal)
    parent = _parent_for(session, parent_id, target_type, target_id, actor) if parent_id else None
    if parent is not None and parent.internal and not internal:
        raise ValidationFailed(
            "Some fields are invalid.",
            fields={"internal": ["A reply to an internal note is internal too."]},
        )
    comment = Comment(
        target_type=target_type,
        target_id=target_id,
        author=actor,
        body=clean_text(body, "body", max_length=BODY_MAX, multiline=True),
        internal=internal,
    )
    _place(comment, parent, display_depth)
    session.add(comment)
    session.flush()
    if not rules.announces_new:  # else on_comment's own event carries it: one frame
        publish_comment(session, comment, "created")
    rules.on_comment(session, obj, comment, actor)
    comment.my_vote = 0
    comment.show_to(actor)
    return comment


def _own_comment(session: Session, comment_id: int, actor, *, admin_too: bool) -> Comment:
    require(actor, Permission.REPORT)
    comment = _find(session, comment_id)
    mine = comment is not None and comment.author_id == actor.id
    if comment is None or not can_see_comment(session, comment, actor, even_hidden=mine):
        raise NotFound(f"No comment {comment_id}.")
    if not mine and not (admin_too and is_admin(actor)):
        raise Forbidden("This is someone else's comment.")
    return comment


def edit_comment(
    session: Session,
    comment_id: int,
    actor,
    *,
    body: str,
) -> Comment:
    """The author rewrites the comment until its ``editable_until``; marked edited."""
    comment = _own_comment(session, comment_id, actor, admin_too=False)
    if comment.hidden:
        raise Forbidden("A moderator hid this comment; it cannot be edited.", code="hidden")
    comment.show_to(actor)
    if comment.editable_until is None or utcnow() > comment.editable_until:
        raise Conflict("The time to edit this comment is over.", code="edit_window_closed")
    text = clean_text(body, "body", max_length=BODY_MAX, multiline=True)
    if text != comment.body:
        comment.body = text
        comment.edited_at = utcnow()
        session.flush()
        publish_comment(session, comment, "edited")
    mark_my_votes(session, [comment], actor)
    return comment


def delete_comment(session: Session, comment_id: int, actor) -> None:
    """The author (or an admin) deletes a comment: its text goes; a placeholder stays in
    lists while replies below it are visible."""
    comment = _own_comment(session, comment_id, actor, admin_too=True)
    was_public = not comment.internal and comment.visible
    comment.deleted_at = utcnow()
    comment.body = ""
    session.flush()
    publish_comment(session, comment, "deleted")
    if was_public:
        _kind, rules, obj = _target_of(session, comment)
        rules.count_changed(session, obj, -1)


def vote_comment(session: Session, comment_id: int, actor, value: int | None) -> Comment:
    """Up (1), down (-1) or withdraw (None) the actor's vote; counts stay exact."""
    require(actor, Permission.REPORT)
    comment = get_comment(session, comment_id, actor)
    if comment.hidden:
        raise NotFound(f"No comment {comment_id}.")
    if comment.author_id == actor.id:
        raise Forbidden("You cannot vote on your own comment.", code="own_comment")
    old, new = set_vote(
        session, CommentVote, {"comment_id": comment.id, "user_id": actor.id}, value
    )
    if old != new:
        up = (new == 1) - (old == 1)
        down = (new == -1) - (old == -1)
        session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(upvotes=Comment.upvotes + up, downvotes=Comment.downvotes + down)
            .execution_options(synchronize_session=False)
        )
        session.refresh(comment)
    comment.my_vote = new or 0
    return comment


# --- moderation ---------------------------------------------------------------------------


def comment_visibility_changed(session: Session, comment: Comment, hidden: bool) -> None:
    """After moderation hid or restored a comment: keep the target's count and live view."""
    publish_comment(session, comment, "hidden" if hidden else "restored")
    if not comment.internal and not comment.deleted:
        _kind, rules, obj = _target_of(session, comment)
        rules.count_changed(session, obj, -1 if hidden else 1)
