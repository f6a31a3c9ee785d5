"""A real Open311 client from PyPI, written by others (civicbot's GeoReport v2 client),
against a real CityLoop server process: list services, read a definition, file a request,
read it back (also through its token)."""

from __future__ import annotations

import pytest
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint

from backend.auth import service as auth_service
from backend.extensions import db
from tests.open311.test_open311_api import QUESTIONS


@pytest.fixture
def client_for(live_server):
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    endpoint = Endpoint(
        id="cityloop", name="CityLoop", base_url=f"{live_server.url}/open311/v2", write=True
    )
    return Open311Client(endpoint, transport)


def test_a_third_party_client_files_and_reads_back(client_for, city):
    city.pothole.attributes = QUESTIONS
    _, key = auth_service.create_api_key(db.session, "civicbot")
    db.session.commit()

    services = client_for.list_services()
    assert {s["service_code"] for s in services} == {"pothole", "leak"}
    definition = client_for.get_service_definition("pothole")
    assert [a["code"] for a in definition["attributes"]][:2] == ["depth_cm", "size"]

    prepared = client_for.create_request(
        "pothole",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=key,
        validate_remote=True,
        lat=31.2304,
        lng=121.4737,
        description="Filed by a third-party client",
        attributes={"size": "small", "hazards": ["water", "glass"]},
        email="bot@example.org",
    )
    filed = prepared.response[0]
    request_id = filed["service_request_id"]

    back = client_for.get_request(request_id)
    assert back["service_code"] == "pothole" and back["status"] == "open"
    assert back["description"] == "Filed by a third-party client"
    assert client_for.get_token(filed["token"])[0]["service_request_id"] == request_id
    listed = client_for.list_requests(service_request_ids=[request_id])
    assert [r["service_request_id"] for r in listed] == [request_id]


def test_the_client_sees_the_specs_errors(client_for, city):
    with pytest.raises(HttpError) as caught:
        client_for.create_request(
            "pothole", dry_run=False, confirm=CONFIRM_TOKEN, api_key="clk_wrong",
            lat=31.2, lng=121.4, description="x",
        )  # fmt: skip
    assert caught.value.status == 403
    assert '"code": 403' in caught.value.body
