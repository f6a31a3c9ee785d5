"""Idempotency-Key on creating POSTs (checked here on an admin create; cases reuse it)."""

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from backend import idempotency
from backend.db import utcnow
from backend.departments.models import Department
from backend.extensions import db
from tests.helpers import error_of


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Department.id)))


def test_a_retry_returns_the_first_response_and_creates_nothing(client, as_role):
    headers = {**as_role("admin"), "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/departments", json={"code": "a", "name": "A"}, headers=headers)
    again = client.post("/api/v1/departments", json={"code": "a", "name": "A"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count() == 1


def test_the_same_key_with_another_body_is_422(client, as_role):
    headers = {**as_role("admin"), "Idempotency-Key": "k-2"}
    client.post("/api/v1/departments", json={"code": "a", "name": "A"}, headers=headers)
    other = client.post("/api/v1/departments", json={"code": "b", "name": "B"}, headers=headers)
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"
    assert _count() == 1


def test_keys_belong_to_one_user(client, as_role):
    body = {"code": "a", "name": "A"}
    first = client.post(
        "/api/v1/departments", json=body, headers={**as_role("admin"), "Idempotency-Key": "k"}
    )
    second = client.post(
        "/api/v1/departments", json=body, headers={**as_role("admin"), "Idempotency-Key": "k"}
    )
    assert first.status_code == 201
    assert second.status_code == 422  # a new request by another admin: the code is taken
    assert "Idempotent-Replayed" not in second.headers


def test_a_failed_request_releases_the_key(client, as_role):
    headers = {**as_role("admin"), "Idempotency-Key": "k-3"}
    bad = client.post("/api/v1/departments", json={"code": "a"}, headers=headers)
    assert bad.status_code == 422
    fixed = client.post("/api/v1/departments", json={"code": "a", "name": "A"}, headers=headers)
    assert fixed.status_code == 201


def test_concurrent_double_submit_creates_one(app, as_role):
    headers = {**as_role("admin"), "Idempotency-Key": "k-4"}
    results = []
    barrier = threading.Barrier(4)

    def submit():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/departments", json={"code": "same", "name": "Same"}, headers=headers
        )
        results.append(response.status_code)

    db.session.commit()
    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count() == 1
    assert results.count(201) >= 1
    assert set(results) <= {201, 409}


def _claim_left_by_a_killed_request(app, admin, body: dict, key: str, age: timedelta) -> None:
    """The row a request claims before its work, as a process killed mid-request leaves it:
    claimed (its own short transaction committed), never answered."""
    with app.test_request_context("/api/v1/departments", method="POST", json=body):
        request_hash = idempotency._request_hash()
    db.session.add(
        idempotency.IdempotencyKey(scope=f"user:{admin.id}", key=key, request_hash=request_hash,
                                   user_id=admin.id, created_at=utcnow() - age)
    )  # fmt: skip
    db.session.commit()


def test_a_claim_whose_request_died_is_taken_over_by_a_retry(app, client, make_user, token_for):
    admin = make_user("admin")
    body = {"code": "a", "name": "A"}
    headers = {**token_for(admin), "Idempotency-Key": "k-5"}
    pending = timedelta(seconds=app.config["IDEMPOTENCY_PENDING_SECONDS"])
    _claim_left_by_a_killed_request(app, admin, body, "k-5", pending - timedelta(seconds=5))
    waiting = client.post("/api/v1/departments", json=body, headers=headers)
    assert waiting.status_code == 409
    assert error_of(waiting)["code"] == "request_in_progress"
    assert _count() == 0

    db.session.execute(update(idempotency.IdempotencyKey).values(created_at=utcnow() - pending))
    db.session.commit()
    retried = client.post("/api/v1/departments", json=body, headers=headers)
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert _count() == 1
    again = client.post("/api/v1/departments", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count() == 1
