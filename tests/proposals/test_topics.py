"""Proposal topics: admins keep the list, anyone reads it, proposals carry and filter by one."""

import pytest

from tests.helpers import error_of

GREEN = {"code": "green", "name": "Green spaces", "names": {"zh-CN": "绿地"}, "position": 1}


@pytest.fixture
def admin(as_role):
    return as_role("admin")


def _topic(client, admin, **fields):
    response = client.post("/api/v1/proposals/topics", json=GREEN | fields, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("resident", 403), ("volunteer", 403), ("staff", 403), ("admin", 201)],
)
def test_only_admins_add_topics(client, as_role, role, expected):
    response = client.post("/api/v1/proposals/topics", json=GREEN, headers=as_role(role))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("resident", 403), ("staff", 403), ("admin", 200)],
)
def test_only_admins_edit_topics(client, admin, as_role, role, expected):
    _topic(client, admin)
    response = client.patch(
        "/api/v1/proposals/topics/green", json={"name": "Parks"}, headers=as_role(role)
    )
    assert response.status_code == expected


def test_anyone_lists_active_topics_in_order_retired_ones_leave(client, admin):
    _topic(client, admin)
    _topic(client, admin, code="cycling", name="Cycling", names={}, position=0)
    listed = client.get("/api/v1/proposals/topics").get_json()["items"]
    assert [(t["code"], t["names"]) for t in listed] == [
        ("cycling", {}),
        ("green", {"zh-CN": "绿地"}),
    ]
    retired = client.patch(
        "/api/v1/proposals/topics/cycling", json={"active": False}, headers=admin
    )
    assert retired.get_json()["active"] is False
    assert [t["code"] for t in client.get("/api/v1/proposals/topics").get_json()["items"]] == [
        "green"
    ]
    assert client.get("/api/v1/proposals/topics?include_inactive=true").status_code == 401
    everything = client.get("/api/v1/proposals/topics?include_inactive=true", headers=admin)
    assert len(everything.get_json()["items"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"code": "Green Spaces", "name": "x"},
        {"code": "green"},
        {"code": "green", "name": ""},
        {"code": "green", "name": "x", "names": {"fr": "Espaces verts"}},
        {"code": "green", "name": "x", "active": "yes"},
    ],
)
def test_bad_topics_are_422(client, admin, body):
    response = client.post("/api/v1/proposals/topics", json=body, headers=admin)
    assert response.status_code == 422
    error_of(response)


def test_a_second_topic_with_the_same_code_is_409(client, admin):
    _topic(client, admin)
    again = client.post("/api/v1/proposals/topics", json=GREEN, headers=admin)
    assert (again.status_code, error_of(again)["code"]) == (409, "exists")
    missing = client.patch("/api/v1/proposals/topics/nope", json={"name": "x"}, headers=admin)
    assert missing.status_code == 404


def test_proposals_carry_a_topic_and_filter_by_it(client, admin, as_role, make_proposal):
    _topic(client, admin)
    resident = as_role("resident")
    made = client.post(
        "/api/v1/proposals",
        json={"title": "Pocket park", "body": "On the empty lot.", "topic": "green"},
        headers=resident,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["topic"] == {
        "code": "green",
        "name": "Green spaces",
        "names": GREEN["names"],
    }
    make_proposal()  # no topic
    listed = client.get("/api/v1/proposals?topic=green").get_json()["items"]
    assert [p["id"] for p in listed] == [made.get_json()["id"]]
    assert client.get("/api/v1/proposals?topic=none").get_json()["items"] == []
    unknown = client.post(
        "/api/v1/proposals", json={"title": "T", "body": "B", "topic": "nope"}, headers=resident
    )
    assert unknown.status_code == 422
    assert "topic" in error_of(unknown)["fields"]
