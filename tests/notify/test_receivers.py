"""Notifications made from what other domains publish, in the same transaction."""

from sqlalchemy import select

from backend.cases import service as case_service
from backend.cases.models import Status
from backend.extensions import db
from backend.notify import events as receivers
from backend.notify.models import Notification
from backend.proposals import service as proposal_service
from tests.fixtures_live import received, subscribe


def _inbox(user, kind: str | None = None) -> list[tuple[str, str]]:
    db.session.rollback()
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return [(n.kind, n.text) for n in rows if kind in (None, n.kind)]


def _transition(client, token_for, actor, case, action, **body):
    response = client.post(f"/api/v1/cases/{case.id}/transitions",
                           json={"action": action, **body}, headers=token_for(actor))  # fmt: skip
    assert response.status_code == 200, response.get_json()
    return response


def test_followers_hear_how_a_case_moves_but_not_the_actor(client, city, make_case, token_for):
    case = make_case(title="Pothole on Elm St")
    client.post(f"/api/v1/cases/{case.id}/follow", headers=token_for(city.resident))
    client.post(f"/api/v1/cases/{case.id}/follow", headers=token_for(city.staff))
    _transition(client, token_for, city.staff, case, "accept")
    expected = [("case_update", f"“Pothole on Elm St” ({case.reference}) was accepted")]
    assert _inbox(city.reporter) == expected  # reporters follow their own cases
    assert _inbox(city.resident) == expected
    assert _inbox(city.staff) == []  # the actor


def test_one_notification_per_event_even_when_departments_hear_too(client, city, make_case,
                                                                   token_for):  # fmt: skip
    case = make_case(Status.ACCEPTED)
    _transition(client, token_for, city.staff, case, "assign")
    assert _inbox(city.reporter) == [
        ("case_update", f"Case {case.reference} was accepted"),  # by make_case
        ("case_update", f"Case {case.reference} was assigned to Roads"),
    ]


def test_internal_notes_notify_nobody_and_replies_notify_followers(client, city, make_case,
                                                                   token_for):  # fmt: skip
    case = make_case(Status.ASSIGNED)
    url = f"/api/v1/cases/{case.id}/comments"
    before = _inbox(city.reporter)
    client.post(url, json={"body": "internal", "internal": True}, headers=token_for(city.staff))
    assert _inbox(city.reporter) == before
    client.post(url, json={"body": "On it."}, headers=token_for(city.staff))
    assert _inbox(city.reporter) == [*before, ("case_reply", f"New reply on Case {case.reference}")]
    client.post(url, json={"body": "Thanks!"}, headers=token_for(city.reporter))
    assert len(_inbox(city.reporter, "case_reply")) == 1  # not for one's own reply


def test_proposal_followers_hear_the_official_answer(app, make_user, make_proposal):
    author, follower = make_user(), make_user()
    clerk = make_user("staff")
    proposal = make_proposal(author, title="More benches")
    proposal_service.follow(db.session, proposal.id, follower)
    db.session.commit()
    proposal_service.vote(db.session, proposal.id, follower, "support")
    db.session.commit()
    assert _inbox(follower) == []  # votes are not answers
    proposal_service.answer_proposal(db.session, proposal.id, clerk, decision="accepted",
                                     body="We will add ten.")  # fmt: skip
    db.session.commit()
    expected = [("proposal_answer", "Official answer to “More benches”: accepted")]
    assert _inbox(author) == expected and _inbox(follower) == expected
    assert _inbox(clerk) == []


def test_a_failing_receiver_never_undoes_the_change(client, city, make_case, token_for,
                                                    monkeypatch):  # fmt: skip
    def broken(*_args, **_kwargs):
        raise RuntimeError("bug in notifications")

    monkeypatch.setitem(receivers.RECEIVERS, "case.event", broken)
    case = make_case()
    _transition(client, token_for, city.staff, case, "accept")
    assert client.get(f"/api/v1/cases/{case.id}").get_json()["status"] == "accepted"
    assert _inbox(city.reporter) == []


def test_notifications_release_no_event_before_the_commit(socket_client, city, make_case):
    """Receivers work in a savepoint; releasing it must not send the publisher's events."""
    case = make_case()
    watcher = socket_client()
    subscribe(watcher, f"case:{case.id}")
    case_service.transition(db.session, case, city.staff, {"action": "accept"})
    assert _inbox(city.reporter) == []  # rolled back: nothing was committed
    assert received(watcher, "case.event") == []
    case_service.transition(db.session, case, city.staff, {"action": "accept"})
    db.session.commit()
    assert [e["event"]["action"] for e in received(watcher, "case.event")] == ["accept"]
    assert _inbox(city.reporter) == [("case_update", f"Case {case.reference} was accepted")]
