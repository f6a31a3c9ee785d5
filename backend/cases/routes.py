"""HTTP adapters for cases: parse, load, call the service, commit, dump.

Case payloads are dumped with the schema :func:`case_schema_for` picks for the asking
user (public or staff) and returned as ready responses; the documented schema is the
staff one, of which the public one is a subset.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_smorest import Blueprint

from backend.auth.permissions import Permission, require
from backend.auth.session import user
from backend.cases import engagement, queries, rows, service
from backend.cases.effects import Policy
from backend.cases.schemas import (
    PIN_DUMP,
    CaseCreateFormSchema,
    CaseCreateSchema,
    CasePinSchema,
    CaseQuerySchema,
    CaseSchema,
    EventQuerySchema,
    EventStaffSchema,
    FollowStateSchema,
    NearbyCaseSchema,
    NearbyQuerySchema,
    RatingSchema,
    SupportStateSchema,
    TransitionFormSchema,
    TransitionSchema,
    case_schema_for,
    dump_cases,
    event_schema_for,
)
from backend.cases.viewer import attach_viewers, viewer_of
from backend.citysettings import service as citysettings
from backend.conditional import CONDITIONAL_DOC, ETAG_HEADER, conditional
from backend.errors import NotFound
from backend.extensions import db
from backend.idempotency import idempotent
from backend.media.bodies import body_doc, parse_body
from backend.media.storage import media_storage
from backend.media.uploads import prepare_photos, refused_photo
from backend.pagination import page_of, paginate, searchable_page_of
from backend.ratelimit import creations
from backend.replica import reads_replica

blp = Blueprint(
    "cases", __name__, url_prefix="/api/v1", description="Report city problems and follow them"
)


def _storage():
    return media_storage(current_app.config["DATA_DIR"])


def _policy():
    return Policy.from_config(citysettings.effective())


def _json(body, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    return response


def _case_response(case, status: int = 200):
    """A loaded case's answer, after a change (the reads take :func:`_case_page`)."""
    acting = user()
    attach_viewers(db.session, acting, [case])
    return _json(case_schema_for(acting, case).dump(case), status)


def _case_page(case_id: int):
    """``GET /cases/<id>``'s answer: the case read as a plain row (``rows.read_case``),
    dumped as the list dumps its rows."""
    acting = user()
    case = rows.read_case(db.session, acting, case_id)
    attach_viewers(db.session, acting, [case])
    return _json(dump_cases(acting, [case])[0])


def _page_response(page: dict, schema):
    return _json({**page, "items": schema.dump(page["items"], many=True)})


def _created_by_user() -> str:
    acting = user()
    return f"user:{acting.id}" if getattr(acting, "is_authenticated", False) else "anonymous"


def _spends_budget(response) -> bool:
    """Filed reports count, and so do reports refused for their photos (the decoding was
    done); other refusals do not."""
    return response.status_code < 300 or refused_photo(response)


# The query schemas are given as instances: given a class, webargs builds a new schema (and
# deep-copies its fields) on every request.
@blp.route("/cases", methods=["GET"])
@reads_replica
@conditional(cached=True)
@blp.doc(**CONDITIONAL_DOC)
@blp.arguments(CaseQuerySchema(), location="query")
@blp.response(200, searchable_page_of(CaseSchema), headers=ETAG_HEADER)
def list_cases(args):
    """Cases, newest first; filter by status (comma list), category, department, bbox,
    near + radius_m, mine, following, escalated, updated_since, q."""
    acting = user()
    page = queries.page_of_cases(db.session, acting, args)
    attach_viewers(db.session, acting, page["items"])
    return _json({**page, "items": dump_cases(acting, page["items"])})


@blp.route("/cases/pins", methods=["GET"])
@reads_replica
@conditional(cached=True)
@blp.doc(**CONDITIONAL_DOC)
@blp.arguments(CaseQuerySchema(), location="query")
@blp.response(200, searchable_page_of(CasePinSchema), headers=ETAG_HEADER)
def list_case_pins(args):
    """The cases `GET /cases` lists, with the same filters, order and paging, each with only
    what a map pin shows: id, status, position, title and category."""
    page = queries.page_of_pins(db.session, user(), args)
    return _json({**page, "items": [PIN_DUMP(case) for case in page["items"]]})


@blp.route("/cases", methods=["POST"])
@creations("CASE_CREATE_LIMIT", key_func=_created_by_user, spends=_spends_budget)
@idempotent
@blp.doc(requestBody=body_doc(CaseCreateSchema, CaseCreateFormSchema))
@blp.response(201, CaseSchema)
def create_case():
    """Report a problem, as JSON or as multipart with up to 5 `photos`."""
    acting = require(user(), Permission.REPORT)
    data, uploads = parse_body(CaseCreateSchema, CaseCreateFormSchema)
    images = prepare_photos(db.session, _storage(), uploads)
    case = service.create_case(db.session, acting, data, images=images, storage=_storage())
    # The answer is made before the commit, from what is in hand: after it, every row would
    # be read again. The reporter follows the new case; nobody supports it yet.
    case.viewer = viewer_of(acting, case, following=True, supporting=False)
    body = case_schema_for(acting, case).dump(case)
    db.session.commit()
    return _json(body, 201)


