"""Alerts sent for an incident: who may, the timeline's public ``alert`` event, the
incident's ``alerts`` and the area defaulting to the incident's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.extensions import db
from tests.fixtures_cases import CENTRE
from tests.helpers import error_of

SQUARE = [[121.46, 31.22], [121.48, 31.22], [121.48, 31.24], [121.46, 31.24], [121.46, 31.22]]


def _alert(**fields) -> dict:
    return {
        "title": "Flooding in the old town",
        "body": "Keep away from the underpasses.",
        "severity": "severe",
        "expires_at": (datetime.now(UTC) + timedelta(hours=6)).isoformat(),
        **fields,
    }


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 401), ("resident", 403), ("parks_staff", 403), ("water_staff", 201),
     ("staff", 201), ("admin", 201)],
)  # fmt: skip
def test_who_may_send_an_alert_for_an_incident(client, crisis, declare, who, expected):
    shown = declare()
    response = client.post("/api/v1/alerts", json=_alert(incident=shown["id"]),
                           headers=getattr(crisis.h, who))  # fmt: skip
    assert response.status_code == expected, response.get_json()
    seen = client.get(f"/api/v1/incidents/{shown['id']}").get_json()
    assert len(seen["alerts"]) == (1 if expected == 201 else 0)
    assert [e["type"] for e in seen["timeline"]] == (
        ["declare", "alert"] if expected == 201 else ["declare"]
    )


def test_the_alert_is_on_the_timeline_and_takes_the_incidents_circle(client, crisis, declare):
    shown = declare()
    response = client.post("/api/v1/alerts", json=_alert(incident=shown["id"]),
                           headers=crisis.h.water_staff)  # fmt: skip
    alert = response.get_json()
    assert alert["area"] == {"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 2000}
    assert alert["incident"] == shown["id"]
    seen = client.get(f"/api/v1/incidents/{shown['id']}").get_json()
    assert [a["id"] for a in seen["alerts"]] == [alert["id"]]
    assert seen["alerts"][0]["sent_by"] is None  # the public sees no sender
    event = seen["timeline"][-1]
    assert (event["type"], event["internal"], event["body"]) == (
        "alert",
        False,
        "Flooding in the old town",
    )
    assert event["data"] == {"alert_id": alert["id"], "msg_type": "Alert"}
    cancel = client.post("/api/v1/alerts", json={"msg_type": "Cancel", "references": alert["id"]},
                         headers=crisis.h.water_staff)  # fmt: skip
    assert cancel.status_code == 201 and cancel.get_json()["incident"] == shown["id"]


def test_a_polygon_incident_alerts_the_circle_around_its_box(client, crisis, declare):
    from backend.geo import distance_m

    shown = declare(area={"polygon": SQUARE})
    alert = client.post("/api/v1/alerts", json=_alert(incident=shown["id"]),
                        headers=crisis.h.staff).get_json()  # fmt: skip
    area = alert["area"]
    assert (area["lat"], area["lon"]) == pytest.approx((31.23, 121.47))
    for lon, lat in SQUARE:
        assert distance_m(area["lat"], area["lon"], lat, lon) <= area["radius_m"]


def test_an_own_area_is_kept(client, crisis, declare):
    shown = declare()
    own = {"lat": 31.0, "lon": 121.0, "radius_m": 300}
    alert = client.post("/api/v1/alerts", json=_alert(incident=shown["id"], area=own),
                        headers=crisis.h.staff).get_json()  # fmt: skip
    assert alert["area"] == own


@pytest.mark.parametrize("incident", [999999, "1", 0, True])
def test_unknown_incidents_are_refused(client, crisis, declare, incident):
    declare()
    response = client.post("/api/v1/alerts", json=_alert(incident=incident),
                           headers=crisis.h.staff)  # fmt: skip
    assert response.status_code == 422
    assert "incident" in error_of(response)["fields"]


def test_without_an_incident_an_alert_still_needs_its_area(client, crisis):
    response = client.post("/api/v1/alerts", json=_alert(), headers=crisis.h.staff)
    assert response.status_code == 422
    assert "area" in error_of(response)["fields"]
    db.session.rollback()
