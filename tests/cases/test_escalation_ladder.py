"""The escalation ladder with a controlled clock: the department's heads at the deadline,
the admins after the category's second interval, each once, per their preferences; and
staff told of an urgent case for their department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.cases import sla
from backend.cases.effects import Policy
from backend.cases.models import Case, CaseEvent
from backend.extensions import db
from backend.notify import service as notify_service
from backend.notify.models import Notification

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(hours=48)  # pothole: 48 h


@pytest.fixture
def people(city, make_user):
    head = make_user("staff", departments=["roads"], head_of=["roads"], display_name="Hu Head")
    water_head = make_user("staff", departments=["water"], head_of=["water"])
    second_admin = make_user("admin", display_name="Bo Admin")
    return head, water_head, second_admin


def _sweep(now: datetime) -> sla.SweepResult:
    result = sla.sweep(db.session, now, policy=Policy())
    db.session.commit()
    return result


def _escalations(user_id: int) -> list[Notification]:
    db.session.rollback()
    stmt = select(Notification).where(
        Notification.user_id == user_id, Notification.kind == "case_escalated"
    )
    found = list(db.session.scalars(stmt))
    db.session.rollback()
    return found


def _actions(case_id: int) -> list[str]:
    stmt = select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.session.scalars(stmt))


def test_heads_at_the_deadline_then_admins_after_the_interval_each_once(city, people, make_case):
    head, water_head, second_admin = people
    case = make_case("assigned", now=T0)

    assert _sweep(DEADLINE - timedelta(minutes=1)).escalated == []
    assert _escalations(head.id) == []

    assert _sweep(DEADLINE + timedelta(minutes=1)).escalated == [case.id]
    [to_head] = _escalations(head.id)
    assert (to_head.target_type, to_head.target_id) == ("case", str(case.id))
    assert _escalations(water_head.id) == [] and _escalations(city.staff.id) == []
    assert _escalations(city.admin.id) == [] and _escalations(second_admin.id) == []

    # The admins' rung waits the category's interval (default 24 h) after the heads'.
    assert _sweep(DEADLINE + timedelta(hours=23, minutes=59)).admins_alerted == []
    assert _escalations(city.admin.id) == []
    assert _sweep(DEADLINE + timedelta(hours=24, minutes=2)).admins_alerted == [case.id]
    assert len(_escalations(city.admin.id)) == 1 and len(_escalations(second_admin.id)) == 1

    # Each rung once.
    result = _sweep(DEADLINE + timedelta(days=5))
    assert result.escalated == [] and result.admins_alerted == []
    assert len(_escalations(head.id)) == 1 and len(_escalations(city.admin.id)) == 1
    assert _actions(case.id)[-2:] == ["escalate", "escalate_admins"]
    rung2 = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "escalate_admins")
    ).one()
    assert rung2.internal is True and rung2.details["rung"] == "admins"


def test_the_admin_interval_is_per_category(city, people, make_case):
    city.pothole.admin_escalation_hours = 2
    db.session.commit()
    case = make_case("in_progress", now=T0)
    _sweep(DEADLINE + timedelta(minutes=1))
    assert _sweep(DEADLINE + timedelta(hours=1, minutes=30)).admins_alerted == []
    assert _sweep(DEADLINE + timedelta(hours=2, minutes=2)).admins_alerted == [case.id]


def test_a_case_moved_after_the_heads_rung_does_not_reach_the_admins(city, people, make_case):
    from backend.cases import service

    case = make_case("assigned", now=T0)
    _sweep(DEADLINE + timedelta(minutes=1))
    case = db.session.get(Case, case.id)
    service.transition(
        db.session, case, city.admin, {"action": "transfer", "department": "water",
                                       "reason": "Theirs"},
        now=DEADLINE + timedelta(hours=1),
    )  # fmt: skip
    db.session.commit()
    assert _sweep(DEADLINE + timedelta(hours=30)).admins_alerted == []
    assert _escalations(city.admin.id) == []


def test_a_case_started_after_the_heads_rung_does_not_reach_the_admins(city, people, make_case):
    from backend.cases import service

    case = make_case("assigned", now=T0)
    _sweep(DEADLINE + timedelta(minutes=1))
    case = db.session.get(Case, case.id)
    service.transition(db.session, case, city.staff, {"action": "start"},
                       now=DEADLINE + timedelta(hours=2))  # fmt: skip
    db.session.commit()
    assert _sweep(DEADLINE + timedelta(hours=30)).admins_alerted == []
    assert _escalations(city.admin.id) == []


def test_preferences_are_respected(city, people, make_case):
    head, _, second_admin = people
    notify_service.set_preferences(db.session, head, {"case_escalated": "off"})
    notify_service.set_preferences(db.session, second_admin, {"case_escalated": "digest"})
    db.session.commit()
    make_case("assigned", now=T0)
    _sweep(DEADLINE + timedelta(minutes=1))
    _sweep(DEADLINE + timedelta(hours=25))
    assert _escalations(head.id) == []
    assert [n.channel for n in _escalations(second_admin.id)] == ["digest"]
    assert [n.channel for n in _escalations(city.admin.id)] == ["push"]


def test_staff_hear_of_an_urgent_case_for_their_department(city, people, make_case):
    head, water_head, _ = people
    case = make_case(priority="urgent")
    db.session.rollback()

    def urgent(user_id):
        stmt = select(Notification).where(
            Notification.user_id == user_id, Notification.kind == "case_urgent"
        )
        return list(db.session.scalars(stmt))

    assert [n.target_id for n in urgent(city.staff.id)] == [str(case.id)]
    assert len(urgent(head.id)) == 1
    assert urgent(water_head.id) == [] and urgent(city.reporter.id) == []


def test_admins_set_the_interval_per_category(client, city, token_for):
    url = "/api/v1/categories/pothole"
    assert client.get(url).get_json()["admin_escalation_hours"] == 24
    changed = client.patch(url, json={"admin_escalation_hours": 6}, headers=token_for(city.admin))
    assert changed.status_code == 200 and changed.get_json()["admin_escalation_hours"] == 6
    refused = client.patch(url, json={"admin_escalation_hours": 0}, headers=token_for(city.admin))
    assert refused.status_code == 422
    by_staff = client.patch(url, json={"admin_escalation_hours": 1}, headers=token_for(city.staff))
    assert by_staff.status_code == 403


def _kind(user_id: int, kind: str) -> list[Notification]:
    db.session.rollback()
    stmt = select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
    return list(db.session.scalars(stmt))


def test_new_cases_reach_only_staff_who_turned_them_on(city, people, make_case):
    head, _, _ = people
    notify_service.set_preferences(db.session, head, {"case_new": "live"})
    db.session.commit()
    case = make_case()
    assert [n.target_id for n in _kind(head.id, "case_new")] == [str(case.id)]
    assert _kind(city.staff.id, "case_new") == []  # off by default
    assert _kind(city.water_staff.id, "case_new") == []


def test_new_cases_pass_by_staff_who_turned_them_off_again_or_left(city, people, make_case):
    head, _, _ = people
    notify_service.set_preferences(db.session, head, {"case_new": "live"})
    notify_service.set_preferences(db.session, city.staff, {"case_new": "push"})
    notify_service.set_preferences(db.session, head, {"case_new": "off"})
    db.session.get(type(city.staff), city.staff.id).active = False
    db.session.commit()
    make_case()
    assert _kind(head.id, "case_new") == [] and _kind(city.staff.id, "case_new") == []


def test_a_cohandling_request_reaches_the_asked_department(city, people, make_case):
    from backend.cases import cohandling

    _, water_head, _ = people
    case = make_case("assigned")
    cohandling.request_task(db.session, case, city.staff, "water", "Check the main")
    db.session.commit()
    assert len(_kind(city.water_staff.id, "case_cohandle")) == 1
    assert len(_kind(water_head.id, "case_cohandle")) == 1
    assert _kind(city.staff.id, "case_cohandle") == []
