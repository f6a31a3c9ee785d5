"""Filing is rate limited per person; refused reports do not use up the allowance."""

import pytest

from tests.helpers import error_of

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
