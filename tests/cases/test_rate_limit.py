"""Filing is rate limited per person; refused reports do not use up the allowance, unless
they were refused for their photos (decoding them cost what keeping them costs)."""

import io

import pytest

from tests import imagegen
from tests.helpers import error_of

PHOTO_FORM = {"category": "pothole", "lat": "31.2", "lon": "121.4", "description": "Hole"}
GOOD = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole"}


@pytest.fixture
def app_overrides():
    return {"CASE_CREATE_LIMIT": "2 per hour"}


def test_the_third_report_in_an_hour_waits(client, city, token_for):
    headers = token_for(city.reporter)
    assert (
        client.post("/api/v1/cases", json={**GOOD, "lat": 99}, headers=headers).status_code == 422
    )
    for _ in range(2):
        assert client.post("/api/v1/cases", json=GOOD, headers=headers).status_code == 201
    refused = client.post("/api/v1/cases", json=GOOD, headers=headers)
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    other = client.post("/api/v1/cases", json=GOOD, headers=token_for(city.resident))
    assert other.status_code == 201  # per person, not global


def _multipart(fields: dict, *pictures: bytes) -> dict:
    return {**fields, "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(pictures)]}


def test_refused_photos_count_against_the_creation_budget(client, city, token_for):
    headers = token_for(city.reporter)

    def report(*pictures: bytes, **fields):
        return client.post(
            "/api/v1/cases",
            data=_multipart({**PHOTO_FORM, **fields}, *pictures),
            content_type="multipart/form-data",
            headers=headers,
        )

    assert report(lat="99").status_code == 422  # refused before any photo: free
    unreadable = report(imagegen.text_as_jpg())
    assert (unreadable.status_code, error_of(unreadable)["code"]) == (422, "invalid_image")
    too_big = report(b"\xff\xd8\xff\xe0" + b"\0" * (15 * 1024 * 1024))
    assert (too_big.status_code, error_of(too_big)["code"]) == (413, "image_too_large")
    refused = report(imagegen.jpeg())
    assert refused.status_code == 429, refused.get_json()
    assert error_of(refused)["code"] == "rate_limited"
    other = client.post("/api/v1/cases", json=GOOD, headers=token_for(city.resident))
    assert other.status_code == 201  # per person
