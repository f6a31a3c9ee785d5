"""HTTP adapters for comments on cases and proposals, and on single comments."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from backend.auth.session import user
from backend.comments import service
from backend.comments.schemas import (
    CommentCreateSchema,
    CommentListArgs,
    CommentSchema,
    CommentUpdateSchema,
    CommentVoteSchema,
)
from backend.conditional import CONDITIONAL_DOC, ETAG_HEADER, conditional
from backend.extensions import db
from backend.idempotency import idempotent
from backend.pagination import page_of
from backend.ratelimit import limited

blp = Blueprint("comments", __name__, url_prefix="/api/v1", description="Comments and notes")


def _display_depth() -> int:
    return current_app.config["COMMENT_DISPLAY_DEPTH"]


def _list(target_type: str, target_id: int, args: dict) -> dict:
    return service.list_comments(db.session, target_type, target_id, user(), **args)


def _post(target_type: str, target_id: int, data: dict):
    comment = service.add_comment(
        db.session, target_type, target_id, user(), display_depth=_display_depth(), **data
    )
    db.session.commit()
    return comment


@blp.route("/cases/<int:case_id>/comments", methods=["GET"])
@conditional
@blp.doc(**CONDITIONAL_DOC)
@blp.arguments(CommentListArgs, location="query")
@blp.response(200, page_of(CommentSchema), headers=ETAG_HEADER)
def list_case_comments(args, case_id):
    """Public replies on a case, oldest first; the handling staff also get internal notes
    (`internal: true`)."""
    return _list("case", case_id, args)


@blp.route("/cases/<int:case_id>/comments", methods=["POST"])
@idempotent
@limited("posting")
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def post_case_comment(data, case_id):
    """Reply publicly on a case, or (handling staff) write an internal note."""
    return _post("case", case_id, data)


@blp.route("/proposals/<int:proposal_id>/comments", methods=["GET"])
@conditional
@blp.doc(**CONDITIONAL_DOC)
@blp.arguments(CommentListArgs, location="query")
@blp.response(200, page_of(CommentSchema), headers=ETAG_HEADER)
def list_proposal_comments(args, proposal_id):
    """The discussion of a proposal, oldest first."""
    return _list("proposal", proposal_id, args)


@blp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@idempotent
@limited("posting")
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def post_proposal_comment(data, proposal_id):
    """Comment on a proposal, or reply to a comment there (`parent_id`)."""
    return _post("proposal", proposal_id, data)


@blp.route("/comments/<int:comment_id>", methods=["GET"])
@blp.response(200, CommentSchema)
def get_comment(comment_id):
    """One comment, if you may see it."""
    return service.get_comment(db.session, comment_id, user())


@blp.route("/comments/<int:comment_id>", methods=["PATCH"])
@limited("posting")
@blp.arguments(CommentUpdateSchema)
@blp.response(200, CommentSchema)
def edit_comment(data, comment_id):
    """The author corrects a comment shortly after posting it; it is marked edited."""
    comment = service.edit_comment(db.session, comment_id, user(), body=data["body"])
    db.session.commit()
    return comment


@blp.route("/comments/<int:comment_id>", methods=["DELETE"])
@blp.response(204)
def delete_comment(comment_id):
    """The author deletes a comment (a placeholder stays where replies exist)."""
    service.delete_comment(db.session, comment_id, user())
    db.session.commit()


@blp.route("/comments/<int:comment_id>/vote", methods=["PUT"])
@limited("voting")
@blp.arguments(CommentVoteSchema)
@blp.response(200, CommentSchema)
def vote_comment(data, comment_id):
    """Vote a comment up (1) or down (-1); voting again changes the vote."""
    comment = service.vote_comment(db.session, comment_id, user(), data["value"])
    db.session.commit()
    return comment


@blp.route("/comments/<int:comment_id>/vote", methods=["DELETE"])
@limited("voting")
@blp.response(200, CommentSchema)
def unvote_comment(comment_id):
    """Withdraw your vote on a comment."""
    comment = service.vote_comment(db.session, comment_id, user(), None)
    db.session.commit()
    return comment
