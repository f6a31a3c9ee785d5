"""Following, "me too" support, merging duplicates, and the reporter's rating."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.cases.models import Case, CaseEvent, CaseFollower, CaseSupporter
from backend.extensions import db
from tests.helpers import error_of


def _followers(case_id: int) -> set[int]:
    db.session.rollback()
    return set(
        db.session.scalars(select(CaseFollower.user_id).where(CaseFollower.case_id == case_id))
    )


def _supporters(case_id: int) -> set[int]:
    db.session.rollback()
    stmt = select(CaseSupporter.user_id).where(CaseSupporter.case_id == case_id)
    return set(db.session.scalars(stmt))


def test_follow_and_unfollow(client, make_case, city, token_for):
    case = make_case()
    headers = token_for(city.resident)
    url = f"/api/v1/cases/{case.id}/follow"
    assert client.post(url, headers=headers).get_json() == {"following": True}
    assert client.post(url, headers=headers).status_code == 200  # twice is harmless
    assert _followers(case.id) == {city.reporter.id, city.resident.id}
    viewer = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()["viewer"]
    assert viewer["following"] is True and viewer["reporter"] is False
    assert client.delete(url, headers=headers).get_json() == {"following": False}
    assert _followers(case.id) == {city.reporter.id}
    assert client.post(url).status_code == 401


def test_support_once_per_person(client, make_case, city, token_for):
    case = make_case()
    url = f"/api/v1/cases/{case.id}/support"
    first = client.post(url, headers=token_for(city.resident))
    assert first.status_code == 201
    assert first.get_json() == {"supporting": True, "supporters": 1}
    again = client.post(url, headers=token_for(city.resident))
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_supporting"
    assert client.post(url, headers=token_for(city.volunteer)).get_json()["supporters"] == 2
    assert city.resident.id in _followers(case.id)  # "me too" also follows
    shown = client.get(f"/api/v1/cases/{case.id}").get_json()
    assert shown["supporters"] == 2
    gone = client.delete(url, headers=token_for(city.resident))
    assert gone.get_json() == {"supporting": False, "supporters": 1}
    assert client.delete(url, headers=token_for(city.resident)).get_json()["supporters"] == 1


def test_support_rules(client, make_case, city, token_for, make_user):
    case = make_case()
    url = f"/api/v1/cases/{case.id}/support"
    own = client.post(url, headers=token_for(city.reporter))
    assert (own.status_code, error_of(own)["code"]) == (409, "own_case")
    assert client.post(url).status_code == 401
    blocked = make_user("resident", blocked=True)
    assert client.post(url, headers=token_for(blocked)).status_code == 403
    closed = make_case("closed")
    shut = client.post(f"/api/v1/cases/{closed.id}/support", headers=token_for(city.resident))
    assert (shut.status_code, error_of(shut)["code"]) == (409, "case_not_open")
    assert _supporters(case.id) == set()


def test_merge_moves_followers_and_supporters(client, make_case, city, token_for, make_user):
    duplicate = make_case(reporter=city.resident)
    original = make_case()
    fan, both = make_user("resident"), make_user("resident")
    for person in (fan, both):
        client.post(f"/api/v1/cases/{duplicate.id}/support", headers=token_for(person))
    client.post(f"/api/v1/cases/{original.id}/support", headers=token_for(both))
    response = client.post(
        f"/api/v1/cases/{duplicate.id}/transitions",
        json={"action": "merge", "merge_into": original.id},
        headers=token_for(city.volunteer),
    )
    assert response.status_code == 200
    assert response.get_json()["merged_into"] == original.id
    assert response.get_json()["supporters"] == 0
    assert _supporters(original.id) == {fan.id, both.id, city.resident.id}
    assert _followers(original.id) == {city.reporter.id, fan.id, both.id, city.resident.id}
    assert _supporters(duplicate.id) == set() and _followers(duplicate.id) == set()
    target = client.get(f"/api/v1/cases/{original.id}").get_json()
    assert target["supporters"] == 3
    trail = client.get(f"/api/v1/cases/{original.id}/events").get_json()["items"]
    assert trail[-1]["action"] == "merge_in"
    assert trail[-1]["details"] == {"case_id": duplicate.id}


def test_rating_by_the_reporter_once_after_close(client, make_case, city, token_for):
    case = make_case("closed")
    url = f"/api/v1/cases/{case.id}/rating"
    headers = token_for(city.reporter)
    for body in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": 4.5}, {}, {"score": True}):
        assert client.post(url, json=body, headers=headers).status_code == 422, body
    assert client.post(url, json={"score": 4}, headers=token_for(city.resident)).status_code == 403
    assert client.post(url, json={"score": 4}).status_code == 401
    response = client.post(
        url, json={"score": 4, "comment": "Quick, thanks! 谢谢"}, headers=headers
    )
    assert response.status_code == 201
    assert response.get_json()["score"] == 4
    again = client.post(url, json={"score": 5}, headers=headers)
    assert (again.status_code, error_of(again)["code"]) == (409, "already_rated")
    shown = client.get(f"/api/v1/cases/{case.id}").get_json()
    assert shown["rating"]["score"] == 4
    last = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    ).first()
    assert (last.action, last.details, last.note) == ("rate", {"score": 4}, "Quick, thanks! 谢谢")


@pytest.mark.parametrize("status", ["submitted", "in_progress", "resolved", "rejected"])
def test_no_rating_before_close(client, make_case, city, token_for, status):
    case = make_case(status)
    response = client.post(
        f"/api/v1/cases/{case.id}/rating", json={"score": 5}, headers=token_for(city.reporter)
    )
    assert response.status_code == 409
    assert db.session.get(Case, case.id).rating is None
