"""Role x admin action: only admins administer; the public reads the routing table."""

import pytest

from backend.auth.models import User
from backend.extensions import db

ROLES = ["anonymous", "resident", "volunteer", "staff", "admin"]
DENIED = {"anonymous": 401, "resident": 403, "volunteer": 403, "staff": 403}
NEW_STAFF = {
    "email": "n@example.org",
    "password": "a-long-pass-phrase",
    "display_name": "N",
    "role": "staff",
    "departments": ["roads"],
}
NEW_CATEGORY = {"code": "tree", "name": "Tree", "department": "roads", "sla_hours": 12}
# method, path ({target} is another user's id), body, status for an admin
ACTIONS = [
    ("get", "/api/v1/admin/users", None, 200),
    ("post", "/api/v1/admin/users", NEW_STAFF, 201),
    ("get", "/api/v1/admin/users/{target}", None, 200),
    ("patch", "/api/v1/admin/users/{target}", {"blocked": True}, 200),
    ("post", "/api/v1/admin/users/{target}/sign-out", None, 200),
    ("get", "/api/v1/admin/apikeys", None, 200),
    ("post", "/api/v1/admin/apikeys", {"name": "app"}, 201),
    ("delete", "/api/v1/admin/apikeys/1", None, 404),
    ("post", "/api/v1/departments", {"code": "parks", "name": "Parks"}, 201),
    ("patch", "/api/v1/departments/roads", {"active": False}, 200),
    ("post", "/api/v1/categories", NEW_CATEGORY, 201),
    ("patch", "/api/v1/categories/pothole", {"sla_hours": 24}, 200),
    ("get", "/api/v1/categories?include_inactive=true", None, 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: f"{a[0]} {a[1]}")
def test_admin_api_matrix(client, as_role, make_department, make_category, make_user, role, action):
    method, path, body, admin_status = action
    make_category("pothole", department=make_department("roads"))
    target = make_user()
    before = (db.session.query(User).count(), target.blocked)
    response = getattr(client, method)(
        path.format(target=target.id), json=body, headers=as_role(role)
    )
    if role == "admin":
        assert response.status_code == admin_status, response.get_json()
        return
    assert response.status_code == DENIED[role]
    assert response.get_json()["error"]["code"] in {"unauthorized", "forbidden"}
    db.session.refresh(target)
    assert (db.session.query(User).count() - (role != "anonymous"), target.blocked) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/api/v1/departments", "/api/v1/categories"])
def test_routing_table_is_public(client, as_role, make_category, role, path):
    make_category("pothole")
    response = client.get(path, headers=as_role(role))
    assert response.status_code == 200
    assert response.get_json()["total"] == 1


def test_deactivated_entries_leave_public_lists(client, as_role, make_category):
    category = make_category("pothole")
    admin = as_role("admin")
    client.patch("/api/v1/categories/pothole", json={"active": False}, headers=admin)
    assert client.get("/api/v1/categories").get_json()["total"] == 0
    assert client.get("/api/v1/categories/pothole").status_code == 404
    listed = client.get("/api/v1/categories?include_inactive=true", headers=admin).get_json()
    assert [c["code"] for c in listed["items"]] == [category.code]


def test_admin_makes_staff_of_a_department(client, as_role, make_department, make_user):
    make_department("water")
    person = make_user()
    response = client.patch(
        f"/api/v1/admin/users/{person.id}",
        json={"role": "staff", "departments": ["water"], "head_of": ["water"]},
        headers=as_role("admin"),
    )
    assert response.status_code == 200
    assert response.get_json()["departments"] == [
        {"code": "water", "name": "Water", "is_head": True}
    ]
    bad = client.patch(
        f"/api/v1/admin/users/{person.id}", json={"departments": ["nope"]}, headers=as_role("admin")
    )
    assert bad.status_code == 422


def test_category_validation(client, as_role, make_department):
    make_department("roads")
    admin = as_role("admin")
    bad_questions = {
        **NEW_CATEGORY,
        "attributes": [
            {"code": "q", "datatype": "singlevaluelist", "description": "Size?", "values": []}
        ],
    }
    for body, field in [
        ({**NEW_CATEGORY, "department": "nowhere"}, "department"),
        ({**NEW_CATEGORY, "sla_hours": 0}, "sla_hours"),
        ({**NEW_CATEGORY, "code": "Bad Code!"}, "code"),
        (bad_questions, "attributes"),
    ]:
        response = client.post("/api/v1/categories", json=body, headers=admin)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/categories", json=NEW_CATEGORY, headers=admin).status_code == 201
    dup = client.post("/api/v1/categories", json=NEW_CATEGORY, headers=admin)
    assert dup.status_code == 422


@pytest.mark.parametrize("method", ["post", "patch"])
def test_broken_category_questions_are_422_not_500(client, as_role, make_category, method):
    """Schemathesis found a 500: the list-question check read `code` from a question whose
    own fields had failed (so `code` was missing)."""
    make_category("pothole")
    body = {**NEW_CATEGORY, "attributes": [{"datatype": "singlevaluelist", "stray": {}}]}
    url = "/api/v1/categories" if method == "post" else "/api/v1/categories/pothole"
    response = getattr(client, method)(url, json=body, headers=as_role("admin"))
    assert response.status_code == 422, response.get_json()
    assert "attributes" in response.get_json()["error"]["fields"]
