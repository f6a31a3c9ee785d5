"""Comments over HTTP: posting, threading, listing, editing, deleting, voting, bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.comments.models import Comment
from backend.db import utcnow
from backend.extensions import db
from tests.helpers import error_of


@pytest.fixture
def proposal(make_proposal):
    return make_proposal()


def _post(client, proposal, headers, **body):
    return client.post(f"/api/v1/proposals/{proposal.id}/comments", json=body, headers=headers)


def _listed(client, proposal, headers=None, **query):
    response = client.get(
        f"/api/v1/proposals/{proposal.id}/comments", query_string=query, headers=headers or {}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Comment.id)))


def test_post_and_read_back_a_comment(client, proposal, make_user, token_for):
    author = make_user(display_name="Mei Lin")
    response = _post(client, proposal, token_for(author), body="  Good idea — 好主意!  ")
    assert response.status_code == 201
    comment = response.get_json()
    assert comment["body"] == "Good idea — 好主意!"
    assert comment["author"] == {"display_name": "Mei Lin", "role": "resident"}
    assert (comment["parent_id"], comment["reply_to_id"], comment["my_vote"]) == (None, None, 0)
    assert (comment["internal"], comment["edited"], comment["deleted"]) == (False, False, False)
    assert comment["created_at"].endswith("+00:00")
    listed = _listed(client, proposal)
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == comment["id"]
    detail = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert detail["comments"] == 1


def test_markup_is_stored_verbatim_never_interpreted(client, proposal, as_role):
    nasty = "<script>alert(1)</script> <b>bold</b> '; DROP TABLE comments; -- {{7*7}} ${x}"
    response = _post(client, proposal, as_role("resident"), body=nasty)
    assert response.status_code == 201
    assert _listed(client, proposal)["items"][0]["body"] == nasty
    assert _count() == 1


def test_threading_displays_replies_to_replies_one_level_deep(client, proposal, as_role):
    first = _post(client, proposal, as_role("resident"), body="root").get_json()
    reply = _post(client, proposal, as_role("resident"), body="r1", parent_id=first["id"])
    deeper = _post(client, proposal, as_role("resident"), body="r2", parent_id=reply.json["id"])
    assert reply.status_code == deeper.status_code == 201
    assert (reply.json["parent_id"], reply.json["reply_to_id"]) == (first["id"], first["id"])
    # Answering a reply: shown beside it, under the thread's root, but still says whom it answers.
    assert (deeper.json["parent_id"], deeper.json["reply_to_id"]) == (first["id"], reply.json["id"])


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_overrides", [{"COMMENT_DISPLAY_DEPTH": 2}], indirect=True)
def test_display_depth_is_configurable(client, proposal, as_role):
    ids = [None]
    for level in range(4):
        body = {"body": f"level {level}"} | ({"parent_id": ids[-1]} if ids[-1] else {})
        ids.append(_post(client, proposal, as_role("resident"), **body).get_json()["id"])
    parents = {c["id"]: c["parent_id"] for c in _listed(client, proposal)["items"]}
    assert [parents[i] for i in ids[1:]] == [None, ids[1], ids[2], ids[2]]


def test_list_is_oldest_first_paginated_and_threadable(client, proposal, as_role):
    resident = as_role("resident")
    a = _post(client, proposal, resident, body="a").get_json()["id"]
    b = _post(client, proposal, resident, body="b").get_json()["id"]
    a1 = _post(client, proposal, resident, body="a1", parent_id=a).get_json()["id"]
    page = _listed(client, proposal, per_page=2)
    assert (page["total"], page["per_page"], [c["id"] for c in page["items"]]) == (3, 2, [a, b])
    assert [c["id"] for c in _listed(client, proposal, page=2, per_page=2)["items"]] == [a1]
    assert [c["id"] for c in _listed(client, proposal, order="thread")["items"]] == [a, a1, b]


def test_reply_must_be_to_a_visible_comment_of_the_same_target(
    client, make_proposal, as_role, make_comment
):
    one, other = make_proposal(), make_proposal()
    elsewhere = make_comment(other)
    for parent_id in (elsewhere.id, 999_999):
        response = _post(client, one, as_role("resident"), body="x", parent_id=parent_id)
        assert response.status_code == 422
        assert "parent_id" in error_of(response)["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "   \n\t "},
        {"body": 42},
        {"body": None},
        {"body": ["a"]},
        {"body": "x" * 5001},
        {"body": "bell \x07 character"},
        {"body": "invoice \u202etxt.exe"},
        {"body": "lone \ud800 surrogate"},
        {"body": "ok", "internal": "yes"},
        {"body": "ok", "internal": 1},
        {"body": "ok", "parent_id": "1"},
        {"body": "ok", "parent_id": 0},
        {"body": "ok", "parent_id": 1.5},
        {"body": "ok", "unexpected": True},
    ],
)
def test_bad_bodies_are_422_and_store_nothing(client, proposal, as_role, body):
    response = _post(client, proposal, as_role("resident"), **body)
    assert response.status_code == 422, response.get_json()
    assert error_of(response)["code"] in {"validation_error", "invalid_text"}
    assert _count() == 0


def test_non_json_and_nul_and_oversized_bodies(client, proposal, as_role):
    headers = as_role("resident")
    url = f"/api/v1/proposals/{proposal.id}/comments"
    form = client.post(url, data={"body": "x"}, headers=headers)
    assert 400 <= form.status_code < 500
    nul = client.post(url, json={"body": "a\x00b"}, headers=headers)
    assert nul.status_code == 422
    huge = client.post(url, json={"body": "x" * (2 * 1024 * 1024)}, headers=headers)
    assert huge.status_code == 413
    error_of(huge)
    assert _count() == 0


def test_exactly_5000_characters_of_any_script_fit(client, proposal, as_role):
    body = "城" * 4994 + "👩\u200d👩\u200d👧" + "😀"  # a family emoji holds zero-width joiners
    response = _post(client, proposal, as_role("resident"), body=body)
    assert response.status_code == 201
    assert response.get_json()["body"] == body


def test_unknown_targets_are_404(client, as_role):
    response = client.post(
        "/api/v1/proposals/424242/comments", json={"body": "x"}, headers=as_role("resident")
    )
    assert response.status_code == 404
    assert client.get("/api/v1/proposals/424242/comments").status_code == 404
    assert client.get("/api/v1/cases/424242/comments").status_code == 404


def test_double_submit_with_idempotency_key_posts_once(client, proposal, make_user, token_for):
    headers = {**token_for(make_user()), "Idempotency-Key": "comment-1"}
    first = _post(client, proposal, headers, body="once")
    again = _post(client, proposal, headers, body="once")
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count() == 1


# --- editing ------------------------------------------------------------------------------


def test_author_edits_within_the_window_and_the_edit_is_marked(
    client, proposal, make_user, token_for, make_comment
):
    author = make_user()
    comment = make_comment(proposal, author, body="Teh typo")
    response = client.patch(
        f"/api/v1/comments/{comment.id}", json={"body": "The typo"}, headers=token_for(author)
    )
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["body"], edited["edited"]) == ("The typo", True)
    assert edited["edited_at"] is not None
    assert _listed(client, proposal)["items"][0]["edited"] is True


def test_an_unchanged_edit_is_not_marked(client, proposal, make_user, token_for, make_comment):
    author = make_user()
    comment = make_comment(proposal, author, body="Same")
    response = client.patch(
        f"/api/v1/comments/{comment.id}", json={"body": " Same "}, headers=token_for(author)
    )
    assert response.status_code == 200
    assert response.get_json()["edited"] is False


@pytest.mark.parametrize("app_overrides", [{"COMMENT_EDIT_WINDOW_MINUTES": 5}], indirect=True)
def test_editing_closes_after_the_configured_window(
    client, proposal, make_user, token_for, make_comment
):
    author = make_user()
    comment = make_comment(proposal, author, body="Original")
    db.session.get(Comment, comment.id).created_at = utcnow() - timedelta(minutes=5, seconds=5)
    db.session.commit()
    response = client.patch(
        f"/api/v1/comments/{comment.id}", json={"body": "Changed"}, headers=token_for(author)
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "edit_window_closed"
    assert _listed(client, proposal)["items"][0]["body"] == "Original"


def test_only_the_author_edits(client, proposal, make_comment, as_role):
    comment = make_comment(proposal, body="Mine")
    for role, status in [("anonymous", 401), ("resident", 403), ("staff", 403), ("admin", 403)]:
        response = client.patch(
            f"/api/v1/comments/{comment.id}", json={"body": "Yours"}, headers=as_role(role)
        )
        assert response.status_code == status, role
    assert _listed(client, proposal)["items"][0]["body"] == "Mine"


# --- deleting ---------------------------------------------------------------------------


def test_deleting_without_replies_removes_it_from_lists(
    client, proposal, make_user, token_for, make_comment
):
    author = make_user()
    comment = make_comment(proposal, author)
    assert (
        client.delete(f"/api/v1/comments/{comment.id}", headers=token_for(author)).status_code
        == 204
    )
    assert _listed(client, proposal)["total"] == 0
    assert client.get(f"/api/v1/comments/{comment.id}").status_code == 404
    assert client.get(f"/api/v1/proposals/{proposal.id}").get_json()["comments"] == 0
    again = client.delete(f"/api/v1/comments/{comment.id}", headers=token_for(author))
    assert again.status_code == 404


def test_deleting_with_replies_leaves_a_placeholder(
    client, proposal, make_user, token_for, make_comment
):
    author = make_user(display_name="Leaver")
    root = make_comment(proposal, author, body="Secret words")
    reply = make_comment(proposal, body="A reply", parent=root)
    assert (
        client.delete(f"/api/v1/comments/{root.id}", headers=token_for(author)).status_code == 204
    )
    items = _listed(client, proposal)["items"]
    assert [c["id"] for c in items] == [root.id, reply.id]
    placeholder = items[0]
    assert placeholder["deleted"] is True
    assert placeholder["body"] is None and placeholder["author"] is None
    assert "Secret words" not in str(items) and "Leaver" not in str(items)
    assert db.session.get(Comment, root.id).body == ""  # the text is gone, not just hidden


def test_placeholder_goes_once_its_last_reply_goes(
    client, proposal, make_user, token_for, make_comment
):
    author, replier = make_user(), make_user()
    root = make_comment(proposal, author)
    reply = make_comment(proposal, replier, parent=root)
    client.delete(f"/api/v1/comments/{root.id}", headers=token_for(author))
    client.delete(f"/api/v1/comments/{reply.id}", headers=token_for(replier))
    assert _listed(client, proposal)["total"] == 0


def test_admin_may_delete_others_may_not(client, proposal, make_comment, as_role):
    comment = make_comment(proposal)
    for role in ("resident", "volunteer", "staff"):
        response = client.delete(f"/api/v1/comments/{comment.id}", headers=as_role(role))
        assert response.status_code == 403, role
    assert (
        client.delete(f"/api/v1/comments/{comment.id}", headers=as_role("admin")).status_code == 204
    )


# --- votes --------------------------------------------------------------------------------


def test_vote_change_and_withdraw(client, proposal, make_comment, make_user, token_for):
    comment = make_comment(proposal)
    voter = token_for(make_user())
    url = f"/api/v1/comments/{comment.id}/vote"
    up = client.put(url, json={"value": 1}, headers=voter).get_json()
    assert (up["upvotes"], up["downvotes"], up["score"], up["my_vote"]) == (1, 0, 1, 1)
    same = client.put(url, json={"value": 1}, headers=voter).get_json()
    assert (same["upvotes"], same["score"]) == (1, 1)
    down = client.put(url, json={"value": -1}, headers=voter).get_json()
    assert (down["upvotes"], down["downvotes"], down["score"], down["my_vote"]) == (0, 1, -1, -1)
    gone = client.delete(url, headers=voter).get_json()
    assert (gone["upvotes"], gone["downvotes"], gone["my_vote"]) == (0, 0, 0)
    assert client.delete(url, headers=voter).get_json()["downvotes"] == 0


def test_my_vote_in_lists_is_per_viewer(client, proposal, make_comment, make_user, token_for):
    comment = make_comment(proposal)
    voter, other = token_for(make_user()), token_for(make_user())
    client.put(f"/api/v1/comments/{comment.id}/vote", json={"value": -1}, headers=voter)
    assert _listed(client, proposal, voter)["items"][0]["my_vote"] == -1
    assert _listed(client, proposal, other)["items"][0]["my_vote"] == 0
    assert _listed(client, proposal)["items"][0]["my_vote"] == 0


@pytest.mark.parametrize("app_overrides", [{"COMMENT_EDIT_WINDOW_MINUTES": 7}], indirect=True)
def test_mine_and_editable_until_are_per_viewer(
    client, proposal, make_comment, make_user, token_for
):
    author, other = make_user(), make_user()
    comment = make_comment(proposal, author, body="Mine")
    created = db.session.get(Comment, comment.id).created_at
    theirs = _listed(client, proposal, token_for(author))["items"][0]
    assert theirs["mine"] is True
    assert theirs["editable_until"] == (created + timedelta(minutes=7)).isoformat()
    for headers in (token_for(other), {}):
        seen = _listed(client, proposal, headers)["items"][0]
        assert (seen["mine"], seen["editable_until"]) == (False, None)
    one = client.get(f"/api/v1/comments/{comment.id}", headers=token_for(author)).get_json()
    assert one["mine"] is True
    posted = _post(client, proposal, token_for(other), body="Reply", parent_id=comment.id)
    assert posted.get_json()["mine"] is True


def test_a_deleted_comment_is_no_longer_editable_by_its_author(
    client, proposal, make_comment, make_user, token_for
):
    author = make_user()
    comment = make_comment(proposal, author, body="Mine")
    make_comment(proposal, make_user(), body="A reply keeps its place", parent=comment)
    client.delete(f"/api/v1/comments/{comment.id}", headers=token_for(author))
    placeholder = _listed(client, proposal, token_for(author))["items"][0]
    assert placeholder["deleted"] is True
    assert (placeholder["mine"], placeholder["editable_until"]) == (True, None)


@pytest.mark.parametrize("value", [0, 2, -2, "1", True, None, 1.0])
def test_vote_values_other_than_plus_or_minus_one_are_422(
    client, proposal, make_comment, as_role, value
):
    comment = make_comment(proposal)
    response = client.put(
        f"/api/v1/comments/{comment.id}/vote", json={"value": value}, headers=as_role("resident")
    )
    assert response.status_code == 422
    assert db.session.get(Comment, comment.id).upvotes == 0


def test_no_votes_on_ones_own_comment(client, proposal, make_comment, make_user, token_for):
    author = make_user()
    comment = make_comment(proposal, author)
    response = client.put(
        f"/api/v1/comments/{comment.id}/vote", json={"value": 1}, headers=token_for(author)
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "own_comment"


def test_blocked_users_cannot_post_edit_or_vote(
    client, proposal, make_user, token_for, make_comment, as_role
):
    person = make_user()
    mine = make_comment(proposal, person)
    other = make_comment(proposal)
    admin = as_role("admin")
    assert (
        client.patch(
            f"/api/v1/admin/users/{person.id}", json={"blocked": True}, headers=admin
        ).status_code
        == 200
    )
    headers = token_for(person)
    attempts = [
        _post(client, proposal, headers, body="spam"),
        client.patch(f"/api/v1/comments/{mine.id}", json={"body": "x"}, headers=headers),
        client.put(f"/api/v1/comments/{other.id}/vote", json={"value": 1}, headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert error_of(response)["code"] == "blocked"
    assert _count() == 2


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/proposals/{huge}"),
        ("get", "/api/v1/proposals/{huge}/comments"),
        ("get", "/api/v1/cases/{huge}/comments"),
        ("get", "/api/v1/comments/{huge}"),
        ("put", "/api/v1/comments/{huge}/vote"),
        ("delete", "/api/v1/comments/{huge}"),
    ],
)
def test_ids_beyond_any_column_are_404_not_500(client, as_role, method, path):
    url = path.format(huge=2**31)
    body = {"value": 1} if method == "put" else None
    response = getattr(client, method)(url, json=body, headers=as_role("admin"))
    assert response.status_code == 404
    response = getattr(client, method)(
        path.format(huge=10**30), json=body, headers=as_role("admin")
    )
    assert response.status_code == 404
