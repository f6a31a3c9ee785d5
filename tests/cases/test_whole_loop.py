"""The whole loop over HTTP, from a resident's photo to their rating, across two
departments, with comments, an internal note, a co-handling task and a reopen."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tests import imagegen


def test_the_whole_loop(client, city, token_for):
    started = datetime.now(UTC)
    reporter, roads, water = (token_for(p) for p in (city.reporter, city.staff, city.water_staff))
    windows = []  # (before, after) each request that writes one event

    def post(*args, **kwargs):
        before = datetime.now(UTC)
        response = client.post(*args, **kwargs)
        windows.append((before, datetime.now(UTC)))
        return response

    report = post(
        "/api/v1/cases",
        data={
            "category": "pothole",
            "description": "Deep hole, water bubbling up from it.",
            "photos": [(io.BytesIO(imagegen.jpeg(800, 600, gps=(31.2304, 121.4737))), "p.jpg")],
        },
        content_type="multipart/form-data",
        headers=reporter,
    )
    assert report.status_code == 201, report.get_json()
    case = report.get_json()
    url = f"/api/v1/cases/{case['id']}"
    assert case["photos"][0]["kind"] == "report"

    def step(headers, body, expect="?"):
        response = post(f"{url}/transitions", json=body, headers=headers)
        assert response.status_code == 200, (body, response.get_json())
        assert response.get_json()["status"] == expect, body
        return response.get_json()

    def comment(headers, body, internal):
        response = post(
            f"{url}/comments", json={"body": body, "internal": internal}, headers=headers
        )
        assert response.status_code == 201, response.get_json()

    step(roads, {"action": "accept"}, "accepted")
    step(roads, {"action": "assign"}, "assigned")
    step(roads, {"action": "start"}, "in_progress")
    comment(roads, "Looks like a burst main; roads cannot fix this alone.", internal=True)
    comment(roads, "Thank you, a crew has been out to look at it.", internal=False)
    moved = step(
        roads,
        {"action": "transfer", "department": "water", "reason": "A water main leak"},
        "assigned",
    )
    assert moved["department"]["code"] == "water"
    task = post(
        f"{url}/tasks", json={"department": "roads", "note": "Resurface after us"}, headers=water
    )
    assert task.status_code == 201, task.get_json()
    done = post(
        f"{url}/tasks/{task.get_json()['id']}/done", json={"note": "Resurfaced"}, headers=roads
    )
    assert done.status_code == 200
    step(water, {"action": "start"}, "in_progress")
    resolved = post(
        f"{url}/transitions",
        data={
            "action": "resolve",
            "note": "Main repaired, road resurfaced.",
            "photos": [(io.BytesIO(imagegen.jpeg(640, 480)), "after.jpg")],
        },
        content_type="multipart/form-data",
        headers=water,
    )
    assert resolved.status_code == 200, resolved.get_json()
    assert [p["kind"] for p in resolved.get_json()["photos"]] == ["report", "after"]
    step(reporter, {"action": "reopen", "reason": "Still water on the road"}, "assigned")
    step(water, {"action": "start"}, "in_progress")
    step(water, {"action": "resolve", "note": "Second leak found and fixed."}, "resolved")
    closed = step(reporter, {"action": "confirm"}, "closed")
    assert closed["reopen_count"] == 1
    rating = post(f"{url}/rating", json={"score": 4, "comment": "Slow but good"}, headers=reporter)
    assert rating.status_code == 201
    finished = datetime.now(UTC)

    R, S, W = city.reporter.id, city.staff.id, city.water_staff.id
    expected = [
        ("submit", None, "submitted", R),
        ("accept", "submitted", "accepted", S),
        ("assign", "accepted", "assigned", S),
        ("start", "assigned", "in_progress", S),
        ("assign_person", "in_progress", "in_progress", S),  # who starts it has it
        ("internal_note", "in_progress", "in_progress", S),
        ("comment", "in_progress", "in_progress", S),
        ("transfer", "in_progress", "assigned", S),
        ("assign_person", "assigned", "assigned", S),  # the former assignee lets go
        ("cohandle", "assigned", "assigned", W),
        ("task_done", "assigned", "assigned", S),
        ("start", "assigned", "in_progress", W),
        ("assign_person", "in_progress", "in_progress", W),
        ("resolve", "in_progress", "resolved", W),
        ("reopen", "resolved", "assigned", R),
        ("start", "assigned", "in_progress", W),
        ("resolve", "in_progress", "resolved", W),
        ("confirm", "resolved", "closed", R),
        ("rate", "closed", "closed", R),
    ]
    staff_view = client.get(f"{url}/events", headers=water).get_json()["items"]
    assert [
        (e["action"], e["from_status"], e["to_status"], e["actor"]["id"]) for e in staff_view
    ] == expected
    times = [datetime.fromisoformat(e["created_at"]) for e in staff_view]
    assert times == sorted(times)
    assert started <= times[0] and times[-1] <= finished
    # each event was written by the request that asked for it, while it ran (an
    # assign_person by the transition before it)
    asked = [(e, t) for e, t in zip(expected, times, strict=True) if e[0] != "assign_person"]
    assert len(windows) == len(asked)
    for ((action, *_), time), (before, after) in zip(asked, windows, strict=True):
        assert before <= time <= after, action
    assert [e["id"] for e in staff_view] == sorted(e["id"] for e in staff_view)

    public_view = client.get(f"{url}/events", headers=reporter).get_json()["items"]
    internal = {"internal_note", "assign_person"}
    assert [e["action"] for e in public_view] == [a for a, *_ in expected if a not in internal]
    assert "burst main" not in str(public_view)
    public_comments = client.get(f"{url}/comments", headers=reporter).get_json()
    assert "burst main" not in str(public_comments)
    final = client.get(url, headers=reporter).get_json()
    assert final["status"] == "closed"
    assert final["comments"] == 1
    assert final["rating"]["score"] == 4
    assert final["department"]["code"] == "water"
