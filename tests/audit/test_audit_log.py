"""Every administrative change lands in the audit log with who, what, before and after;
only admins read it; people's e-mail, name and phone never enter it."""

from __future__ import annotations

import json

import pytest


def entries(client, headers, **query):
    response = client.get("/api/v1/admin/audit", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_department_and_category_changes_are_logged_with_their_author(
    client, make_user, token_for, make_department, make_category
):
    admin = make_user("admin")
    headers = token_for(admin)
    body = {"code": "parks", "name": "Parks"}
    assert client.post("/api/v1/departments", json=body, headers=headers).status_code == 201
    category = make_category("bench")
    response = client.patch(
        f"/api/v1/categories/{category.code}", json={"sla_hours": 12}, headers=headers
    )
    assert response.status_code == 200

    changed = entries(client, headers, target_type="categories")[0]
    assert changed["action"] == "category.changed"
    assert changed["actor_id"] == admin.id
    assert changed["before"] == {"sla_hours": 48} and changed["after"] == {"sla_hours": 12}
    created = entries(client, headers, target_type="departments")
    assert any(
        e["after"] and e["after"]["code"] == "parks" and e["actor_id"] == admin.id for e in created
    )


def test_role_changes_are_logged_but_never_personal_data(client, make_user, token_for):
    admin_headers = token_for(make_user("admin"))
    person = make_user(email="pat@example.org", display_name="Pat Private", phone="+86 1")
    body = {"role": "volunteer", "display_name": "Pat Renamed"}
    assert (
        client.patch(
            f"/api/v1/admin/users/{person.id}", json=body, headers=admin_headers
        ).status_code
        == 200
    )
    logged = entries(client, admin_headers, target_type="users", target_id=str(person.id))
    assert [(e["before"], e["after"]) for e in logged if e["action"] == "user.changed"] == [
        ({"role": "resident"}, {"role": "volunteer"})
    ]
    text = json.dumps(entries(client, admin_headers, per_page=100))
    assert "pat@example.org" not in text and "Pat" not in text


def test_a_person_editing_their_own_profile_is_not_an_admin_change(client, make_user, token_for):
    admin_headers = token_for(make_user("admin"))
    me = make_user()
    before = len(entries(client, admin_headers, per_page=100))
    client.patch("/api/v1/me", json={"display_name": "New Name"}, headers=token_for(me))
    assert len(entries(client, admin_headers, per_page=100)) == before


@pytest.mark.parametrize(
    "role, status", [("anonymous", 401), ("resident", 403), ("staff", 403), ("volunteer", 403)]
)
def test_only_admins_read_the_audit_log(client, as_role, role, status):
    assert client.get("/api/v1/admin/audit", headers=as_role(role)).status_code == status
