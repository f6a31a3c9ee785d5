"""The administration services check the actor themselves, whoever calls them (a route, the
CLI, a job): a non-admin gets the domain's permission error, and nothing changes."""

import pytest

from backend.auth import administration
from backend.auth.models import ApiKey, User
from backend.auth.permissions import OPERATOR
from backend.departments import service as departments
from backend.departments.models import Category, Department
from backend.errors import Forbidden, NotAuthenticated
from backend.extensions import db

PAGE = {"page": 1, "per_page": 20}


def _calls(target_id: int):
    """Every administrative use case, as (name, call(actor))."""
    user = {"email": "x@example.org", "password": "a-long-pass-phrase", "display_name": "X"}
    category = {"code": "tree", "name": "Tree", "department": "roads", "sla_hours": 4}
    return [
        ("list users", lambda a: administration.list_users(db.session, a, PAGE)),
        ("get user", lambda a: administration.get_user(db.session, a, target_id)),
        ("create user", lambda a: administration.create_user(db.session, a, user)),
        (
            "block user",
            lambda a: administration.update_user(db.session, a, target_id, {"blocked": True}),
        ),
        ("list keys", lambda a: administration.list_api_keys(db.session, a, PAGE)),
        ("create key", lambda a: administration.create_api_key(db.session, a, "bot")),
        ("revoke key", lambda a: administration.revoke_api_key(db.session, a, 1)),
        (
            "create department",
            lambda a: departments.create_department(
                db.session, a, {"code": "parks", "name": "Parks"}
            ),
        ),
        (
            "edit department",
            lambda a: departments.update_department(db.session, a, "roads", {"active": False}),
        ),
        ("create category", lambda a: departments.create_category(db.session, a, category)),
        (
            "edit category",
            lambda a: departments.update_category(db.session, a, "pothole", {"sla_hours": 1}),
        ),
        (
            "inactive departments",
            lambda a: departments.list_departments(db.session, a, include_inactive=True),
        ),
        (
            "inactive categories",
            lambda a: departments.list_categories(db.session, a, include_inactive=True),
        ),
    ]


def _state():
    counts = [db.session.query(m).count() for m in (User, ApiKey, Department, Category)]
    return counts, db.session.query(User).filter(User.blocked.is_(True)).count()


@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "staff"])
def test_non_admins_get_the_permission_error(app, make_category, make_department, make_user, role):
    make_category("pothole", department=make_department("roads"))
    target = make_user()
    actor = (
        None if role == "anonymous" else make_user(role, departments=["roads"] * (role == "staff"))
    )
    expected = NotAuthenticated if role == "anonymous" else Forbidden
    before = _state()
    for name, call in _calls(target.id):
        with pytest.raises(expected):
            call(actor)
        assert _state() == before, name
    db.session.rollback()


def test_admins_and_the_operator_may(app, make_category, make_department, make_user):
    make_category("pothole", department=make_department("roads"))
    target = make_user()
    for actor in (make_user("admin"), OPERATOR):
        assert administration.get_user(db.session, actor, target.id) is target
        assert administration.list_users(db.session, actor, PAGE)["total"] >= 2
        assert departments.list_departments(db.session, actor, include_inactive=True)


def test_public_lists_need_no_actor(app, make_category):
    make_category("pothole")
    assert [c.code for c in departments.list_categories(db.session, None)] == ["pothole"]
