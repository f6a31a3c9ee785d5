"""Incident factories: `crisis`, the small city of `city` plus a head of roads and staff of
a department that takes no part, and `declare(**fields)` through the API."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.fixtures_cases import CENTRE

CIRCLE = {"lat": CENTRE[0], "lon": CENTRE[1], "radius_m": 2000}


def incident_body(**fields) -> dict:
    return {
        "title": "Storm over the old town",
        "description": "Heavy rain since noon.",
        "severity": "severe",
        "area": CIRCLE,
        "lead_department": "roads",
        "departments": ["water"],
        "categories": ["pothole", "leak"],
        "notice": "Flooding: stay away from underpasses.",
        **fields,
    }


@pytest.fixture
def crisis(city, make_user, make_department, token_for):
    """``city`` plus: ``head`` (heads roads), ``parks_staff`` (a department outside the
    incident), and the bearer headers of every role as ``h.<who>``."""
    make_department("parks", name="Parks")
    people = SimpleNamespace(
        **vars(city),
        head=make_user("staff", departments=["roads"], head_of=["roads"], display_name="Hu Head"),
        parks_staff=make_user("staff", departments=["parks"], display_name="Pat Parks"),
    )
    people.h = SimpleNamespace(
        admin=token_for(people.admin),
        head=token_for(people.head),
        staff=token_for(people.staff),
        water_staff=token_for(people.water_staff),
        parks_staff=token_for(people.parks_staff),
        resident=token_for(people.resident),
        volunteer=token_for(people.volunteer),
        anonymous={},
    )
    return people


@pytest.fixture
def declare(client, crisis):
    """Declare an incident as the head of roads (or ``headers=``); returns its JSON."""

    def factory(*, headers=None, **fields) -> dict:
        response = client.post(
            "/api/v1/incidents", json=incident_body(**fields), headers=headers or crisis.h.head
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return factory
