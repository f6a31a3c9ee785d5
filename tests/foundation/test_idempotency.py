"""Idempotency-Key on creating POSTs (checked here on an admin create; cases reuse it)."""

import threading

from sqlalchemy import func, select

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
