"""Sending alerts draws on the shared ``posting`` budget per person."""

import pytest

from tests.alerts.test_alerts import _send


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "POSTING_LIMIT_PER_USER": "2 per minute"}


def test_sending_is_rate_limited(client, city, token_for):
    staff = token_for(city.staff)
    assert [_send(client, staff).status_code for _ in range(3)] == [201, 201, 429]
