"""Proposal votes: one per user, changeable and withdrawable; review at the threshold."""

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.proposals.models import Proposal, ProposalVote
from tests.helpers import error_of


@pytest.fixture
def app_overrides():
    return {"PROPOSAL_SUPPORT_THRESHOLD": 3}


def _vote(client, proposal, headers, value=None):
    url = f"/api/v1/proposals/{proposal.id}/vote"
    if value is None:
        return client.delete(url, headers=headers)
    return client.put(url, json={"value": value}, headers=headers)


def _counts(proposal) -> tuple[int, int, str]:
    db.session.rollback()
    stored = db.session.get(Proposal, proposal.id)
    return stored.supports, stored.opposes, stored.status


def test_support_change_withdraw_with_my_vote(client, make_proposal, make_user, token_for):
    proposal = make_proposal()
    voter = token_for(make_user())
    supported = _vote(client, proposal, voter, "support").get_json()
    assert (supported["supports"], supported["opposes"], supported["my_vote"]) == (1, 0, "support")
    repeated = _vote(client, proposal, voter, "support").get_json()
    assert (repeated["supports"], repeated["my_vote"]) == (1, "support")
    opposed = _vote(client, proposal, voter, "oppose").get_json()
    assert (opposed["supports"], opposed["opposes"], opposed["my_vote"]) == (0, 1, "oppose")
    withdrawn = _vote(client, proposal, voter).get_json()
    assert (withdrawn["supports"], withdrawn["opposes"], withdrawn["my_vote"]) == (0, 0, None)
    assert _vote(client, proposal, voter).get_json()["opposes"] == 0
    detail = client.get(f"/api/v1/proposals/{proposal.id}", headers=voter).get_json()
    assert detail["my_vote"] is None


def test_my_vote_is_each_viewers_own(client, make_proposal, make_user, token_for):
    proposal = make_proposal()
    supporter, opponent = token_for(make_user()), token_for(make_user())
    _vote(client, proposal, supporter, "support")
    _vote(client, proposal, opponent, "oppose")
    listed = client.get("/api/v1/proposals", headers=supporter).get_json()["items"][0]
    assert listed["my_vote"] == "support"
    assert (
        client.get(f"/api/v1/proposals/{proposal.id}", headers=opponent).json["my_vote"] == "oppose"
    )
    assert client.get(f"/api/v1/proposals/{proposal.id}").get_json()["my_vote"] is None


@pytest.mark.parametrize("value", ["Support", "yes", "", None, 1, True, ["support"]])
def test_unknown_vote_values_are_422(client, make_proposal, as_role, value):
    proposal = make_proposal()
    response = client.put(
        f"/api/v1/proposals/{proposal.id}/vote", json={"value": value}, headers=as_role("resident")
    )
    assert response.status_code == 422
    assert _counts(proposal)[:2] == (0, 0)


def test_threshold_moves_to_review_once_and_supporters_stay_counted(
    client, make_proposal, make_user, token_for, published
):
    proposal = make_proposal()
    voters = [token_for(make_user()) for _ in range(4)]
    published.clear()
    statuses = [_vote(client, proposal, h, "support").get_json()["status"] for h in voters]
    assert statuses == ["published", "published", "under_review", "under_review"]
    _vote(client, proposal, voters[0])  # below the threshold again: review goes on
    assert _counts(proposal) == (3, 0, "under_review")
    changes = [p["change"] for room, e, p in published if e == "proposal.updated"]
    assert changes.count("under_review") == 1
    assert changes == ["votes", "votes", "under_review", "votes", "votes"]


def test_every_count_change_is_published_without_anyones_vote(
    client, make_proposal, make_user, token_for, published
):
    proposal = make_proposal()
    voter = token_for(make_user())
    published.clear()
    _vote(client, proposal, voter, "oppose")
    ((room, _, payload),) = [p for p in published if p[1] == "proposal.updated"]
    assert (room, payload["proposal_id"], payload["status"]) == (
        f"proposal:{proposal.id}",
        proposal.id,
        "published",
    )
    assert payload["proposal"]["opposes"] == 1
    assert "my_vote" not in payload["proposal"] and "following" not in payload["proposal"]


@pytest.mark.parametrize(
    "status", ["pending", "declined", "accepted", "rejected", "implemented", "withdrawn"]
)
def test_voting_is_closed_outside_published_and_review(
    client, make_proposal, make_user, token_for, status
):
    proposal = make_proposal(make_user(), status=status)
    headers = token_for(make_user(role="volunteer"))  # who may see pending and declined ones
    response = _vote(client, proposal, headers, "support")
    assert response.status_code == 409
    assert error_of(response)["code"] == "voting_closed"
    assert _counts(proposal)[:2] == (0, 0)


def test_no_votes_on_hidden_proposals(client, make_proposal, as_role):
    proposal = make_proposal(hidden=True, hidden_reason="spam")
    assert _vote(client, proposal, as_role("resident"), "support").status_code == 404


def test_rows_match_counts(client, make_proposal, make_user, token_for):
    proposal = make_proposal()
    for value in ["support", "support", "oppose"]:
        _vote(client, proposal, token_for(make_user()), value)
    rows = db.session.scalar(
        select(func.count()).select_from(ProposalVote).where(ProposalVote.value == "support")
    )
    assert (rows, *_counts(proposal)[:2]) == (2, 2, 1)


@pytest.mark.parametrize("value", ["support", "oppose", None])
def test_an_author_cannot_vote_on_their_own_proposal(
    client, make_proposal, make_user, token_for, value
):
    author = make_user()
    proposal = make_proposal(author)
    response = _vote(client, proposal, token_for(author), value)
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "own_proposal",
        "message": "You cannot vote on your own proposal.",
        "request_id": error_of(response)["request_id"],
    }
    assert _counts(proposal)[:2] == (0, 0)
    shown = client.get(f"/api/v1/proposals/{proposal.id}", headers=token_for(author)).get_json()
    assert shown["viewer"]["can_vote"] is False
    other = client.get(f"/api/v1/proposals/{proposal.id}", headers=token_for(make_user()))
    assert other.get_json()["viewer"]["can_vote"] is True
