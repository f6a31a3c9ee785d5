"""A department's head runs their own department from the console: its details and its
categories' deadlines and questions; not another department, not activation or routing."""

import pytest

from backend.departments.models import Category, Department
from backend.extensions import db


@pytest.fixture
def head(make_user, make_department, make_category, token_for):
    roads, lighting = make_department("roads"), make_department("lighting")
    make_category("pothole", department=roads)
    make_category("lamp", department=lighting)
    return token_for(make_user("staff", departments=["roads"], head_of=["roads"]))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/departments/roads", {"name": "Roads and bridges", "contact_phone": "12345"}),
        ("/api/v1/categories/pothole", {"sla_hours": 12, "admin_escalation_hours": 6}),
        ("/api/v1/categories/pothole", {"attributes": [
            {"code": "depth", "datatype": "number", "description": "How deep?"}]}),
    ],
)  # fmt: skip
def test_a_head_edits_their_department_and_its_categories(client, head, path, body):
    response = client.patch(path, json=body, headers=head)
    assert response.status_code == 200, response.get_json()
    stored = client.get(path).get_json()
    assert {k: stored[k] for k in body if k != "attributes"} == {
        k: v for k, v in body.items() if k != "attributes"
    }
    if "attributes" in body:
        assert [a["code"] for a in stored["attributes"]] == ["depth"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/departments/lighting", {"name": "Mine now"}),  # another department
        ("/api/v1/categories/lamp", {"sla_hours": 1}),  # another department's category
        ("/api/v1/departments/roads", {"active": False}),  # activation is the city's
        ("/api/v1/categories/pothole", {"active": False}),
        ("/api/v1/categories/pothole", {"department": "lighting"}),  # so is routing
        ("/api/v1/categories/pothole", {"notice_stops": True}),  # and diverting
    ],
)
def test_a_head_cannot_reach_beyond_their_department(client, head, path, body):
    response = client.patch(path, json=body, headers=head)
    assert response.status_code == 403
    db.session.rollback()
    assert db.session.query(Department).filter_by(active=False).count() == 0
    lamp, pothole = (
        db.session.query(Category).filter_by(code=c).one() for c in ("lamp", "pothole")
    )
    assert (lamp.sla_hours, pothole.department.code, pothole.active) != (1, "lighting", False)
    assert db.session.query(Department).filter_by(name="Mine now").count() == 0


@pytest.mark.parametrize("role", ["resident", "volunteer", "staff"])
def test_staff_who_do_not_head_it_cannot_edit_it(client, head, make_user, token_for, role):
    departments = ["roads"] if role == "staff" else []
    member = token_for(make_user(role, departments=departments))
    response = client.patch("/api/v1/categories/pothole", json={"sla_hours": 1}, headers=member)
    assert response.status_code == 403
