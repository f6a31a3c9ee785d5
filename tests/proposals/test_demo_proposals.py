"""`flask demo` gives the city topics and proposals people discuss and vote on."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.comments.models import Comment
from backend.extensions import db
from backend.proposals.models import Proposal, ProposalTopic, ProposalVote


def test_demo_proposals_have_votes_threads_and_answers(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo proposals" in result.output
    proposals = db.session.scalars(select(Proposal)).all()
    assert {p.status for p in proposals} >= {"published", "under_review", "accepted", "rejected"}
    assert all(p.topic is not None for p in proposals)
    assert db.session.scalar(select(func.count()).select_from(ProposalTopic)) >= 4
    for proposal in proposals:
        votes = db.session.scalars(
            select(ProposalVote).where(ProposalVote.proposal_id == proposal.id)
        ).all()
        assert len(votes) == proposal.supports + proposal.opposes >= 2
        assert proposal.author_id not in {v.user_id for v in votes}  # no self-support
    assert sum(p.opposes for p in proposals) > 0
    assert any(p.official_answer for p in proposals)
    replies = db.session.scalars(
        select(Comment).where(Comment.target_type == "proposal", Comment.reply_to_id.is_not(None))
    ).all()
    assert len({c.target_id for c in replies}) >= 3
    listed = client.get("/api/v1/proposals?per_page=50").get_json()["items"]
    assert len(listed) == len(proposals)
    threads = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.target_type == "proposal")
    )
    assert sum(p["comments"] for p in listed) == threads > 0
