"""A request filed over Open311 is an ordinary case: the department desk hears of it live,
and staff who asked for new cases are notified."""

from __future__ import annotations

from sqlalchemy import select

from backend.auth import service as auth_service
from backend.extensions import db
from backend.notify import service as notify_service
from backend.notify.models import Notification
from tests.fixtures_live import received, subscribe


def test_an_open311_request_reaches_the_desk_and_alerts_staff(client, socket_client, city):
    _, key = auth_service.create_api_key(db.session, "Bot")
    notify_service.set_preferences(db.session, city.staff, {"case_new": "live"})
    db.session.commit()
    desk = socket_client(city.staff)
    assert subscribe(desk, "department:roads")["ok"]
    form = {"api_key": key, "service_code": "leak", "lat": "31.23", "long": "121.47",
            "description": "Water everywhere"}  # fmt: skip
    leak = client.post("/open311/v2/requests.json", data=form)
    assert leak.status_code == 200, leak.data
    assert received(desk, "case.event") == []  # a water case: not for the roads desk
    form |= {"service_code": "pothole", "attribute[size]": "small", "description": "A hole"}
    response = client.post("/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.data
    case_id = int(response.get_json()[0]["service_request_id"])
    [event] = received(desk, "case.event")
    assert event["case_id"] == case_id and event["event"]["action"] == "submit"
    assert event["event"]["actor"] is None
    db.session.rollback()
    notes = db.session.scalars(
        select(Notification).where(
            Notification.user_id == city.staff.id, Notification.kind == "case_new"
        )
    )
    assert [n.target_id for n in notes] == [str(case_id)]
