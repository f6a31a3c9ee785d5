from marshmallow import Schema, fields, validate

from backend.ids import ID_RANGE
from backend.jsonfields import StrictBoolean
from backend.pagination import PageArgs

BODY_MAX = 5000


class CommentAuthorSchema(Schema):
    display_name = fields.String(required=True)
    role = fields.String(required=True)


class CommentSchema(Schema):
    """A comment as anyone allowed to see it sees it; deleted and hidden comments keep
    their place in the thread (so replies make sense) without their text or author."""

    id = fields.Integer(required=True)
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, metadata={"description": "Displayed under."})
    reply_to_id = fields.Integer(allow_none=True, metadata={"description": "Answers this one."})
    author = fields.Nested(CommentAuthorSchema, allow_none=True, attribute="shown_author")
    author_deleted = fields.Boolean(
        metadata={"description": 'The author deleted their account: show "deleted account".'}
    )
    body = fields.String(allow_none=True, attribute="shown_body")
    internal = fields.Boolean(required=True)
    hidden = fields.Boolean(required=True)
    deleted = fields.Boolean(required=True)
    edited = fields.Boolean(required=True)
    edited_at = fields.DateTime(allow_none=True)
    upvotes = fields.Integer(required=True)
    downvotes = fields.Integer(required=True)
    score = fields.Integer(required=True)
    my_vote = fields.Integer(
        validate=validate.OneOf([-1, 0, 1]), metadata={"description": "0 when none."}
    )
    mine = fields.Boolean(
        metadata={"description": "You wrote it: you may delete it, and edit it until then."}
    )
    editable_until = fields.DateTime(
        allow_none=True,
        metadata={"description": "Until when you may still edit it; null unless it is yours."},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


# Live payloads go to everyone in a room, so they leave out what depends on who reads them.
live_comment_schema = CommentSchema(exclude=("my_vote", "mine", "editable_until"))


class CommentCreateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))
    parent_id = fields.Integer(
        allow_none=True,
        strict=True,
        validate=ID_RANGE,
        metadata={"description": "The comment this one answers."},
    )
    internal = StrictBoolean(
        load_default=False, metadata={"description": "A staff internal note (cases only)."}
    )


class CommentUpdateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))


class CommentVoteSchema(Schema):
    value = fields.Integer(required=True, strict=True, validate=validate.OneOf([1, -1]))


class CommentListArgs(PageArgs):
    order = fields.String(
        load_default="oldest",
        validate=validate.OneOf(["oldest", "thread"]),
        metadata={"description": "oldest: by time; thread: each thread, then its replies."},
    )
