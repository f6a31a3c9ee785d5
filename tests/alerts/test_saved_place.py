"""The saved place: opt-in, kept only as a 250 m cell, deletable; Web Push of an alert to
the residents whose saved place lies inside its circle, and to nobody else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.alerts import service
from backend.alerts.models import SavedPlace
from backend.extensions import db
from backend.geo import distance_m
from backend.notify import service as notify_service
from tests.alerts.test_alerts import _send
from tests.helpers import error_of
from tests.push_service import BrowserKeys

EXACT = {"lat": 31.230417, "lon": 121.473701}


@pytest.fixture
def app_overrides():
    return {"JOBS_EAGER": True, "PUSH_ENDPOINT_HOSTS": ["127.0.0.1"], "PUSH_ALLOW_HTTP": True}


def test_a_place_is_stored_only_as_its_cell_and_can_be_deleted(client, city, token_for):
    headers = token_for(city.resident)
    assert client.get("/api/v1/me/place", headers=headers).status_code == 404
    saved = client.put("/api/v1/me/place", json=EXACT, headers=headers)
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["precision_m"] == 250
    assert (body["lat"], body["lon"]) != (EXACT["lat"], EXACT["lon"])
    assert distance_m(EXACT["lat"], EXACT["lon"], body["lat"], body["lon"]) < 180
    db.session.rollback()
    row = db.session.get(SavedPlace, city.resident.id)
    assert (row.lat, row.lon) == (body["lat"], body["lon"])  # nothing finer is kept
    nearby = client.put("/api/v1/me/place", json={"lat": 31.23045, "lon": 121.47372},
                        headers=headers).get_json()  # fmt: skip
    assert (nearby["lat"], nearby["lon"]) == (body["lat"], body["lon"])  # the same cell
    assert client.get("/api/v1/me/place", headers=headers).get_json()["lat"] == body["lat"]
    assert client.delete("/api/v1/me/place", headers=headers).status_code == 204
    assert client.get("/api/v1/me/place", headers=headers).status_code == 404
    db.session.rollback()
    assert db.session.get(SavedPlace, city.resident.id) is None


def test_places_need_an_account_and_valid_degrees(client, city, token_for):
    assert error_of(client.put("/api/v1/me/place", json=EXACT))["code"] == "unauthorized"
    bad = client.put("/api/v1/me/place", json={"lat": 91, "lon": 0},
                     headers=token_for(city.resident))  # fmt: skip
    assert bad.status_code == 422 and "lat" in error_of(bad)["fields"]


def _subscribed(client, token_for, push_service, user, place):
    headers = token_for(user)
    subscription = push_service.subscription(BrowserKeys())
    assert client.post("/api/v1/push/subscriptions", json=subscription,
                       headers=headers).status_code == 201  # fmt: skip
    if place is not None:
        assert client.put("/api/v1/me/place", json=place, headers=headers).status_code == 200
    return subscription["endpoint"].rsplit("/", 1)[1]


def test_a_resident_inside_the_circle_is_pushed_and_one_outside_is_not(
    client, city, token_for, push_service, make_user
):
    inside = _subscribed(client, token_for, push_service, city.resident, EXACT)
    far = {"lat": 31.30, "lon": 121.60}  # ~14 km away
    _subscribed(client, token_for, push_service, city.reporter, far)
    _subscribed(client, token_for, push_service, make_user(), None)  # never opted in
    quiet = make_user()
    _subscribed(client, token_for, push_service, quiet, EXACT)
    notify_service.set_preferences(db.session, quiet, {"area_alert": "off"})
    db.session.commit()

    sent = _send(client, token_for(city.staff)).get_json()
    delivery = push_service.wait()
    assert push_service.errors == []
    assert delivery.token == inside
    assert delivery.payload == {
        "title": "CityLoop",
        "body": "Alert: Flooding on Nanjing Road",
        "url": f"/alerts/{sent['id']}",
        "tag": f"alert:{sent['id']}",
        "notification_id": delivery.payload["notification_id"],
    }
    assert push_service.deliveries.empty()  # outside, not opted in, or turned off: nothing

    _send(client, token_for(city.staff), msg_type="Cancel", references=sent["id"])
    cancelled = push_service.wait()
    assert cancelled.token == inside
    assert cancelled.payload["body"] == "Alert cancelled: Flooding on Nanjing Road"
    assert push_service.deliveries.empty()


def test_residents_inside_reaches_across_the_antimeridian(app, city):
    places = ((city.resident, (-17.7, -179.995)), (city.reporter, (-17.7, -179.9)))
    for user, (lat, lon) in places:
        db.session.add(SavedPlace(user_id=user.id, lat=lat, lon=lon))
    db.session.commit()
    assert service.residents_inside(db.session, -17.7, 179.998, 2000) == [city.resident.id]


def test_residents_inside_is_the_circle_not_the_box(app, city):
    for user, place in ((city.resident, (31.2304, 121.4737)), (city.reporter, (31.2364, 121.4797))):
        db.session.add(SavedPlace(user_id=user.id, lat=place[0], lon=place[1]))
    db.session.commit()
    # The second lies in the bounding box of a 700 m circle but ~870 m from its centre.
    assert service.residents_inside(db.session, 31.2304, 121.4737, 700) == [city.resident.id]
    assert sorted(service.residents_inside(db.session, 31.2304, 121.4737, 900)) == sorted(
        [city.resident.id, city.reporter.id]
    )
    assert db.session.scalars(select(SavedPlace.user_id)).all()
