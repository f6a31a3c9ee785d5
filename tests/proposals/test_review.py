"""PROPOSAL_REVIEW: new proposals wait as `pending`, seen by their author and reviewers,
until a moderator or staff member publishes them or declines them with a reason."""

import pytest

from backend.extensions import db
from backend.proposals.models import Proposal
from tests.helpers import error_of

NEW = {"title": "A shaded bus stop", "body": "The stop on Fuzhou Rd has no shade."}


@pytest.fixture
def app_overrides():
    return {"PROPOSAL_REVIEW": True}


def _ids(client, headers=None, **query) -> list[int]:
    response = client.get("/api/v1/proposals", query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _stored(proposal_id: int) -> Proposal:
    db.session.rollback()
    return db.session.get(Proposal, proposal_id)


def test_a_new_proposal_waits_seen_by_its_author_and_reviewers_only(
    client, make_user, token_for, as_role, published
):
    author = token_for(make_user())
    published.clear()
    created = client.post("/api/v1/proposals", json=NEW, headers=author)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["status"], body["published_at"]) == ("pending", None)
    assert [p for p in published if p[1] == "proposal.updated"] == []  # nothing public yet

    path = f"/api/v1/proposals/{body['id']}"
    assert client.get(path).status_code == 404
    assert client.get(path, headers=as_role("resident")).status_code == 404
    for role in ("volunteer", "staff", "admin"):
        assert client.get(path, headers=as_role(role)).status_code == 200
    assert body["id"] not in _ids(client)
    assert body["id"] in _ids(client, author, mine="true")
    assert body["id"] not in _ids(client, as_role("resident"), status="pending")
    assert _ids(client, as_role("volunteer"), status="pending") == [body["id"]]


def test_publishing_a_draft_also_waits(client, make_proposal, make_user, token_for):
    author = make_user()
    draft = make_proposal(author, status="draft")
    response = client.post(f"/api/v1/proposals/{draft.id}/publish", headers=token_for(author))
    assert response.get_json()["status"] == "pending"
    assert _stored(draft.id).published_at is None


def test_a_reviewer_publishes_it_and_the_room_hears(
    client, make_proposal, make_user, token_for, published
):
    proposal = make_proposal(make_user(), status="pending")
    volunteer = make_user("volunteer")
    published.clear()
    response = client.post(
        f"/api/v1/proposals/{proposal.id}/review",
        json={"decision": "approve"},
        headers=token_for(volunteer),
    )
    assert response.status_code == 200, response.get_json()
    stored = _stored(proposal.id)
    assert (stored.status, stored.reviewed_by_id) == ("published", volunteer.id)
    assert stored.published_at is not None
    ((room, _, payload),) = [p for p in published if p[1] == "proposal.updated"]
    assert (room, payload["change"], payload["status"]) == (
        f"proposal:{proposal.id}",
        "published",
        "published",
    )
    assert proposal.id in _ids(client)


def test_declining_needs_a_reason_that_the_author_reads(
    client, make_proposal, make_user, token_for, published
):
    author = make_user()
    proposal = make_proposal(author, status="pending")
    staff = token_for(make_user("staff"))
    path = f"/api/v1/proposals/{proposal.id}/review"
    missing = client.post(path, json={"decision": "decline"}, headers=staff)
    assert missing.status_code == 422
    assert "reason" in error_of(missing)["fields"]
    assert _stored(proposal.id).status == "pending"

    published.clear()
    declined = client.post(
        path, json={"decision": "decline", "reason": "Already planned."}, headers=staff
    )
    assert declined.status_code == 200, declined.get_json()
    assert [(p[0], p[2]["change"]) for p in published if p[1] == "proposal.updated"] == [
        (f"proposal:{proposal.id}", "declined")
    ]
    seen = client.get(f"/api/v1/proposals/{proposal.id}", headers=token_for(author)).get_json()
    assert (seen["status"], seen["decline_reason"]) == ("declined", "Already planned.")
    assert client.get(f"/api/v1/proposals/{proposal.id}").status_code == 404
    again = client.post(path, json={"decision": "approve"}, headers=staff)
    assert (again.status_code, error_of(again)["code"]) == (409, "wrong_status")


def test_without_the_setting_proposals_publish_at_once(make_user, make_proposal):
    from backend.proposals import service

    proposal = service.create_proposal(db.session, make_user(), dict(NEW))
    assert proposal.status == "published"
