"""Public lists answer a repeat with 304 Not Modified (If-None-Match), their ETag changes
when the answer does, and personal answers stay out of shared caches."""

from __future__ import annotations

import pytest

from backend.cases import engagement
from backend.cases import service as case_service
from backend.extensions import db
from tests.helpers import PASSWORD


@pytest.fixture
def listed(city, make_case, make_proposal, make_comment):
    cases = [make_case("submitted", title=f"Case {n}") for n in range(3)]
    make_comment(cases[0], city.resident)
    proposal = make_proposal(city.reporter)
    return cases, proposal


def _urls(cases, proposal) -> list[str]:
    return [
        "/api/v1/cases",
        "/api/v1/cases?status=submitted&per_page=2",
        "/api/v1/cases/pins",
        f"/api/v1/cases/{cases[0].id}",
        f"/api/v1/cases/{cases[0].id}/comments",
        "/api/v1/proposals",
        f"/api/v1/proposals/{proposal.id}/comments",
    ]


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


def _again(client, url, first, headers=None):
    return client.get(url, headers={**(headers or {}), "If-None-Match": first.headers["ETag"]})


# Anonymous answers are public; a resident's carries their own flags; staff, admins and
# volunteers may get contact details, internal notes and hidden content (never stored).
CACHE_CONTROL = {
    "anonymous": "no-cache",
    "resident": "private, no-cache",
    "staff": "no-store",
    "admin": "no-store",
    "volunteer": "no-store",
}


@pytest.mark.parametrize("who", list(CACHE_CONTROL))
def test_a_repeat_gets_304_with_the_same_headers(client, city, listed, token_for, who):
    headers = token_for(getattr(city, who)) if who != "anonymous" else {}
    cache_control = CACHE_CONTROL[who]
    for url in _urls(*listed):
        first = client.get(url, headers=headers)
        assert first.status_code == 200, url
        assert first.headers["ETag"], url
        assert first.headers["Cache-Control"] == cache_control, url
        assert {"cookie", "authorization"} <= _vary(first), url
        again = _again(client, url, first, headers)
        assert again.status_code == 304, url
        assert again.data == b""
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == cache_control
        assert {"cookie", "authorization"} <= _vary(again)
        stale = client.get(url, headers={**headers, "If-None-Match": '"something-else"'})
        assert stale.status_code == 200 and stale.data == first.data


def test_a_cookie_session_answer_is_private(client, city, listed, csrf):
    body = {"email": city.resident.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=body, headers=csrf()).status_code == 200
    response = client.get("/api/v1/cases")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.get_json()["items"][0]["viewer"]["can"]["follow"] is True
    assert (
        client.get("/api/v1/cases", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_the_etag_changes_when_a_listed_case_changes(client, city, listed):
    cases, _proposal = listed
    urls = ["/api/v1/cases", "/api/v1/cases/pins", f"/api/v1/cases/{cases[1].id}"]
    before = {url: client.get(url) for url in urls}
    case_service.transition(db.session, cases[1], city.admin, {"action": "accept"})
    db.session.commit()
    for url, first in before.items():
        answer = _again(client, url, first)
        assert answer.status_code == 200, url
        assert answer.headers["ETag"] != first.headers["ETag"]
        assert answer.data != first.data
        assert _again(client, url, answer).status_code == 304


def test_a_new_comment_changes_the_case_list_and_the_comments(client, city, listed, make_comment):
    cases, _proposal = listed
    urls = ["/api/v1/cases", f"/api/v1/cases/{cases[2].id}/comments"]
    before = {url: client.get(url) for url in urls}
    make_comment(cases[2], city.reporter, body="Still there.")
    for url, first in before.items():
        assert _again(client, url, first).status_code == 200, url  # the count, the comment


def test_a_vote_changes_the_proposal_list(client, city, listed, token_for):
    _cases, proposal = listed
    first = client.get("/api/v1/proposals")
    voted = client.put(
        f"/api/v1/proposals/{proposal.id}/vote",
        json={"value": "support"},
        headers=token_for(city.resident),
    )
    assert voted.status_code == 200
    assert _again(client, "/api/v1/proposals", first).status_code == 200


def test_ones_own_flags_change_ones_own_etag_only(client, city, listed, token_for):
    """Following a case changes what the list says to the follower (``viewer``), not to
    anyone else: the follower's copy is stale, the anonymous one still good."""
    cases, _proposal = listed
    headers = token_for(city.resident)
    anonymous, resident = client.get("/api/v1/cases"), client.get("/api/v1/cases", headers=headers)
    assert anonymous.headers["ETag"] != resident.headers["ETag"]
    engagement.follow(db.session, cases[0], city.resident)
    db.session.commit()
    assert _again(client, "/api/v1/cases", anonymous).status_code == 304
    assert _again(client, "/api/v1/cases", resident, headers).status_code == 200


def test_gzipped_answers_keep_their_304(client, city, make_case):
    for n in range(8):  # enough for the answer to be compressed
        make_case("submitted", title=f"Case {n}")
    gzip = {"Accept-Encoding": "gzip"}
    first = client.get("/api/v1/cases", headers=gzip)
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"].startswith('W/"')
    again = client.get("/api/v1/cases", headers={**gzip, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/api/v1/cases", headers={"If-None-Match": first.headers["ETag"]})
    assert plain.status_code == 304  # the same answer, however it travels


def test_errors_are_not_stored(client, listed):
    response = client.get("/api/v1/cases/999999999")
    assert response.status_code == 404
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    refused = client.get("/api/v1/cases?per_page=0")
    assert refused.status_code == 422 and "ETag" not in refused.headers


CONDITIONAL_PATHS = [
    "/api/v1/cases",
    "/api/v1/cases/pins",
    "/api/v1/cases/{case_id}",
    "/api/v1/cases/{case_id}/comments",
    "/api/v1/proposals",
    "/api/v1/proposals/{proposal_id}/comments",
]


def test_the_contract_documents_etag_and_304(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in CONDITIONAL_PATHS:
        operation = paths[path]["get"]
        ok = operation["responses"]["200"]
        assert "application/json" in ok["content"], path  # the answer's schema is still there
        assert "ETag" in ok["headers"], path
        assert "304" in operation["responses"], path
        assert "If-None-Match" in [p["name"] for p in operation["parameters"]], path


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_requests_get_304_too(client, city, listed, fmt):
    url = f"/open311/v2/requests.{fmt}"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    assert _again(client, url, first).status_code == 304
    # (accepting would not do: still "open", and the times are given to the second)
    rejected = {"action": "reject", "reason": "Not a city matter."}
    case_service.transition(db.session, listed[0][0], city.admin, rejected)
    db.session.commit()
    assert _again(client, url, first).status_code == 200
