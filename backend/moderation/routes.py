"""HTTP adapters for flags, the moderation queue, decisions and the public log."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from backend.auth.session import user
from backend.citysettings import service as citysettings
from backend.extensions import db
from backend.idempotency import idempotent
from backend.moderation import queue, service
from backend.moderation.schemas import (
    ActionResultSchema,
    ActionSchema,
    FlagCreateSchema,
    FlagSchema,
    LogArgs,
    LogEntrySchema,
    QueueArgs,
    QueueItemSchema,
)
from backend.pagination import page_of
from backend.ratelimit import limited

blp = Blueprint("moderation", __name__, url_prefix="/api/v1", description="Flags and moderation")


@blp.route("/flags", methods=["POST"])
@idempotent
@limited("flagging")
@blp.arguments(FlagCreateSchema)
@blp.response(201, FlagSchema)
def create_flag(data):
    """Report a case, proposal or comment (once per person). Enough distinct reports hide
    it until a moderator has looked."""
    threshold = citysettings.effective()["MODERATION_FLAG_THRESHOLD"]
    row = service.flag(db.session, user(), threshold=threshold, **data)
    db.session.commit()
    return row


@blp.route("/moderation/queue", methods=["GET"])
@blp.arguments(QueueArgs, location="query")
@blp.response(200, page_of(QueueItemSchema))
def moderation_queue(args):
    """Volunteers and admins: what needs a decision, the newest risk first (flagged items,
    the most reported first; then new content as `MODERATION_REVIEW_NEW` says), with
    context. Dismissing an item ("looks fine") clears it until it is flagged again."""
    policy = queue.ReviewPolicy.from_config(current_app.config)
    return queue.list_queue(db.session, user(), policy=policy, **args)


@blp.route("/moderation/items/<target_type>/<int:target_id>", methods=["GET"])
@blp.response(200, QueueItemSchema)
def moderation_item(target_type, target_id):
    """One item as the queue shows it (volunteers and admins), for a desk told of it live."""
    return queue.one_item(db.session, user(), target_type, target_id)


@blp.route("/moderation/actions", methods=["POST"])
@idempotent
@blp.arguments(ActionSchema)
@blp.response(200, ActionResultSchema)
def moderation_action(data):
    """Hide (reason required), restore, or dismiss the reports of one or more items."""
    states = service.act(db.session, user(), **data)
    db.session.commit()
    return {"action": data["action"], "items": states}


@blp.route("/moderation/log", methods=["GET"])
@blp.arguments(LogArgs, location="query")
@blp.response(200, page_of(LogEntrySchema))
def moderation_log(args):
    """The public record of moderation: what was hidden or restored, when and why."""
    return service.public_log(db.session, **args)
