"""Posting, voting and flagging are rate limited per user and per address, with a 429 in
the contract's shape; ordinary use goes through."""

import pytest

from tests.helpers import error_of
from tests.services import REDIS_URL, require_service


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


TIGHT = {
    "POSTING_LIMIT_PER_USER": "3 per minute",
    "POSTING_LIMIT_PER_ADDRESS": "100 per minute",
    "VOTING_LIMIT_PER_USER": "2 per minute",
    "VOTING_LIMIT_PER_ADDRESS": "100 per minute",
    "FLAGGING_LIMIT_PER_USER": "1 per minute",
    "FLAGGING_LIMIT_PER_ADDRESS": "100 per minute",
}
tight = pytest.mark.parametrize("app_overrides", [TIGHT], indirect=True)
# Several processes share their budgets through Redis, as the scaled setup runs.
tight_on_both_storages = pytest.mark.parametrize(
    "app_overrides",
    [TIGHT, pytest.param(TIGHT | {"RATELIMIT_STORAGE_URI": REDIS_URL}, marks=pytest.mark.redis)],
    indirect=True,
    ids=["memory", "redis"],
)


@pytest.fixture(autouse=True)
def _redis_when_asked(request):
    if request.node.get_closest_marker("redis"):
        require_service("Redis", REDIS_URL)


def _assert_429(response):
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


@tight_on_both_storages
def test_posting_budget_is_shared_by_comments_and_proposals(
    client, make_proposal, make_user, token_for
):
    proposal = make_proposal()
    me, other = token_for(make_user()), token_for(make_user())
    url = f"/api/v1/proposals/{proposal.id}/comments"
    assert client.post(url, json={"body": "1"}, headers=me).status_code == 201
    assert client.post(url, json={"body": "2"}, headers=me).status_code == 201
    new = {"title": "Idea", "body": "Text"}
    assert client.post("/api/v1/proposals", json=new, headers=me).status_code == 201
    _assert_429(client.post(url, json={"body": "4"}, headers=me))
    _assert_429(client.post("/api/v1/proposals", json=new, headers=me))
    assert client.post(url, json={"body": "mine"}, headers=other).status_code == 201


@tight
def test_votes_are_limited_per_user_across_proposals_and_comments(
    client, make_proposal, make_comment, make_user, token_for
):
    proposal = make_proposal()
    comment = make_comment(proposal)
    me = token_for(make_user())
    vote = f"/api/v1/proposals/{proposal.id}/vote"
    assert client.put(vote, json={"value": "support"}, headers=me).status_code == 200
    assert (
        client.put(f"/api/v1/comments/{comment.id}/vote", json={"value": 1}, headers=me).status_code
        == 200
    )
    _assert_429(client.put(vote, json={"value": "oppose"}, headers=me))
    assert client.get(f"/api/v1/proposals/{proposal.id}", headers=me).json["my_vote"] == "support"


@tight
def test_flags_are_limited(client, make_proposal, make_user, token_for):
    first, second = make_proposal(), make_proposal()
    me = token_for(make_user())
    body = {"target_type": "proposal", "reason": "spam"}
    assert (
        client.post("/api/v1/flags", json=body | {"target_id": first.id}, headers=me).status_code
        == 201
    )
    _assert_429(client.post("/api/v1/flags", json=body | {"target_id": second.id}, headers=me))


@pytest.mark.parametrize(
    "app_overrides", [{"POSTING_LIMIT_PER_ADDRESS": "3 per minute"}], indirect=True
)
def test_one_address_with_many_accounts_is_limited_too(client, make_proposal, make_user, token_for):
    proposal = make_proposal()
    url = f"/api/v1/proposals/{proposal.id}/comments"
    statuses = [
        client.post(url, json={"body": "hi"}, headers=token_for(make_user())).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    elsewhere = client.post(
        url,
        json={"body": "hi"},
        headers=token_for(make_user()),
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert elsewhere.status_code == 201


def test_ordinary_use_is_not_limited(client, make_proposal, make_comment, make_user, token_for):
    """A lively evening: a few comments, a run of votes and a couple of flags."""
    proposals = [make_proposal() for _ in range(20)]
    comments = [make_comment(p) for p in proposals[:10]]
    me = token_for(make_user())
    for proposal in proposals[:5]:
        url = f"/api/v1/proposals/{proposal.id}/comments"
        assert client.post(url, json={"body": "Good"}, headers=me).status_code == 201
    for proposal in proposals:
        url = f"/api/v1/proposals/{proposal.id}/vote"
        assert client.put(url, json={"value": "support"}, headers=me).status_code == 200
    for comment in comments:
        url = f"/api/v1/comments/{comment.id}/vote"
        assert client.put(url, json={"value": 1}, headers=me).status_code == 200
    for comment in comments[:3]:
        body = {"target_type": "comment", "target_id": comment.id, "reason": "off_topic"}
        assert client.post("/api/v1/flags", json=body, headers=me).status_code == 201