@blp.route("/cases/nearby", methods=["GET"])
@blp.arguments(NearbyQuerySchema(), location="query")
@blp.response(200, page_of(NearbyCaseSchema))
def nearby_cases(args):
    """Open cases of a category near a point (default 250 m), nearest first, at most 5."""
    acting = user()
    cases = queries.nearby(db.session, acting, **args)
    attach_viewers(db.session, acting, cases)
    page = {"items": cases, "total": len(cases), "page": 1, "per_page": queries.NEARBY_LIMIT}
    return _page_response(page, NearbyCaseSchema())


@blp.route("/cases/<int:case_id>", methods=["GET"])
@conditional(cached=True)
@blp.doc(**CONDITIONAL_DOC)
@blp.response(200, CaseSchema, headers=ETAG_HEADER)
def get_case(case_id):
    """One case, with what the asking user may do with it (`viewer`)."""
    return _case_page(case_id)


@blp.route("/cases/by-ref/<string:reference>", methods=["GET"])
@blp.response(200, CaseSchema)
def get_case_by_reference(reference):
    """The case with this reference (`RD-2412-0042`; any case, spaces instead of dashes and
    a number without its leading zeros are fine), as `GET /cases/<id>` gives it."""
    case_id = queries.id_by_reference(db.session, reference)
    if case_id is None:
        raise NotFound("No such case.")
    return _case_page(case_id)


@blp.route("/cases/<int:case_id>/events", methods=["GET"])
@blp.arguments(EventQuerySchema(), location="query")
@blp.response(200, page_of(EventStaffSchema))
def list_events(args, case_id):
    """The case's history after event `after`, oldest first. Internal notes are listed
    for the staff handling the case only."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    handler = service.is_case_handler(acting, case)
    stmt = queries.events_of(case, after=args["after"], internal=handler)
    page = paginate(db.session, stmt, args["page"], args["per_page"])
    return _page_response(page, event_schema_for(acting, handler=handler))


@blp.route("/cases/<int:case_id>/transitions", methods=["POST"])
@idempotent
@blp.doc(requestBody=body_doc(TransitionSchema, TransitionFormSchema))
@blp.response(200, CaseSchema)
def transition(case_id):
    """Move the case on: accept, reject, merge, assign, transfer, start, resolve (optionally
    multipart with "after" `photos`), confirm, reopen, close."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    data, uploads = parse_body(TransitionSchema, TransitionFormSchema)
    service.authorize_transition(acting, case, data["action"], photo_count=len(uploads))
    images = prepare_photos(db.session, _storage(), uploads)
    service.transition(
        db.session, case, acting, data, images=images, storage=_storage(), policy=_policy()
    )
    db.session.commit()
    return _case_response(case)


@blp.route("/cases/<int:case_id>/follow", methods=["POST"])
@blp.response(200, FollowStateSchema)
def follow(case_id):
    """Follow a case (get its updates); following twice is harmless."""
    acting = user()
    engagement.follow(db.session, service.case_for(db.session, case_id, acting), acting)
    db.session.commit()
    return {"following": True}


@blp.route("/cases/<int:case_id>/follow", methods=["DELETE"])
@blp.response(200, FollowStateSchema)
def unfollow(case_id):
    """Stop following a case."""
    acting = user()
    engagement.unfollow(db.session, service.case_for(db.session, case_id, acting), acting)
    db.session.commit()
    return {"following": False}


@blp.route("/cases/<int:case_id>/support", methods=["POST"])
@idempotent
@blp.response(201, SupportStateSchema)
def support(case_id):
    """ "Me too": support an open case (once; not one's own). Also follows it."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    count = engagement.support(db.session, case, acting)
    db.session.commit()
    return {"supporting": True, "supporters": count}


@blp.route("/cases/<int:case_id>/support", methods=["DELETE"])
@blp.response(200, SupportStateSchema)
def unsupport(case_id):
    """Withdraw one's support."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    count = engagement.unsupport(db.session, case, acting)
    db.session.commit()
    return {"supporting": False, "supporters": count}


@blp.route("/cases/<int:case_id>/rating", methods=["POST"])
@idempotent
@blp.arguments(RatingSchema)
@blp.response(201, RatingSchema)
def rate(data, case_id):
    """The reporter rates the handling (1-5, optional comment) once the case is closed."""
    acting = user()
    case = service.case_for(db.session, case_id, acting)
    rating = engagement.rate(db.session, case, acting, data["score"], data.get("comment"))
    db.session.commit()
    return rating


from backend.cases import staff_routes  # noqa: E402  (registered with ours)

extra_blps = [staff_routes.blp]
