"""The moderation queue (flagged, then new content, the newest risk first), bulk decisions,
"looks fine", the log."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.comments.models import Comment
from backend.db import utcnow
from backend.extensions import db
from backend.moderation.models import Flag, LogEntry
from backend.notify.models import Notification
from backend.proposals.models import Proposal
from tests.helpers import error_of


@pytest.fixture
def moderator(as_role):
    return as_role("volunteer")


def _flag(client, headers, target_type, target_id, reason="spam", text=None):
    body = {"target_type": target_type, "target_id": target_id, "reason": reason, "text": text}
    response = client.post("/api/v1/flags", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()


def _queue(client, headers, **query) -> dict:
    response = client.get("/api/v1/moderation/queue", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _act(client, headers, action, items, reason=None):
    body = {"action": action, "items": [{"target_type": t, "target_id": i} for t, i in items]}
    if reason is not None:
        body["reason"] = reason
    return client.post("/api/v1/moderation/actions", json=body, headers=headers)


def _age(model, obj_id: int, minutes: int) -> None:
    row = db.session.get(model, obj_id)
    row.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_queue_has_flagged_then_new_content_newest_risk_first_with_context(
    client, make_proposal, make_comment, make_user, token_for, moderator
):
    old = make_proposal(make_user(display_name="Old Author"), title="Old idea")
    fresh = make_proposal(title="Fresh idea")
    once = make_proposal(title="Reported once")
    comment = make_comment(fresh, body="First!")
    _age(Proposal, old.id, 60)
    _age(Proposal, fresh.id, 30)
    _age(Comment, comment.id, 20)
    _flag(client, token_for(make_user()), "proposal", once.id, "spam")
    _flag(client, token_for(make_user()), "proposal", fresh.id, "off_topic", "Not about the city")
    _flag(client, token_for(make_user()), "proposal", fresh.id, "spam")
    queue = _queue(client, moderator)
    keys = [(i["target_type"], i["target_id"], i["kind"]) for i in queue["items"]]
    assert keys == [
        ("proposal", fresh.id, "flagged"),  # the most reported
        ("proposal", once.id, "flagged"),
        ("comment", comment.id, "new"),  # then new content, the newest first
        ("proposal", old.id, "new"),
    ]
    flagged = queue["items"][0]
    assert flagged["flags"] == {
        "count": 2,
        "reasons": {"off_topic": 1, "spam": 1},
        "texts": ["Not about the city"],
    }
    assert flagged["context"]["title"] == "Fresh idea"
    assert queue["items"][3]["context"]["author"] == "Old Author"
    assert queue["items"][2]["context"]["on"] == {"target_type": "proposal", "target_id": fresh.id}
    assert _queue(client, moderator, kind="flagged")["total"] == 2
    assert _queue(client, moderator, kind="new")["total"] == 2
    assert _queue(client, moderator, kind="new", target_type="comment")["total"] == 1


def test_looks_fine_clears_new_content_until_it_is_flagged_again(
    client, make_proposal, make_user, token_for, moderator
):
    proposal = make_proposal()
    assert [i["kind"] for i in _queue(client, moderator)["items"]] == ["new"]
    response = _act(client, moderator, "dismiss", [("proposal", proposal.id)])
    assert response.status_code == 200
    assert response.get_json()["items"][0]["reviewed"] is True
    assert _queue(client, moderator)["total"] == 0  # cleared, and it stays cleared
    assert _queue(client, moderator, kind="new")["total"] == 0
    assert not db.session.get(Proposal, proposal.id).hidden
    _flag(client, token_for(make_user()), "proposal", proposal.id)
    assert [i["kind"] for i in _queue(client, moderator)["items"]] == ["flagged"]
    _act(client, moderator, "dismiss", [("proposal", proposal.id)])
    assert _queue(client, moderator)["total"] == 0


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("new_accounts", {"young"}), ("all", {"young", "old"}), ("none", set())],
)
def test_the_city_chooses_which_new_content_waits_for_review(
    app, client, make_proposal, make_user, moderator, setting, expected
):
    from backend.auth.models import User

    young, old = make_user(), make_user()
    db.session.get(User, old.id).created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    ids = {make_proposal(young).id: "young", make_proposal(old).id: "old"}
    app.config["MODERATION_REVIEW_NEW"] = setting
    try:
        queue = _queue(client, moderator)
    finally:
        app.config["MODERATION_REVIEW_NEW"] = "new_accounts"
    assert {ids[i["target_id"]] for i in queue["items"]} == expected


def test_a_bad_review_setting_is_refused_at_start(monkeypatch):
    from backend.config import Config

    monkeypatch.setenv("MODERATION_REVIEW_NEW", "everything")
    with pytest.raises(ValueError, match="new_accounts"):
        Config()


def test_one_item_as_the_queue_shows_it(client, make_proposal, make_user, token_for, moderator):
    proposal = make_proposal(title="Fresh idea")
    url = f"/api/v1/moderation/items/proposal/{proposal.id}"
    assert client.get(url, headers=moderator).get_json()["kind"] == "new"
    _flag(client, token_for(make_user()), "proposal", proposal.id, "spam", "Advert")
    item = client.get(url, headers=moderator).get_json()
    assert (item["kind"], item["flags"]["count"], item["flags"]["texts"]) == (
        "flagged",
        1,
        ["Advert"],
    )
    assert item["context"]["title"] == "Fresh idea"
    assert client.get(url, headers=token_for(make_user())).status_code == 403
    assert client.get(url).status_code == 401
    missing = client.get("/api/v1/moderation/items/proposal/2147483647", headers=moderator)
    assert missing.status_code == 404
    assert client.get("/api/v1/moderation/items/poll/1", headers=moderator).status_code == 404


def test_content_older_than_the_window_is_not_new(client, make_proposal, moderator):
    proposal = make_proposal()
    _age(Proposal, proposal.id, 8 * 24 * 60)
    assert _queue(client, moderator)["total"] == 0


def test_drafts_and_internal_notes_are_not_new_content(
    client, make_proposal, make_comment, make_reported_case, make_user, moderator
):
    make_proposal(status="draft")
    case = make_reported_case()
    make_comment(case, make_user("staff", departments=[case.department.code]), internal=True)
    kinds = {i["target_type"] for i in _queue(client, moderator)["items"]}
    assert kinds == {"case"}


def test_hide_needs_a_reason_and_is_logged_without_who(
    client, make_proposal, make_user, token_for, moderator
):
    author = make_user()
    proposal = make_proposal(author)
    for reason in (None, "", "   "):
        response = _act(client, moderator, "hide", [("proposal", proposal.id)], reason)
        assert response.status_code == 422
        assert "reason" in error_of(response)["fields"]
    response = _act(client, moderator, "hide", [("proposal", proposal.id)], "Advertising")
    assert response.status_code == 200
    assert response.get_json()["items"] == [
        {
            "target_type": "proposal",
            "target_id": proposal.id,
            "hidden": True,
            "hidden_reason": "Advertising",
            "pending_flags": 0,
            "reviewed": True,
        }
    ]
    log = client.get("/api/v1/moderation/log").get_json()
    (entry,) = log["items"]
    assert set(entry) == {
        "id",
        "target_type",
        "target_id",
        "action",
        "reason",
        "flags",
        "created_at",
    }
    assert (entry["action"], entry["reason"]) == ("hide", "Advertising")
    told = db.session.scalars(select(Notification).where(Notification.user_id == author.id)).all()
    assert [n.kind for n in told] == ["content_hidden"] and "Advertising" in told[0].text
    assert _queue(client, moderator)["total"] == 0  # reviewed: no longer new


def test_bulk_hide_then_restore(client, make_proposal, make_comment, moderator):
    proposal = make_proposal()
    comments = [make_comment(proposal, body=f"spam {n}") for n in range(3)]
    items = [("comment", c.id) for c in comments]
    assert _act(client, moderator, "hide", items, "Spam run").status_code == 200
    listed = client.get(f"/api/v1/proposals/{proposal.id}/comments").get_json()
    assert listed["total"] == 0
    assert client.get(f"/api/v1/proposals/{proposal.id}").get_json()["comments"] == 0
    hidden = _queue(client, moderator, kind="hidden")
    assert {i["target_id"] for i in hidden["items"]} == {c.id for c in comments}
    restored = _act(client, moderator, "restore", items[:2], "Mistake")
    assert [i["hidden"] for i in restored.get_json()["items"]] == [False, False]
    listed = client.get(f"/api/v1/proposals/{proposal.id}/comments").get_json()
    assert [c["body"] for c in listed["items"]] == ["spam 0", "spam 1"]
    assert client.get(f"/api/v1/proposals/{proposal.id}").get_json()["comments"] == 2
    actions = [e["action"] for e in client.get("/api/v1/moderation/log").get_json()["items"]]
    assert actions == ["restore", "restore", "hide", "hide", "hide"]


def test_dismissing_reports_undoes_an_automatic_hide(
    client, make_proposal, make_user, token_for, moderator
):
    proposal = make_proposal()
    for _ in range(3):
        _flag(client, token_for(make_user()), "proposal", proposal.id)
    assert client.get(f"/api/v1/proposals/{proposal.id}").status_code == 404
    (item,) = _queue(client, moderator)["items"]
    assert (item["kind"], item["hidden"], item["flags"]["count"]) == ("flagged", True, 3)
    assert _act(client, moderator, "dismiss", [("proposal", proposal.id)]).status_code == 200
    assert client.get(f"/api/v1/proposals/{proposal.id}").status_code == 200
    assert _queue(client, moderator)["total"] == 0
    statuses = set(db.session.scalars(select(Flag.status)))
    assert statuses == {"dismissed"}
    log = [(e.action, e.reason) for e in db.session.scalars(select(LogEntry).order_by(LogEntry.id))]
    assert log == [
        ("auto_hide", "Hidden pending review: reported by 3 people."),
        ("restore", "Reviewed: the reports were dismissed."),
    ]


def test_dismissing_new_reports_keeps_a_moderators_hide(
    client, make_proposal, make_user, token_for, moderator
):
    proposal = make_proposal()
    _act(client, moderator, "hide", [("proposal", proposal.id)], "Personal data")
    admin = token_for(make_user("admin"))
    _flag(client, admin, "proposal", proposal.id, "other")  # moderators see hidden items
    assert _act(client, moderator, "dismiss", [("proposal", proposal.id)]).status_code == 200
    assert db.session.get(Proposal, proposal.id).hidden is True


def test_confirming_an_automatic_hide_records_the_moderators_reason(
    client, make_proposal, make_user, token_for, moderator
):
    proposal = make_proposal()
    for _ in range(3):
        _flag(client, token_for(make_user()), "proposal", proposal.id)
    _act(client, moderator, "hide", [("proposal", proposal.id)], "Commercial spam")
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).hidden_reason == "Commercial spam"
    assert set(db.session.scalars(select(Flag.status))) == {"upheld"}


def test_restored_items_can_be_reported_again(
    client, make_proposal, make_user, token_for, moderator
):
    proposal = make_proposal()
    for _ in range(3):
        _flag(client, token_for(make_user()), "proposal", proposal.id)
    _act(client, moderator, "restore", [("proposal", proposal.id)], "Fine")
    _flag(client, token_for(make_user()), "proposal", proposal.id)
    (item,) = _queue(client, moderator)["items"]
    assert (item["flags"]["count"], item["hidden"]) == (1, False)  # counting starts over


def test_unknown_items_fail_the_whole_batch(client, make_proposal, moderator):
    proposal = make_proposal()
    response = _act(
        client, moderator, "hide", [("proposal", proposal.id), ("comment", 424242)], "Spam"
    )
    assert response.status_code == 422
    assert "items" in error_of(response)["fields"]
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).hidden is False
    assert client.get("/api/v1/moderation/log").get_json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"action": "delete", "items": [{"target_type": "proposal", "target_id": 1}]},
        {"action": "restore", "items": []},
        {"action": "restore"},
        {"action": "restore", "items": [{"target_type": "proposal", "target_id": "1"}]},
        {"action": "restore", "items": [{"target_type": "user", "target_id": 1}]},
        {
            "action": "hide",
            "items": [{"target_type": "proposal", "target_id": 1}],
            "reason": "x" * 501,
        },
        {"action": "restore", "items": [{"target_type": "proposal", "target_id": 1}] * 101},
    ],
)
def test_bad_actions_are_422(client, make_proposal, moderator, body):
    make_proposal()
    response = client.post("/api/v1/moderation/actions", json=body, headers=moderator)
    assert response.status_code == 422


def test_moderators_hear_of_items_live(client, make_proposal, make_user, token_for, published):
    proposal = make_proposal()
    _flag(client, token_for(make_user()), "proposal", proposal.id)
    ((room, payload),) = [(r, p) for r, e, p in published if e == "moderation.item"]
    assert room == "moderation"
    assert payload["item"] == {
        "target_type": "proposal",
        "target_id": proposal.id,
        "hidden": False,
        "hidden_reason": None,
        "pending_flags": 1,
        "reviewed": False,
    }


def test_log_is_public_paginated_newest_first_and_filterable(client, make_proposal, moderator):
    proposals = [make_proposal() for _ in range(3)]
    for p in proposals:
        _act(client, moderator, "hide", [("proposal", p.id)], f"Reason {p.id}")
    page = client.get("/api/v1/moderation/log?per_page=2").get_json()
    assert (page["total"], len(page["items"])) == (3, 2)
    assert [e["target_id"] for e in page["items"]] == [proposals[2].id, proposals[1].id]
    one = client.get(
        f"/api/v1/moderation/log?target_type=proposal&target_id={proposals[0].id}"
    ).get_json()
    assert [e["reason"] for e in one["items"]] == [f"Reason {proposals[0].id}"]
