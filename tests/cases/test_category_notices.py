"""A category's notice: shown on the report screen, and, for a category that only diverts
(an emergency number), no report is taken, whichever client files it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from backend.auth import service as auth_service
from backend.cases.models import Case, CasePhoto
from backend.extensions import db
from tests import imagegen
from tests.helpers import error_of

GAS = "Smell of gas? Leave the building and call 119 now: this app is not watched around the clock."


@pytest.fixture
def gas(client, city, as_role):
    body = {"code": "gas", "name": "Smell of gas", "department": "water", "sla_hours": 1,
            "notice": GAS, "notices": {"zh-CN": "闻到煤气味？请离开建筑并立即拨打 119。"},
            "notice_stops": True}  # fmt: skip
    response = client.post("/api/v1/categories", json=body, headers=as_role("admin"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_public_reads_the_notice_with_the_category(client, gas):
    listed = {c["code"]: c for c in client.get("/api/v1/categories").get_json()["items"]}
    assert listed["gas"]["notice"] == GAS and listed["gas"]["notice_stops"] is True
    assert listed["gas"]["notices"]["zh-CN"].endswith("119。")
    assert (listed["pothole"]["notice"], listed["pothole"]["notice_stops"]) == ("", False)


def test_a_diverting_category_takes_no_report_and_keeps_no_photo(client, app, city, gas, token_for):
    form = {"category": "gas", "description": "It smells of gas in the stairwell.",
            "lat": "31.2304", "lon": "121.4737",
            "photos": [(io.BytesIO(imagegen.jpeg(320, 240)), "stairs.jpg")]}  # fmt: skip
    response = client.post("/api/v1/cases", data=form, content_type="multipart/form-data",
                           headers=token_for(city.reporter))  # fmt: skip
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "category_diverts" and error["fields"]["category"] == [GAS]
    assert (_count(Case), _count(CasePhoto)) == (0, 0)
    media = app.config["DATA_DIR"] / "media"
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_open311_clients_are_told_the_same(client, city, gas):
    _, key = auth_service.create_api_key(db.session, "Bot")
    db.session.commit()
    form = {"service_code": "gas", "lat": "31.2304", "long": "121.4737",
            "description": "Gas smell", "api_key": key}  # fmt: skip
    response = client.post("/open311/v2/requests.json", data=form)
    assert response.status_code == 400, response.data
    assert GAS in response.get_json()[0]["description"]
    assert _count(Case) == 0


def test_a_notice_that_does_not_stop_lets_the_report_through(client, city, as_role, token_for):
    notice = {"notice": "If a pole has fallen onto the road, call 110 first."}
    changed = client.patch("/api/v1/categories/pothole", json=notice, headers=as_role("admin"))
    assert changed.status_code == 200
    body = {"category": "pothole", "lat": 31.2304, "lon": 121.4737, "description": "Hole"}
    response = client.post("/api/v1/cases", json=body, headers=token_for(city.reporter))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"notice_stops": "yes"},
        {"notice_stops": 1},
        {"notice": "x" * 1001},
        {"notices": {"zh-CN": 5}},
    ],
)
def test_wrong_notice_values_are_refused(client, city, as_role, body):
    response = client.patch("/api/v1/categories/pothole", json=body, headers=as_role("admin"))
    assert response.status_code == 422, response.get_json()
