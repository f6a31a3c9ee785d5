"""`viewer.can` tells each person what they may do, and says true exactly when doing it works.

Generated from the transition table: every state the table names (and a hidden case), every
kind of person, every flag. Each flag of `GET /cases/<id>` is compared with what happens
when that person calls the service the POST calls (in a savepoint, rolled back), so the
flags and the rules cannot drift apart.
"""

from __future__ import annotations

import pytest

from backend.cases import cohandling, engagement, service
from backend.cases.models import CaseTask, Status
from backend.cases.schemas import CAN_FLAGS
from backend.cases.transitions import TRANSITIONS
from backend.comments import service as comments
from backend.errors import DomainError
from backend.extensions import db
from backend.moderation import service as moderation

STATES = sorted({s for row in TRANSITIONS.values() for s in (*row.sources, row.target)})
ROLES = (
    "reporter",
    "resident",
    "volunteer",
    "staff",  # the handling (lead) department
    "water_staff",  # another department
    "cohandler",  # a department with a task on the case
    "head",  # head of the lead department
    "admin",
    "anonymous",
)


@pytest.fixture
def people(city, make_user, make_department):
    city.parks = make_department("parks", name="Parks")
    city.cohandler = make_user("staff", departments=["parks"], display_name="Pat Parks")
    city.head = make_user("staff", departments=["roads"], head_of=["roads"], display_name="Hu")
    city.anonymous = None
    return city


def _body(action: str, city, merge_target) -> dict:
    body = {"action": action}
    if action in ("reject", "reopen"):
        body["reason"] = "Not what it seems"
    if action == "transfer":
        body.update(reason="Water main under the road", department=city.water.code)
    if action == "resolve":  # the case has an open task: resolving overrides it
        body.update(note="Filled.", override_open_tasks=True, reason="Parks are done")
    if action == "merge":
        body["merge_into"] = merge_target.id
    return body


def _attempts(city, case, merge_target) -> dict:
    """flag -> (actor, case) -> None: the service call behind each flag's request."""
    task = case.tasks[0]
    attempts = {
        action: lambda actor, a=action: service.transition(
            db.session, case, actor, _body(a, city, merge_target)
        )
        for action in TRANSITIONS
    }
    comment = comments.add_comment
    attempts.update(
        reply=lambda actor: comment(db.session, "case", case.id, actor, body="Thanks"),
        write_internal=lambda actor: comment(
            db.session, "case", case.id, actor, body="Between us", internal=True
        ),
        request_task=lambda actor: cohandling.request_task(db.session, case, actor, "water"),
        complete_task=lambda actor: cohandling.complete_task(db.session, task, actor, "Done"),
        rate=lambda actor: engagement.rate(db.session, case, actor, 4),
        flag=lambda actor: moderation.flag(
            db.session, actor, target_type="case", target_id=case.id, reason="spam"
        ),
        follow=lambda actor: engagement.follow(db.session, case, actor),
        support=lambda actor: engagement.support(db.session, case, actor),
    )
    assert set(attempts) == set(CAN_FLAGS)
    return attempts


def _works(attempt, actor) -> bool:
    savepoint = db.session.begin_nested()
    try:
        attempt(actor)
    except DomainError:
        return False
    finally:
        savepoint.rollback()
    return True


def _case(make_case, city, status, hidden):
    case = make_case(status)
    case.tasks.append(CaseTask(department=db.session.merge(city.parks)))
    case.hidden = hidden
    db.session.commit()
    return case


def _states():
    for status in STATES:
        yield pytest.param(status, False, id=str(status))
    yield pytest.param(Status.ASSIGNED, True, id="assigned-hidden")


@pytest.mark.parametrize(("status", "hidden"), _states())
def test_every_flag_says_whether_the_action_works(
    client, people, make_case, token_for, status, hidden
):
    city = people
    case = _case(make_case, city, status, hidden)
    merge_target = make_case("submitted", reporter=city.resident)
    viewers = {}
    for role in ROLES:
        actor = getattr(city, role)
        response = client.get(f"/api/v1/cases/{case.id}", headers=token_for(actor) if actor else {})
        if response.status_code == 404 and hidden and role in ("resident", "anonymous"):
            continue  # a hidden case does not exist for them: every request is a 404
        assert response.status_code == 200, (role, response.get_json())
        viewers[role] = response.get_json()["viewer"]
    # Only now act (nothing commits from here on, so no side effect escapes the test).
    attempts = _attempts(city, db.session.merge(case), merge_target)
    wrong = []
    for role, viewer in viewers.items():
        can = viewer["can"]
        assert set(can) == set(CAN_FLAGS)
        assert viewer["actions"] == [a for a in TRANSITIONS if can[a]]
        for flag, attempt in attempts.items():
            if can[flag] != _works(attempt, getattr(city, role)):
                wrong.append((role, flag, can[flag]))
    db.session.rollback()
    assert len(viewers) == len(ROLES) - (2 if hidden else 0)
    assert not wrong, f"{status}: flags that disagree with the service: {wrong}"


def test_the_generated_walk_covers_every_role_state_and_action():
    """A guard on the generator: no row or state of the table is left out."""
    assert {s.value for s in STATES} == {s.value for s in Status}
    assert set(CAN_FLAGS) >= set(TRANSITIONS)
    assert len(ROLES) == 9
