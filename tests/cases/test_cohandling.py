"""Co-handling tasks between departments, and staff response templates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.cases.models import CaseEvent
from backend.extensions import db
from tests.helpers import error_of


@pytest.fixture
def ask(client, token_for, city):
    def run(case, department="water", user=None, note="Check the main under the hole"):
        return client.post(
            f"/api/v1/cases/{case.id}/tasks",
            json={"department": department, "note": note},
            headers=token_for(user or city.staff),
        )

    return run


def test_a_task_from_request_to_done(ask, client, make_case, city, token_for):
    case = make_case("in_progress")
    response = ask(case)
    assert response.status_code == 201
    task = response.get_json()
    assert (task["department"]["code"], task["status"]) == ("water", "open")
    assert task["request_note"] == "Check the main under the hole"
    water = token_for(city.water_staff)
    inbox = client.get("/api/v1/tasks?department=water", headers=water).get_json()
    assert [t["id"] for t in inbox["items"]] == [task["id"]]
    assert inbox["items"][0]["case"]["id"] == case.id
    # the co-handling department now handles the case (internal notes, tasks) but does not lead
    assert client.get(f"/api/v1/cases/{case.id}/tasks", headers=water).status_code == 200
    resolve = {"action": "resolve", "note": "done"}
    url = f"/api/v1/cases/{case.id}/transitions"
    assert client.post(url, json=resolve, headers=water).status_code == 403
    done_url = f"/api/v1/cases/{case.id}/tasks/{task['id']}/done"
    assert (
        client.post(done_url, json={"note": "x"}, headers=token_for(city.staff)).status_code == 403
    )
    assert client.post(done_url, json={"note": "  "}, headers=water).status_code == 422
    done = client.post(done_url, json={"note": "Main is fine"}, headers=water)
    assert done.status_code == 200
    assert done.get_json()["status"] == "done"
    assert client.post(done_url, json={"note": "again"}, headers=water).status_code == 409
    assert client.post(url, json=resolve, headers=token_for(city.staff)).status_code == 200
    public = client.get(f"/api/v1/cases/{case.id}/events").get_json()["items"]
    cohandle, task_done = [e for e in public if e["action"] in ("cohandle", "task_done")]
    assert cohandle["department"]["code"] == task_done["department"]["code"] == "water"
    assert "main" not in str(public).lower()  # task notes stay with the staff


def test_resolving_with_open_tasks_needs_an_override_and_a_reason(
    ask, client, make_case, city, token_for
):
    case = make_case("in_progress")
    ask(case)
    url = f"/api/v1/cases/{case.id}/transitions"
    headers = token_for(city.staff)
    blocked = client.post(url, json={"action": "resolve", "note": "done"}, headers=headers)
    assert (blocked.status_code, error_of(blocked)["code"]) == (409, "open_tasks")
    no_reason = {"action": "resolve", "note": "done", "override_open_tasks": True}
    assert client.post(url, json=no_reason, headers=headers).status_code == 422
    override = {**no_reason, "reason": "Water confirmed by phone"}
    assert client.post(url, json=override, headers=headers).status_code == 200
    event = db.session.scalars(select(CaseEvent).order_by(CaseEvent.id.desc())).first()
    assert event.reason == "Water confirmed by phone"
    assert len(event.details["overridden_tasks"]) == 1


def test_task_rules(ask, make_case, city, client, token_for):
    case = make_case("assigned")
    assert ask(case, user=city.water_staff).status_code == 403  # not the lead
    assert ask(case, department="roads").status_code == 422  # the lead itself
    assert ask(case, department="nowhere").status_code == 422
    assert ask(case).status_code == 201
    assert ask(case).status_code == 409  # already open there
    assert ask(make_case("submitted")).status_code == 409
    assert ask(make_case("closed")).status_code == 409
    for role in ("resident", "volunteer"):
        listing = client.get(
            f"/api/v1/cases/{case.id}/tasks", headers=token_for(getattr(city, role))
        )
        assert listing.status_code == 403
    assert (
        client.get("/api/v1/tasks?department=water", headers=token_for(city.staff)).status_code
        == 403
    )
    assert (
        client.get("/api/v1/tasks?department=nope", headers=token_for(city.admin)).status_code
        == 404
    )


# --- response templates ------------------------------------------------------------------------


def test_templates_crud_by_the_category_department(client, city, token_for):
    url = "/api/v1/categories/pothole/templates"
    staff = token_for(city.staff)
    created = client.post(
        url, json={"title": "Thanks", "body": "We will fix it within 48 h."}, headers=staff
    )
    assert created.status_code == 201
    template = created.get_json()
    dup = client.post(url, json={"title": "Thanks", "body": "again"}, headers=staff)
    assert dup.status_code == 422
    listed = client.get(url, headers=staff).get_json()
    assert [t["title"] for t in listed["items"]] == ["Thanks"]
    one = f"{url}/{template['id']}"
    assert (
        client.patch(one, json={"body": "Fixed soon."}, headers=staff).get_json()["body"]
        == "Fixed soon."
    )
    assert client.patch(one, json={"title": " "}, headers=staff).status_code == 422
    assert client.delete(one, headers=staff).status_code == 204
    assert client.delete(one, headers=staff).status_code == 404
    assert (
        client.get("/api/v1/categories/leak/templates", headers=token_for(city.admin)).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("reporter", 403), ("volunteer", 403), ("water_staff", 403)],
)
def test_templates_are_for_the_department_only(client, city, token_for, role, status):
    headers = {} if role == "anonymous" else token_for(getattr(city, role))
    url = "/api/v1/categories/pothole/templates"
    assert client.get(url, headers=headers).status_code == status
    assert client.post(url, json={"title": "t", "body": "b"}, headers=headers).status_code == status


@pytest.mark.parametrize(
    ("role", "templates"),
    [
        ("reporter", False),
        ("volunteer", False),
        ("water_staff", False),
        ("staff", True),
        ("admin", True),
    ],
)
def test_the_case_says_whether_the_viewer_may_read_its_templates(
    ask, client, make_case, city, token_for, role, templates
):
    """The co-handling department's desk asks for templates only when this says it may."""
    case = make_case("in_progress")
    assert ask(case).status_code == 201  # water co-handles: it handles, but has no templates
    headers = token_for(getattr(city, role))
    viewer = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()["viewer"]
    assert viewer["templates"] is templates
    listed = client.get(f"/api/v1/categories/{case.category.code}/templates", headers=headers)
    assert listed.status_code == (200 if templates else 403)
