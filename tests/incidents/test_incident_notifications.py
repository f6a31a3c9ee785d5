"""Staff of each participating department hear of their new incident task (kind
``incident``, per their preferences); the push carries only the title and the URL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.notify import service as notify_service
from backend.notify.models import Notification
from tests.helpers import error_of
from tests.push_service import BrowserKeys


def _inbox(user) -> list[tuple[str, str, str | None]]:
    db.session.rollback()
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    return [(n.kind, n.text, n.url) for n in db.session.scalars(stmt)]


def test_staff_of_each_department_hear_of_their_task(client, crisis, declare, make_user):
    second_water = make_user("staff", departments=["water"])
    shown = declare(title="Burst main on Elm St")
    expected = [("incident", "Incident: Burst main on Elm St", f"/incidents/{shown['id']}")]
    assert _inbox(crisis.water_staff) == expected
    assert _inbox(second_water) == expected
    assert _inbox(crisis.staff) == expected  # roads, the lead
    assert _inbox(crisis.head) == []  # who declared it
    assert _inbox(crisis.parks_staff) == [] and _inbox(crisis.resident) == []
    client.patch(f"/api/v1/incidents/{shown['id']}", json={"departments": ["parks"]},
                 headers=crisis.h.head)  # fmt: skip
    assert _inbox(crisis.parks_staff) == [("incident", "Incident: Burst main on Elm St",
                                           f"/incidents/{shown['id']}")]  # fmt: skip
    assert len(_inbox(crisis.water_staff)) == 1  # not again for another department


def test_preferences_are_respected(client, crisis, declare):
    notify_service.set_preferences(db.session, crisis.water_staff, {"incident": "off"})
    db.session.commit()
    declare()
    assert _inbox(crisis.water_staff) == []
    assert notify_service.preferences(db.session, crisis.staff)["incident"] == "push"


@pytest.fixture
def app_overrides():
    return {"JOBS_EAGER": True, "PUSH_ENDPOINT_HOSTS": ["127.0.0.1"], "PUSH_ALLOW_HTTP": True}


def test_the_push_says_only_incident_and_title(client, crisis, declare, push_service):
    device = push_service.subscription(BrowserKeys())
    response = client.post("/api/v1/push/subscriptions", json=device, headers=crisis.h.water_staff)
    assert response.status_code == 201, error_of(response)
    shown = declare(title="Chemical spill", description="Call Mr Li on 138 0000 0000")
    delivery = push_service.wait()
    assert push_service.errors == []
    payload = dict(delivery.payload)
    payload.pop("notification_id")
    assert payload == {
        "title": "CityLoop",
        "body": "Incident: Chemical spill",
        "url": f"/incidents/{shown['id']}",
        "tag": f"incident:{shown['id']}",
    }
