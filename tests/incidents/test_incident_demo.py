"""The demo city shows an incident on first run: active, with linked cases of several
departments, one task done, public and internal notes and an alert."""

from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.incidents.models import Incident


def test_the_demo_city_has_an_active_incident(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "1 active incident" in result.output
    [incident_id] = db.session.scalars(select(Incident.id))
    [listed] = client.get("/api/v1/incidents").get_json()["items"]
    assert listed["id"] == incident_id and listed["status"] == "active"
    public = client.get(f"/api/v1/incidents/{incident_id}").get_json()
    assert len({c["department"]["code"] for c in public["cases"]}) >= 2
    assert sorted(t["status"] for t in public["tasks"]) == ["done", "open", "open"]
    assert len(public["alerts"]) == 1
    types = [e["type"] for e in public["timeline"]]
    assert {"declare", "link", "note", "alert", "task_done"} <= set(types)
    assert all(not e["internal"] for e in public["timeline"])
    login = client.post("/api/v1/auth/token", json={"email": "water@cityloop.example",
                                                    "password": "cityloop-demo-2026"})  # fmt: skip
    assert login.status_code in (200, 201), login.get_json()
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    staff = client.get(f"/api/v1/incidents/{incident_id}", headers=headers).get_json()
    assert any(e["internal"] for e in staff["timeline"])
    lookup = client.get("/api/v1/incidents?lat=31.2304&lon=121.4737").get_json()["items"]
    assert [i["id"] for i in lookup] == [incident_id]
