"""Role x comment action x expected status, on proposals and on cases."""

import pytest
from sqlalchemy import func, select

from backend.comments.models import Comment
from backend.extensions import db

ROLES = ["anonymous", "resident", "volunteer", "staff", "handler", "admin", "blocked"]


@pytest.fixture
def headers_for(as_role, make_user, token_for):
    """Headers for a role; "handler" is staff of the case's department, "blocked" a blocked
    resident."""

    def factory(role: str, department=None) -> dict:
        if role == "handler":
            return token_for(make_user("staff", departments=[department.code]))
        if role == "blocked":
            return token_for(make_user(blocked=True))
        return as_role(role)

    return factory


def _comments() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Comment.id)))


# action: (method, path, body, {role: status}); {target} and {comment} are filled in.
SIGNED_IN = {"resident": 201, "volunteer": 201, "staff": 201, "handler": 201, "admin": 201}
PROPOSAL_ACTIONS = {
    "list": ("get", "/api/v1/proposals/{target}/comments", None, dict.fromkeys(ROLES, 200)),
    "post": (
        "post",
        "/api/v1/proposals/{target}/comments",
        {"body": "hello"},
        {"anonymous": 401, "blocked": 403, **SIGNED_IN},
    ),
    "post internal": (
        "post",
        "/api/v1/proposals/{target}/comments",
        {"body": "psst", "internal": True},
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 403)},
    ),
    "vote": (
        "put",
        "/api/v1/comments/{comment}/vote",
        {"value": 1},
        {"anonymous": 401, "blocked": 403, **dict.fromkeys(SIGNED_IN, 200)},
    ),
    "edit someone's": (
        "patch",
        "/api/v1/comments/{comment}",
        {"body": "changed"},
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 403)},
    ),
    "delete someone's": (
        "delete",
        "/api/v1/comments/{comment}",
        None,
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 403), "admin": 204},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", PROPOSAL_ACTIONS, ids=str)
def test_proposal_comment_matrix(
    client, make_proposal, make_comment, headers_for, make_department, role, action
):
    method, path, body, expected = PROPOSAL_ACTIONS[action]
    proposal = make_proposal()
    comment = make_comment(proposal, body="original")
    before = _comments()
    headers = headers_for(role, make_department())
    url = path.format(target=proposal.id, comment=comment.id)
    response = getattr(client, method)(url, json=body, headers=headers)
    assert response.status_code == expected[role], response.get_json()
    created = _comments() - before
    assert created == (1 if expected[role] == 201 else 0)
    if action.startswith("edit"):
        assert db.session.get(Comment, comment.id).body == "original"


CASE_ACTIONS = {
    "list": (None, dict.fromkeys(ROLES, 200)),
    "reply": ({"body": "Any news?"}, {"anonymous": 401, "blocked": 403, **SIGNED_IN}),
    "internal note": (
        {"body": "Crew booked for Tuesday", "internal": True},
        {
            "anonymous": 401,
            "resident": 403,
            "volunteer": 403,
            "staff": 403,
            "handler": 201,
            "admin": 201,
            "blocked": 403,
        },
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", CASE_ACTIONS, ids=str)
def test_case_comment_matrix(client, make_reported_case, headers_for, role, action):
    body, expected = CASE_ACTIONS[action]
    case = make_reported_case()
    headers = headers_for(role, case.department)
    url = f"/api/v1/cases/{case.id}/comments"
    response = (
        client.post(url, json=body, headers=headers) if body else client.get(url, headers=headers)
    )
    assert response.status_code == expected[role], response.get_json()
    assert _comments() == (1 if expected[role] == 201 else 0)
