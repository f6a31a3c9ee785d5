"""Incidents and alerts are moderated content of their own kind: residents may flag them,
but however many flags arrive they only go to the queue (a flood of flags must not silence
a real warning); only admins hide or restore them, and a hidden incident is not listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures_incidents import CIRCLE
from tests.helpers import error_of


def _flag(client, headers, target_type, target_id):
    body = {"target_type": target_type, "target_id": target_id, "reason": "other",
            "text": "This is not true"}  # fmt: skip
    return client.post("/api/v1/flags", json=body, headers=headers)


def _decide(client, headers, action, target_type, target_id):
    body = {"action": action, "items": [{"target_type": target_type, "target_id": target_id}],
            "reason": "False alarm"}  # fmt: skip
    return client.post("/api/v1/moderation/actions", json=body, headers=headers)


def _alert(client, headers) -> dict:
    body = {"title": "Flood", "body": "Keep away.", "severity": "severe", "area": CIRCLE,
            "expires_at": (datetime.now(UTC) + timedelta(hours=6)).isoformat()}  # fmt: skip
    response = client.post("/api/v1/alerts", json=body, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def _queue(client, headers) -> list[tuple[str, int, int]]:
    response = client.get("/api/v1/moderation/queue?kind=flagged", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [(i["target_type"], i["target_id"], i["flags"]["count"])
            for i in response.get_json()["items"]]  # fmt: skip


def _listed(client, headers=None) -> list[int]:
    return [
        i["id"] for i in client.get("/api/v1/incidents", headers=headers or {}).get_json()["items"]
    ]


@pytest.mark.parametrize("kind", ["incident", "alert"])
def test_flags_queue_official_content_but_never_hide_it(client, crisis, declare, as_role, kind):
    target = declare() if kind == "incident" else _alert(client, crisis.h.staff)
    for _ in range(8):  # past the city's threshold
        assert _flag(client, as_role("resident"), kind, target["id"]).status_code == 201
    assert _queue(client, crisis.h.admin) == [(kind, target["id"], 8)]
    if kind == "incident":
        assert _listed(client) == [target["id"]]
        assert client.get(f"/api/v1/incidents/{target['id']}").status_code == 200
    else:
        assert [a["id"] for a in client.get("/api/v1/alerts").get_json()["items"]] == [target["id"]]


@pytest.mark.parametrize("kind", ["incident", "alert"])
@pytest.mark.parametrize("who, expected", [("volunteer", 403), ("staff", 403), ("resident", 403),
                                           ("admin", 200)])  # fmt: skip
def test_only_admins_hide_and_restore_it(client, crisis, declare, kind, who, expected):
    target = declare() if kind == "incident" else _alert(client, crisis.h.staff)
    response = _decide(client, getattr(crisis.h, who), "hide", kind, target["id"])
    assert response.status_code == expected, response.get_json()
    if expected != 200:
        error_of(response)
        return
    if kind == "incident":
        assert _listed(client) == [] and _listed(client, crisis.h.resident) == []
        assert client.get(f"/api/v1/incidents/{target['id']}").status_code == 404
        assert _listed(client, crisis.h.water_staff) == [target["id"]]  # its staff still work it
        lookup = f"/api/v1/incidents?lat={CIRCLE['lat']}&lon={CIRCLE['lon']}"
        assert client.get(lookup).get_json()["items"] == []
    else:
        assert client.get("/api/v1/alerts").get_json()["items"] == []
        assert client.get(f"/api/v1/alerts/{target['id']}.cap").status_code == 404
    hidden = client.get("/api/v1/moderation/queue?kind=hidden", headers=crisis.h.admin)
    assert [(i["target_type"], i["target_id"]) for i in hidden.get_json()["items"]] == [
        (kind, target["id"])
    ]
    item = client.get(f"/api/v1/moderation/items/{kind}/{target['id']}", headers=crisis.h.admin)
    assert item.status_code == 200 and item.get_json()["hidden"] is True
    assert _decide(client, crisis.h.volunteer, "restore", kind, target["id"]).status_code == 403
    assert _decide(client, crisis.h.admin, "restore", kind, target["id"]).status_code == 200
    if kind == "incident":
        assert _listed(client) == [target["id"]]
    else:
        assert len(client.get("/api/v1/alerts").get_json()["items"]) == 1
