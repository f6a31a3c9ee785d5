"""`overdue` in case payloads and the `overdue=` list filter are one rule, on one clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.cases import queries
from backend.extensions import db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OPEN = ("submitted", "accepted", "assigned", "in_progress")


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(queries, "utcnow", lambda: NOW)
    return NOW


def _ids(client, headers, **query) -> dict[int, bool]:
    response = client.get("/api/v1/cases", query_string={"per_page": 50, **query}, headers=headers)
    assert response.status_code == 200
    return {item["id"]: item["overdue"] for item in response.get_json()["items"]}


def test_payloads_agree_with_the_overdue_filter(client, city, make_case, token_for, clock):
    due = {  # (status, due_at) -> overdue on the clock
        ("assigned", clock - timedelta(minutes=1)): True,
        ("submitted", clock - timedelta(days=2)): True,
        ("in_progress", clock + timedelta(minutes=1)): False,
        ("assigned", None): False,
        ("resolved", clock - timedelta(days=3)): False,
        ("closed", clock - timedelta(days=3)): False,
    }
    expected = {}
    for (status, due_at), overdue in due.items():
        case = make_case(status)
        case.due_at = due_at
        expected[case.id] = overdue
    db.session.commit()
    headers = token_for(city.staff)
    everything = _ids(client, headers)
    assert everything == expected
    assert set(_ids(client, headers, overdue="true")) == {i for i, o in expected.items() if o}
    assert set(_ids(client, headers, overdue="false")) == {i for i, o in expected.items() if not o}
    for case_id, overdue in expected.items():
        one = client.get(f"/api/v1/cases/{case_id}").get_json()
        assert one["overdue"] is overdue
        assert one["open"] is (
            one["status"] in ("submitted", "accepted", "assigned", "in_progress")
        )
