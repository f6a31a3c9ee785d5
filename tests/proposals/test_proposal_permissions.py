"""Role x proposal action x expected status. "author" is the proposal's own author."""

import pytest

from backend.extensions import db
from backend.proposals.models import Proposal

ROLES = ["anonymous", "resident", "volunteer", "staff", "admin", "author", "blocked"]
NEW = {"title": "Benches", "body": "More benches in the park."}


def _all(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def _signed_in(status: int, *, anonymous: int = 401, blocked: int | None = None) -> dict:
    return _all(status) | {
        "anonymous": anonymous,
        "blocked": status if blocked is None else blocked,
    }


REPORTERS = _signed_in(201, blocked=403)
VOTERS = _signed_in(200, blocked=403) | {"author": 403}  # no self-support
REVIEWERS = _signed_in(404) | {"author": 403, "volunteer": 200, "staff": 200, "admin": 200}
SEE_PENDING = _all(404) | {"author": 200, "volunteer": 200, "staff": 200, "admin": 200}
AUTHOR_ONLY = _signed_in(403) | {"author": 200}
STAFF_ONLY = _signed_in(403) | {"staff": 200, "admin": 200}

# action: (method, path, body, status of the proposal, expected by role)
ACTIONS = {
    "list": ("get", "/api/v1/proposals", None, "published", _all(200)),
    "create": ("post", "/api/v1/proposals", NEW, "published", REPORTERS),
    "read": ("get", "/api/v1/proposals/{id}", None, "published", _all(200)),
    "read draft": ("get", "/api/v1/proposals/{id}", None, "draft", _all(404) | {"author": 200}),
    "read pending": ("get", "/api/v1/proposals/{id}", None, "pending", SEE_PENDING),
    "read declined": ("get", "/api/v1/proposals/{id}", None, "declined", SEE_PENDING),
    "approve": (
        "post",
        "/api/v1/proposals/{id}/review",
        {"decision": "approve"},
        "pending",
        REVIEWERS,
    ),
    "decline": (
        "post",
        "/api/v1/proposals/{id}/review",
        {"decision": "decline", "reason": "Off topic."},
        "pending",
        REVIEWERS,
    ),
    "edit": ("patch", "/api/v1/proposals/{id}", {"title": "T2"}, "published", AUTHOR_ONLY),
    "publish": (
        "post",
        "/api/v1/proposals/{id}/publish",
        None,
        "draft",
        _signed_in(404, blocked=403) | {"author": 200},
    ),
    "withdraw": ("post", "/api/v1/proposals/{id}/withdraw", None, "published", AUTHOR_ONLY),
    "support": ("put", "/api/v1/proposals/{id}/vote", {"value": "support"}, "published", VOTERS),
    "oppose": ("put", "/api/v1/proposals/{id}/vote", {"value": "oppose"}, "published", VOTERS),
    "unvote": ("delete", "/api/v1/proposals/{id}/vote", None, "published", VOTERS),
    "follow": ("post", "/api/v1/proposals/{id}/follow", None, "published", _signed_in(200)),
    "unfollow": ("delete", "/api/v1/proposals/{id}/follow", None, "published", _signed_in(200)),
    "answer": (
        "post",
        "/api/v1/proposals/{id}/answer",
        {"decision": "accepted", "body": "Yes."},
        "under_review",
        STAFF_ONLY,
    ),
    "implemented": (
        "post",
        "/api/v1/proposals/{id}/implemented",
        {"case_ids": ["{case}"]},
        "accepted",
        STAFF_ONLY,
    ),
}


@pytest.fixture
def headers_for(as_role, make_user, token_for):
    def factory(role: str, author) -> dict:
        if role == "author":
            return token_for(author)
        if role == "blocked":
            return token_for(make_user(blocked=True))
        return as_role(role)

    return factory


def _fill(body, case_id):
    if body and "case_ids" in body:
        return {"case_ids": [case_id]}
    return body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_proposal_matrix(
    client, make_proposal, make_user, make_reported_case, headers_for, role, action
):
    method, path, body, status, expected = ACTIONS[action]
    author = make_user()
    proposal = make_proposal(author, status=status)
    case_id = make_reported_case().id if action == "implemented" else None
    before = (proposal.status, proposal.title, proposal.supports, proposal.opposes)
    response = getattr(client, method)(
        path.format(id=proposal.id), json=_fill(body, case_id), headers=headers_for(role, author)
    )
    assert response.status_code == expected[role], response.get_json()
    if expected[role] >= 400 and method != "get":
        db.session.rollback()
        stored = db.session.get(Proposal, proposal.id)
        assert (stored.status, stored.title, stored.supports, stored.opposes) == before
