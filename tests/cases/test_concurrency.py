"""Two staff acting on the same case at the same moment: one wins, the other gets a 409,
and the log has one event."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from backend.cases import service
from backend.cases.models import Case, CaseEvent
from backend.extensions import db


def _race(app, case_id: int, headers: list[dict], body: dict) -> list:
    barrier = threading.Barrier(len(headers))
    results = []

    def act(h):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/cases/{case_id}/transitions", json=body, headers=h)
        results.append((response.status_code, response.get_json()))

    db.session.rollback()  # hold no lock while the threads run
    threads = [threading.Thread(target=act, args=(h,)) for h in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _accepts(case_id: int) -> int:
    db.session.rollback()
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "accept")
    return len(db.session.scalars(stmt).all())


def test_simultaneous_accepts_one_wins(app, make_case, make_user, token_for):
    case = make_case("submitted")
    headers = [token_for(make_user("staff", departments=["roads"])) for _ in range(4)]
    results = _race(app, case.id, headers, {"action": "accept"})
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 409, 409, 409], results
    assert _accepts(case.id) == 1
    assert db.session.get(Case, case.id).version == 2


@pytest.mark.postgresql_only  # row locks under READ COMMITTED
def test_both_read_before_either_writes_on_postgresql(
    app, make_case, make_user, token_for, monkeypatch
):
    """Force the worst interleaving: both requests have loaded the case (status
    ``submitted``) before either claims it. The loser's claim waits on the winner's row lock,
    then finds the version moved on."""
    case = make_case("submitted")
    both_loaded = threading.Barrier(2)
    real_claim = service.claim

    def claim_after_both_loaded(session, loaded):
        both_loaded.wait(timeout=10)
        real_claim(session, loaded)

    monkeypatch.setattr(service, "claim", claim_after_both_loaded)
    headers = [token_for(make_user("staff", departments=["roads"])) for _ in range(2)]
    results = _race(app, case.id, headers, {"action": "accept"})
    assert sorted(status for status, _ in results) == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "stale"
    assert _accepts(case.id) == 1


def test_a_transition_racing_a_support_loses_nothing(app, make_case, make_user, token_for, city):
    """Counters change in SQL without the version: a "me too" never makes staff see 409."""
    case = make_case("submitted")
    supporters = [make_user("resident") for _ in range(3)]
    barrier = threading.Barrier(4)
    statuses = []

    def post(url, h, body=None):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(url, json=body, headers=h).status_code)

    db.session.rollback()
    threads = [
        threading.Thread(
            target=post,
            args=(
                f"/api/v1/cases/{case.id}/transitions",
                token_for(city.staff),
                {"action": "accept"},
            ),
        )
    ] + [
        threading.Thread(target=post, args=(f"/api/v1/cases/{case.id}/support", token_for(s)))
        for s in supporters
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 201, 201, 201]
    db.session.rollback()
    stored = db.session.get(Case, case.id)
    assert (stored.status, stored.supporters_count) == ("accepted", 3)
