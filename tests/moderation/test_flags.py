"""Flags: once per person per item, with a reason; N distinct flags hide the item pending
review, exactly once, and its author is told why."""

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.moderation.models import Flag, LogEntry
from backend.notify.models import Notification
from backend.proposals.models import Proposal
from tests.helpers import error_of


def _flag(client, headers, target_type, target_id, reason="spam", **extra):
    body = {"target_type": target_type, "target_id": target_id, "reason": reason, **extra}
    return client.post("/api/v1/flags", json=body, headers=headers)


def _flags() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Flag.id)))


def _log(action: str | None = None) -> list[LogEntry]:
    db.session.rollback()
    stmt = select(LogEntry).order_by(LogEntry.id)
    if action:
        stmt = stmt.where(LogEntry.action == action)
    return list(db.session.scalars(stmt))


@pytest.mark.parametrize("reason", ["spam", "abuse", "personal_data", "off_topic", "other"])
def test_flag_with_each_reason(client, make_proposal, as_role, reason):
    proposal = make_proposal()
    response = _flag(client, as_role("resident"), "proposal", proposal.id, reason, text="Why")
    assert response.status_code == 201
    flag = response.get_json()
    assert (flag["reason"], flag["text"], flag["status"]) == (reason, "Why", "pending")
    assert "user_id" not in flag


def test_once_per_person_per_item(client, make_proposal, make_comment, make_user, token_for):
    proposal = make_proposal()
    comment = make_comment(proposal)
    headers = token_for(make_user())
    assert _flag(client, headers, "proposal", proposal.id).status_code == 201
    again = _flag(client, headers, "proposal", proposal.id, "abuse")
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_flagged"
    assert _flag(client, headers, "comment", comment.id).status_code == 201
    assert _flags() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"target_type": "proposal", "reason": "spam"},
        {"target_type": "user", "target_id": 1, "reason": "spam"},
        {"target_type": "proposal", "target_id": "1", "reason": "spam"},
        {"target_type": "proposal", "target_id": 0, "reason": "spam"},
        {"target_type": "proposal", "target_id": 1, "reason": "boring"},
        {"target_type": "proposal", "target_id": 1},
        {"target_type": "proposal", "target_id": 1, "reason": "spam", "text": "x" * 1001},
        {"target_type": "proposal", "target_id": 1, "reason": "spam", "text": 5},
        {"target_type": "proposal", "target_id": 1, "reason": "spam", "user_id": 2},
    ],
)
def test_bad_flags_are_422(client, make_proposal, as_role, body):
    make_proposal()
    response = client.post("/api/v1/flags", json=body, headers=as_role("resident"))
    assert response.status_code == 422, response.get_json()
    assert _flags() == 0


def test_what_you_cannot_see_you_cannot_flag(
    client, make_proposal, make_comment, make_reported_case, make_user, token_for
):
    author = make_user()
    draft = make_proposal(author, status="draft")
    hidden = make_proposal(hidden=True)
    case = make_reported_case()
    handler = make_user("staff", departments=[case.department.code])
    note = make_comment(case, handler, internal=True)
    headers = token_for(make_user())
    for target_type, target_id in [
        ("proposal", draft.id),
        ("proposal", hidden.id),
        ("proposal", 999_999),
        ("comment", note.id),
        ("case", 999_999),
    ]:
        assert _flag(client, headers, target_type, target_id).status_code == 404
    assert _flags() == 0


def test_anonymous_and_blocked_cannot_flag(client, make_proposal, make_user, token_for):
    proposal = make_proposal()
    assert _flag(client, {}, "proposal", proposal.id).status_code == 401
    blocked = _flag(client, token_for(make_user(blocked=True)), "proposal", proposal.id)
    assert blocked.status_code == 403
    assert error_of(blocked)["code"] == "blocked"
    assert _flags() == 0


def test_three_distinct_flags_hide_pending_review_and_tell_the_author(
    client, make_proposal, make_user, token_for
):
    author = make_user()
    proposal = make_proposal(author, title="Buy cheap watches")
    flaggers = [token_for(make_user()) for _ in range(4)]
    for headers in flaggers[:2]:
        _flag(client, headers, "proposal", proposal.id)
    assert client.get(f"/api/v1/proposals/{proposal.id}").status_code == 200
    _flag(client, flaggers[2], "proposal", proposal.id, "abuse")
    assert client.get(f"/api/v1/proposals/{proposal.id}").status_code == 404
    _flag(client, flaggers[3], "proposal", proposal.id)  # a fourth changes nothing more
    stored = db.session.get(Proposal, proposal.id)
    assert stored.hidden is True
    assert stored.hidden_reason.startswith("Hidden pending review")
    (entry,) = _log()
    assert (entry.action, entry.flags, entry.moderator_id, entry.author_told) == (
        "auto_hide",
        3,
        None,
        True,
    )
    told = db.session.scalars(select(Notification).where(Notification.user_id == author.id)).all()
    assert [(n.kind, n.target_type, n.target_id) for n in told] == [
        ("content_hidden", "proposal", str(proposal.id))
    ]
    assert "Reason:" in told[0].text
    own_view = client.get(f"/api/v1/proposals/{proposal.id}", headers=token_for(author))
    assert own_view.status_code == 200
    assert own_view.get_json()["hidden"] is True


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_overrides", [{"MODERATION_FLAG_THRESHOLD": 1}], indirect=True)
def test_threshold_is_configurable(client, make_proposal, make_comment, as_role):
    comment = make_comment(make_proposal())
    _flag(client, as_role("resident"), "comment", comment.id, "personal_data")
    listed = client.get(f"/api/v1/proposals/{comment.target_id}/comments").get_json()
    assert listed["total"] == 0
    assert [e.action for e in _log()] == ["auto_hide"]


def test_many_flags_at_once_hide_exactly_once(
    make_proposal, make_comment, make_user, token_for, at_once
):
    comment = make_comment(make_proposal(), body="Call 555-0100 for cheap pills")
    body = {"target_type": "comment", "target_id": comment.id, "reason": "spam"}
    people = [token_for(make_user()) for _ in range(8)]
    repeat = token_for(make_user())
    calls = [lambda c, h=h: c.post("/api/v1/flags", json=body, headers=h) for h in people]
    calls += [lambda c: c.post("/api/v1/flags", json=body, headers=repeat)] * 4
    statuses = at_once(calls)
    # Once hidden, the item is gone for residents: later flags find nothing (404).
    assert set(statuses) <= {201, 404, 409}, statuses
    assert statuses[8:].count(201) <= 1
    assert statuses.count(201) >= 3
    assert _flags() == statuses.count(201)
    assert [(e.action, e.flags) for e in _log()] == [("auto_hide", 3)]
    author_told = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == comment.author_id,
            Notification.kind == "content_hidden",
            Notification.text.contains("Reason:"),
        )
    )
    assert author_told == 1
