"""Role x moderation action x expected status."""

import pytest

from backend.extensions import db
from backend.proposals.models import Proposal

ROLES = ["anonymous", "resident", "volunteer", "staff", "admin", "blocked"]
MODERATORS = {"anonymous": 401, "resident": 403, "volunteer": 200, "staff": 403, "admin": 200}


def _item(proposal) -> list[dict]:
    return [{"target_type": "proposal", "target_id": proposal.id}]


ACTIONS = {
    "flag": (
        "post",
        "/api/v1/flags",
        lambda p: {"target_type": "proposal", "target_id": p.id, "reason": "spam"},
        {**dict.fromkeys(ROLES, 201), "anonymous": 401, "blocked": 403},
    ),
    "queue": ("get", "/api/v1/moderation/queue", None, {**MODERATORS, "blocked": 403}),
    "hide": (
        "post",
        "/api/v1/moderation/actions",
        lambda p: {"action": "hide", "items": _item(p), "reason": "Spam"},
        {**MODERATORS, "blocked": 403},
    ),
    "restore": (
        "post",
        "/api/v1/moderation/actions",
        lambda p: {"action": "restore", "items": _item(p)},
        {**MODERATORS, "blocked": 403},
    ),
    "dismiss": (
        "post",
        "/api/v1/moderation/actions",
        lambda p: {"action": "dismiss", "items": _item(p)},
        {**MODERATORS, "blocked": 403},
    ),
    "log": ("get", "/api/v1/moderation/log", None, dict.fromkeys(ROLES, 200)),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_moderation_matrix(client, make_proposal, make_user, as_role, token_for, role, action):
    method, path, body, expected = ACTIONS[action]
    proposal = make_proposal()
    if role == "blocked":
        headers = token_for(make_user("volunteer", blocked=True))
    else:
        headers = as_role(role)
    response = getattr(client, method)(path, json=body(proposal) if body else None, headers=headers)
    assert response.status_code == expected[role], response.get_json()
    if action == "hide":
        db.session.rollback()
        assert db.session.get(Proposal, proposal.id).hidden is (expected[role] == 200)
