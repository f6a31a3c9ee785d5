"""Hidden content never appears in a public listing or payload: checked endpoint by endpoint."""

import json

import pytest

from backend.comments.models import Comment
from backend.extensions import db
from tests.helpers import hide

SECRET = "Call 555-0199 for cheap watches"


@pytest.fixture
def moderator(as_role):
    return as_role("volunteer")


@pytest.fixture
def hidden_proposal(client, make_proposal, make_user, make_category, moderator):
    author = make_user()
    category = make_category("parks")
    proposal = make_proposal(
        author, title=SECRET, body=SECRET, category=category.code, lat=31.23, lon=121.47
    )
    hide(client, moderator, "proposal", proposal.id)
    return proposal


LISTINGS = [
    {},
    {"sort": "supported"},
    {"sort": "near", "near": "31.23,121.47"},
    {"sort": "near", "near": "31.23,121.47", "radius_m": 5000},
    {"category": "parks"},
    {"status": "published"},
    {"q": "watches"},
]


@pytest.mark.parametrize("query", LISTINGS, ids=lambda q: ",".join(q) or "default")
@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "staff", "admin"])
def test_proposal_lists_never_show_hidden_ones(client, hidden_proposal, as_role, query, role):
    response = client.get("/api/v1/proposals", query_string=query, headers=as_role(role))
    assert response.status_code == 200
    assert response.get_json()["total"] == 0
    assert SECRET not in response.get_data(as_text=True)


def test_authors_own_lists_do_not_show_it_either(client, hidden_proposal, token_for):
    author = hidden_proposal.author
    for query in ({"mine": "true"}, {"following": "true"}):
        response = client.get("/api/v1/proposals", query_string=query, headers=token_for(author))
        assert response.get_json()["total"] == 0


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 404), ("resident", 404), ("staff", 404), ("volunteer", 200), ("admin", 200)],
)
def test_hidden_proposal_detail_is_for_moderators_and_its_author(
    client, hidden_proposal, as_role, role, status
):
    for path in ("", "/comments"):
        response = client.get(
            f"/api/v1/proposals/{hidden_proposal.id}{path}", headers=as_role(role)
        )
        assert response.status_code == status
        if status == 404:
            assert SECRET not in response.get_data(as_text=True)


def test_the_author_sees_why(client, hidden_proposal, token_for):
    response = client.get(
        f"/api/v1/proposals/{hidden_proposal.id}", headers=token_for(hidden_proposal.author)
    )
    assert response.status_code == 200
    assert (response.get_json()["hidden"], response.get_json()["hidden_reason"]) == (True, "Spam")


def test_hidden_proposal_takes_no_comments_votes_or_follows(client, hidden_proposal, as_role):
    headers = as_role("resident")
    base = f"/api/v1/proposals/{hidden_proposal.id}"
    attempts = [
        client.post(f"{base}/comments", json={"body": "hi"}, headers=headers),
        client.put(f"{base}/vote", json={"value": "support"}, headers=headers),
        client.post(f"{base}/follow", headers=headers),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]


def test_hidden_comments_leave_lists_and_single_reads(
    client, make_proposal, make_comment, as_role, moderator
):
    proposal = make_proposal()
    lonely = make_comment(proposal, body=SECRET)
    threaded = make_comment(proposal, body=SECRET + " again")
    reply = make_comment(proposal, body="A fair reply", parent=threaded)
    hide(client, moderator, "comment", lonely.id)
    hide(client, moderator, "comment", threaded.id)
    for role in ("anonymous", "resident", "staff", "volunteer", "admin"):
        response = client.get(f"/api/v1/proposals/{proposal.id}/comments", headers=as_role(role))
        items = response.get_json()["items"]
        assert [c["id"] for c in items] == [threaded.id, reply.id], role
        assert items[0]["hidden"] is True
        assert items[0]["body"] is None and items[0]["author"] is None
        assert SECRET not in response.get_data(as_text=True)
    for role, status in [("anonymous", 404), ("resident", 404), ("volunteer", 200)]:
        response = client.get(f"/api/v1/comments/{lonely.id}", headers=as_role(role))
        assert response.status_code == status


def test_hidden_case_comment(
    client, make_reported_case, make_comment, as_role, make_user, token_for, moderator
):
    case = make_reported_case()
    comment = make_comment(case, body=SECRET)
    hide(client, moderator, "comment", comment.id)
    handler = token_for(make_user("staff", departments=[case.department.code]))
    for headers in (as_role("anonymous"), as_role("resident"), as_role("admin"), handler):
        listed = client.get(f"/api/v1/cases/{case.id}/comments", headers=headers)
        assert listed.get_json()["total"] == 0
        assert SECRET not in listed.get_data(as_text=True)
    assert db.session.get(Comment, comment.id).hidden is True
    assert client.get(f"/api/v1/cases/{case.id}").get_json()["comments"] == 0


@pytest.mark.parametrize("role,status", [("anonymous", 404), ("resident", 404), ("volunteer", 200)])
def test_hidden_case_is_not_public(client, make_reported_case, as_role, moderator, role, status):
    case = make_reported_case(description=SECRET)
    hide(client, moderator, "case", case.id)
    detail = client.get(f"/api/v1/cases/{case.id}", headers=as_role(role))
    comments = client.get(f"/api/v1/cases/{case.id}/comments", headers=as_role(role))
    listed = client.get("/api/v1/cases", headers=as_role(role))
    assert (detail.status_code, comments.status_code) == (status, status)
    if status == 404:
        assert SECRET not in detail.get_data(as_text=True) + listed.get_data(as_text=True)


def test_public_rooms_never_carry_hidden_text(
    client, make_proposal, make_comment, moderator, published
):
    proposal = make_proposal()
    comment = make_comment(proposal, body=SECRET)
    published.clear()
    hide(client, moderator, "comment", comment.id)
    hide(client, moderator, "proposal", proposal.id)
    public = [e for e in published if e[0].startswith(("proposal:", "case:"))]
    assert [(room, event, p.get("change")) for room, event, p in public] == [
        (f"proposal:{proposal.id}", "proposal.comment", "hidden"),  # one frame, no update
    ]
    assert SECRET not in json.dumps(published, default=str)  # nor in the author's notice


def test_the_public_log_names_no_one(client, make_proposal, make_user, token_for):
    volunteer = make_user("volunteer", display_name="Vera Volunteer", email="vera@example.org")
    proposal = make_proposal(make_user(display_name="Arthur Author"), body=SECRET)
    hide(client, token_for(volunteer), "proposal", proposal.id, "Advertising")
    text = client.get("/api/v1/moderation/log").get_data(as_text=True)
    for private in ("Vera", "vera@", "Arthur", SECRET):
        assert private not in text
    assert "Advertising" in text
