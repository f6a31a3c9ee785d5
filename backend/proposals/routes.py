"""HTTP adapters for proposals: writing, publishing, voting, answers and following."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_smorest import Blueprint

from backend.auth.permissions import Permission, require
from backend.auth.session import user
from backend.citysettings import service as citysettings
from backend.conditional import CONDITIONAL_DOC, ETAG_HEADER, conditional
from backend.extensions import db
from backend.idempotency import idempotent
from backend.media.bodies import body_doc, parse_body
from backend.media.storage import media_storage
from backend.media.uploads import prepare_photos
from backend.pagination import page_of, single_page
from backend.proposals import queries, service, topics
from backend.proposals.schemas import (
    AnswerSchema,
    ImplementedSchema,
    ProposalCreateFormSchema,
    ProposalCreateSchema,
    ProposalListArgs,
    ProposalSchema,
    ProposalUpdateSchema,
    ProposalVoteSchema,
    ReviewSchema,
    TopicCreateSchema,
    TopicListArgs,
    TopicSchema,
    TopicUpdateSchema,
)
from backend.ratelimit import limited
from backend.replica import reads_replica

blp = Blueprint("proposals", __name__, url_prefix="/api/v1", description="Proposals")


def _threshold() -> int:
    return current_app.config["PROPOSAL_SUPPORT_THRESHOLD"]


def _review() -> bool:
    return citysettings.effective()["PROPOSAL_REVIEW"]


def _edit_window() -> timedelta:
    minutes = current_app.config["PROPOSAL_EDIT_WINDOW_MINUTES"]
    return timedelta(minutes=minutes)


def _committed(proposal):
    db.session.commit()
    return proposal


@blp.route("/proposals", methods=["GET"])
@reads_replica
@conditional
@blp.doc(**CONDITIONAL_DOC)
@blp.arguments(ProposalListArgs, location="query")
@blp.response(200, page_of(ProposalSchema), headers=ETAG_HEADER)
def list_proposals(args):
    """Proposals: `sort` new (default), supported or near (`near=lat,lon`, `radius_m`);
    filters `status` (comma list), `topic`, `category`, `q`, `mine` (drafts too),
    `following`. Moderators and staff may list `status=pending` (held for review)."""
    return queries.list_proposals(db.session, user(), args)


@blp.route("/proposals", methods=["POST"])
@idempotent
@limited("posting")
@blp.doc(requestBody=body_doc(ProposalCreateSchema, ProposalCreateFormSchema))
@blp.response(201, ProposalSchema)
def create_proposal():
    """Write a proposal, as JSON or as multipart with up to 5 `photos`; it is published at
    once unless `draft` is true (or held as `pending` when the city reviews proposals)."""
    acting = require(user(), Permission.REPORT)
    data, uploads = parse_body(ProposalCreateSchema, ProposalCreateFormSchema)
    storage = media_storage(current_app.config["DATA_DIR"])
    images = prepare_photos(db.session, storage, uploads)
    proposal = service.create_proposal(
        db.session, acting, data, images=images, storage=storage, review=_review()
    )
    return _committed(proposal)


@blp.route("/proposals/<int:proposal_id>", methods=["GET"])
@blp.response(200, ProposalSchema)
def get_proposal(proposal_id):
    """One proposal with your vote (`my_vote`) and whether you follow it."""
    return queries.get_proposal(db.session, proposal_id, user())


@blp.route("/proposals/<int:proposal_id>", methods=["PATCH"])
@limited("posting")
@blp.arguments(ProposalUpdateSchema)
@blp.response(200, ProposalSchema)
def update_proposal(data, proposal_id):
    """The author edits a draft, or a published proposal before its first support or
    within a short time of publishing it."""
    proposal = service.update_proposal(
        db.session, proposal_id, user(), data, edit_window=_edit_window()
    )
    return _committed(proposal)


@blp.route("/proposals/<int:proposal_id>/publish", methods=["POST"])
@idempotent
@blp.response(200, ProposalSchema)
def publish_proposal(proposal_id):
    """The author publishes a draft (into review, `pending`, when the city reviews them)."""
    proposal = service.publish_proposal(db.session, proposal_id, user(), review=_review())
    return _committed(proposal)


@blp.route("/proposals/<int:proposal_id>/review", methods=["POST"])
@idempotent
@blp.arguments(ReviewSchema)
@blp.response(200, ProposalSchema)
def review_proposal(data, proposal_id):
    """Moderators and staff publish a pending proposal (`approve`) or `decline` it with a
    reason for its author."""
    return _committed(service.review_proposal(db.session, proposal_id, user(), **data))


@blp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@idempotent
@blp.response(200, ProposalSchema)
def withdraw_proposal(proposal_id):
    """The author withdraws a proposal that has not been decided yet."""
    return _committed(service.withdraw_proposal(db.session, proposal_id, user()))


@blp.route("/proposals/<int:proposal_id>/answer", methods=["POST"])
@idempotent
@blp.arguments(AnswerSchema)
@blp.response(200, ProposalSchema)
def answer_proposal(data, proposal_id):
    """Staff accept or reject a proposal with an official answer."""
    return _committed(service.answer_proposal(db.session, proposal_id, user(), **data))


@blp.route("/proposals/<int:proposal_id>/implemented", methods=["POST"])
@idempotent
@blp.arguments(ImplementedSchema)
@blp.response(200, ProposalSchema)
def mark_implemented(data, proposal_id):
    """Staff mark an accepted proposal implemented, linking the cases that did it."""
    proposal = service.mark_implemented(db.session, proposal_id, user(), data["case_ids"])
    return _committed(proposal)


@blp.route("/proposals/<int:proposal_id>/vote", methods=["PUT"])
@limited("voting")
@blp.arguments(ProposalVoteSchema)
@blp.response(200, ProposalSchema)
def vote(data, proposal_id):
    """Support or oppose; voting again changes your vote."""
    proposal = service.vote(db.session, proposal_id, user(), data["value"], threshold=_threshold())
    return _committed(proposal)


@blp.route("/proposals/<int:proposal_id>/vote", methods=["DELETE"])
@limited("voting")
@blp.response(200, ProposalSchema)
def withdraw_vote(proposal_id):
    """Withdraw your vote."""
    proposal = service.vote(db.session, proposal_id, user(), None, threshold=_threshold())
    return _committed(proposal)


@blp.route("/proposals/<int:proposal_id>/follow", methods=["POST"])
@idempotent
@blp.response(200, ProposalSchema)
def follow(proposal_id):
    """Follow a proposal: hear of its answer and changes."""
    return _committed(service.follow(db.session, proposal_id, user()))


@blp.route("/proposals/<int:proposal_id>/follow", methods=["DELETE"])
@blp.response(200, ProposalSchema)
def unfollow(proposal_id):
    """Stop following a proposal."""
    return _committed(service.unfollow(db.session, proposal_id, user()))


@blp.route("/proposals/topics", methods=["GET"])
@blp.arguments(TopicListArgs, location="query")
@blp.response(200, page_of(TopicSchema))
def list_topics(args):
    """What proposals can be about (public); admins may ask for retired ones too."""
    return single_page(topics.list_topics(db.session, user(), **args))


@blp.route("/proposals/topics", methods=["POST"])
@idempotent
@blp.arguments(TopicCreateSchema)
@blp.response(201, TopicSchema)
def create_topic(data):
    """Add a topic (admin)."""
    return _committed(topics.create_topic(db.session, user(), data))


@blp.route("/proposals/topics/<code>", methods=["PATCH"])
@blp.arguments(TopicUpdateSchema)
@blp.response(200, TopicSchema)
def update_topic(data, code):
    """Rename, reorder or retire (`active: false`) a topic (admin)."""
    return _committed(topics.update_topic(db.session, user(), code, data))
