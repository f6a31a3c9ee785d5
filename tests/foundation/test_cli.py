import pytest
from sqlalchemy import func, select

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.departments.models import Category, Department
from backend.extensions import db


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_demo_loads_a_city_once(cli):
    result = cli.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Department.id))) >= 6
    assert db.session.scalar(select(func.count(Category.id))) >= 15
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"resident", "volunteer", "staff", "admin"}
    again = cli.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert db.session.scalar(select(func.count(Department.id))) == len(
        set(db.session.scalars(select(Department.code)))
    )


def test_demo_users_sign_in_with_the_documented_password(cli, client):
    from backend.demo import DEMO_PASSWORD

    cli.invoke(args=["demo"])
    for email in ("resident@cityloop.example", "admin@cityloop.example"):
        body = {"email": email, "password": DEMO_PASSWORD}
        assert client.post("/api/v1/auth/token", json=body).status_code == 200


def test_users_create(cli, make_department):
    make_department("roads")
    result = cli.invoke(
        args=[
            "users", "create", "--email", "clerk@example.org", "--password",
            "a-long-pass-phrase", "--role", "staff", "--department", "roads",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = auth_service.find_user_by_email(db.session, "clerk@example.org")
    assert user.role == "staff"
    assert [m.department.code for m in user.memberships] == ["roads"]


GOOD = ["--email", "x@example.org", "--password", "a-long-pass-phrase"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--email", "x@example.org", "--password", "short"], "password"),
        ([*GOOD, "--role", "king"], "king"),
        ([*GOOD, "--role", "staff", "--department", "nowhere"], "nowhere"),
    ],
)
def test_users_create_refuses_bad_input(cli, args, message):
    result = cli.invoke(args=["users", "create", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_apikeys_create_prints_the_key_alone_on_the_last_line(cli):
    result = cli.invoke(args=["apikeys", "create", "Open311 app"])
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    assert " " not in key and len(key) > 30
    assert auth_service.verify_api_key(db.session, key).name == "Open311 app"


def test_apikeys_revoke(cli):
    key = cli.invoke(args=["apikeys", "create", "old"]).output.strip().splitlines()[-1]
    key_id = auth_service.verify_api_key(db.session, key).id
    db.session.commit()
    assert cli.invoke(args=["apikeys", "revoke", str(key_id)]).exit_code == 0
    db.session.expire_all()
    assert auth_service.verify_api_key(db.session, key) is None
