"""Votes arriving at once, through real threads with their own connections.

On PostgreSQL the requests truly overlap (row locks and the unique key do the work): 50
voters and one voter sending the same vote 10 times. SQLite runs one writer at a time and
gives up on a waiting one after its busy timeout (5 s), so there a smaller crowd checks the
same rules without depending on how fast a loaded machine drains the queue.
"""

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.proposals.models import Proposal, ProposalVote
from tests.services import TEST_DB

ON_POSTGRES = TEST_DB == "postgresql"
SUPPORTERS, OPPONENTS, REPEATS = (40, 10, 10) if ON_POSTGRES else (8, 2, 4)
THRESHOLD = SUPPORTERS // 2 + 5


@pytest.fixture
def app_overrides():
    return {"PROPOSAL_SUPPORT_THRESHOLD": THRESHOLD}


def _put(url: str, value: str, headers: dict):
    return lambda client: client.put(url, json={"value": value}, headers=headers)


def _review_moves(published) -> int:
    return [p["change"] for _, e, p in published if e == "proposal.updated"].count("under_review")


@pytest.mark.slow
def test_a_crowd_of_voters_and_one_voter_many_times_at_once(
    make_proposal, make_user, token_for, at_once, published
):
    proposal = make_proposal()
    url = f"/api/v1/proposals/{proposal.id}/vote"
    supporters = [token_for(make_user()) for _ in range(SUPPORTERS)]
    opponents = [token_for(make_user()) for _ in range(OPPONENTS)]
    repeater = token_for(make_user())
    calls = [_put(url, "support", h) for h in supporters]
    calls += [_put(url, "oppose", h) for h in opponents]
    calls += [_put(url, "support", repeater)] * REPEATS
    statuses = at_once(calls)
    assert statuses == [200] * len(calls)
    stored = db.session.get(Proposal, proposal.id)
    expected = (SUPPORTERS + 1, OPPONENTS, "under_review")
    assert (stored.supports, stored.opposes, stored.status) == expected
    votes = db.session.scalar(
        select(func.count())
        .select_from(ProposalVote)
        .where(ProposalVote.proposal_id == proposal.id)
    )
    assert votes == SUPPORTERS + OPPONENTS + 1
    assert _review_moves(published) == 1
    assert stored.review_started_at is not None


@pytest.mark.slow
def test_one_voter_changing_their_mind_at_once_leaves_one_vote(
    make_proposal, make_user, token_for, at_once
):
    proposal = make_proposal()
    url = f"/api/v1/proposals/{proposal.id}/vote"
    voter = token_for(make_user())
    calls = [_put(url, "support" if i % 2 else "oppose", voter) for i in range(REPEATS)]
    calls += [lambda client: client.delete(url, headers=voter)] * (REPEATS // 2)
    assert at_once(calls) == [200] * len(calls)
    stored = db.session.get(Proposal, proposal.id)
    row = db.session.scalar(select(ProposalVote).where(ProposalVote.proposal_id == proposal.id))
    expected = (0, 0) if row is None else ((1, 0) if row.value == "support" else (0, 1))
    assert (stored.supports, stored.opposes) == expected


@pytest.mark.slow
def test_threshold_crossed_by_a_crowd_moves_once(
    make_proposal, make_user, token_for, at_once, published
):
    proposal = make_proposal()
    url = f"/api/v1/proposals/{proposal.id}/vote"
    calls = [_put(url, "support", token_for(make_user())) for _ in range(THRESHOLD + 3)]
    assert at_once(calls) == [200] * len(calls)
    stored = db.session.get(Proposal, proposal.id)
    assert (stored.supports, stored.status) == (THRESHOLD + 3, "under_review")
    assert _review_moves(published) == 1
