"""The proposal state machine: the table against an independent copy, and each payload's
``viewer.actions`` generated from the table for every role and state."""

import pytest

from backend.proposals.models import Status
from backend.proposals.transitions import TRANSITIONS, allowed_actions

# action: (from, to, who): written out again here, on purpose, apart from the code.
EXPECTED = {
    "publish": ({"draft"}, "published", "author"),
    "submit": ({"draft"}, "pending", "author"),
    "approve": ({"pending"}, "published", "reviewer"),
    "decline": ({"pending"}, "declined", "reviewer"),
    "start_review": ({"published"}, "under_review", "nobody"),
    "accept": ({"published", "under_review"}, "accepted", "answerer"),
    "reject": ({"published", "under_review"}, "rejected", "answerer"),
    "implement": ({"accepted"}, "implemented", "answerer"),
    "withdraw": ({"draft", "pending", "published", "under_review"}, "withdrawn", "author"),
}
ROLES = ["resident", "volunteer", "staff", "admin", "author"]


def test_the_table_is_the_one_written_down():
    actual = {
        action: ({str(s) for s in t.sources}, str(t.target), t.who_name)
        for action, t in TRANSITIONS.items()
    }
    assert actual == EXPECTED


def _may(role: str, who: str) -> bool:
    return {
        "author": role == "author",
        "reviewer": role in ("volunteer", "staff", "admin"),
        "answerer": role in ("staff", "admin"),
        "nobody": False,
    }[who]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [s.value for s in Status])
def test_viewer_actions_follow_the_table(client, make_proposal, make_user, token_for, role, status):
    author = make_user()
    proposal = make_proposal(author, status=status)
    viewer = author if role == "author" else make_user(role)
    response = client.get(f"/api/v1/proposals/{proposal.id}", headers=token_for(viewer))
    if response.status_code == 404:  # drafts, pending and declined ones are not everyone's
        assert status in ("draft", "pending", "declined") and role != "author"
        return
    expected = [
        action
        for action, (sources, _, who) in EXPECTED.items()
        if action != "submit" and status in sources and _may(role, who)
    ]
    assert response.get_json()["viewer"]["actions"] == expected
    assert allowed_actions(viewer, proposal) == expected
