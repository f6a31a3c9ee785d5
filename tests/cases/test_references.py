"""Case references a person can read over the phone: assigned at filing, unique even when
many are filed at once, searchable, and found by `GET /cases/by-ref/<ref>`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend.cases import filing, references, service
from backend.cases.models import Case, CaseEvent, CaseFollower, CaseReferenceCounter
from backend.extensions import db
from backend.stats.models import CaseSummary
from tests.helpers import hide

DEC_2024 = datetime(2024, 12, 3, 9, 30, tzinfo=UTC)
JAN_2025 = datetime(2025, 1, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("roads", "RD"),
        ("lighting", "LG"),
        ("water", "WT"),
        ("order", "OR"),
        ("aaa", "AA"),
        ("x", "CL"),
        ("道路", "CL"),
        (None, "CL"),
        ("road-works", "RD"),
    ],
)
def test_the_prefix_is_the_first_letter_and_the_next_consonant(code, prefix):
    assert references.prefix_for(code) == prefix


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("RD-2412-0042", "RD-2412-0042"),
        ("rd-2412-0042", "RD-2412-0042"),
        (" rd 2412 42 ", "RD-2412-0042"),
        ("RD24120042", "RD-2412-0042"),
        ("RD-2412-12345", "RD-2412-12345"),
        ("RD-241-0042", None),
        ("pothole", None),
        ("123456789", None),
    ],
)
def test_what_a_person_types_is_read_as_a_reference(typed, canonical):
    assert references.normalise(typed) == canonical


def test_references_count_per_department_and_month(make_case, city):
    first = make_case(now=DEC_2024)
    second = make_case(now=DEC_2024)
    leak = make_case(category=city.leak, now=DEC_2024)
    january = make_case(now=JAN_2025)
    assert [first.reference, second.reference] == ["RD-2412-0001", "RD-2412-0002"]
    assert leak.reference == "WT-2412-0001"
    assert january.reference == "RD-2501-0001"


def test_a_transfer_keeps_the_reference(make_case, city):
    case = make_case("assigned", now=DEC_2024)
    data = {"action": "transfer", "department": "water", "reason": "a water main"}
    service.transition(db.session, case, city.admin, data)
    db.session.commit()
    assert case.department.code == "water" and case.reference == "RD-2412-0001"


def test_the_reference_is_in_every_case_payload(client, make_case):
    case = make_case()
    assert client.get(f"/api/v1/cases/{case.id}").get_json()["reference"] == case.reference
    listed = client.get("/api/v1/cases").get_json()["items"]
    assert [c["reference"] for c in listed] == [case.reference]


def test_a_report_over_the_api_gets_the_next_reference(client, city, token_for):
    body = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "A hole."}
    response = client.post("/api/v1/cases", json=body, headers=token_for(city.reporter))
    assert response.status_code == 201, response.get_json()
    month = datetime.now(UTC).strftime("%y%m")
    assert response.get_json()["reference"] == f"RD-{month}-0001"


@pytest.mark.parametrize("typed", ["RD-2412-0002", "rd 2412 2", "2412-0002", "rd-2412-0002"])
def test_search_finds_a_case_by_its_reference(client, make_case, typed):
    make_case(now=DEC_2024)
    wanted = make_case(now=DEC_2024)
    found = client.get("/api/v1/cases", query_string={"q": typed}).get_json()["items"]
    assert [c["id"] for c in found] == [wanted.id]


def test_by_ref_gives_the_case_with_the_viewer(client, make_case, city, token_for):
    case = make_case(now=DEC_2024)
    response = client.get("/api/v1/cases/by-ref/rd-2412-1", headers=token_for(city.reporter))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == case.id and body["viewer"]["reporter"] is True


@pytest.mark.parametrize("ref", ["RD-2412-0009", "nonsense", "RD-2412-" + "9" * 30])
def test_by_ref_is_404_for_no_such_case(client, make_case, ref):
    make_case(now=DEC_2024)
    response = client.get(f"/api/v1/cases/by-ref/{ref}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_by_ref_does_not_reveal_a_hidden_case(client, make_case, city, token_for):
    case = make_case(now=DEC_2024)
    hide(client, token_for(city.admin), "case", case.id)
    assert client.get("/api/v1/cases/by-ref/RD-2412-0001").status_code == 404
    own = client.get("/api/v1/cases/by-ref/RD-2412-0001", headers=token_for(city.reporter))
    assert own.status_code == 200


def _file_at_once(app, headers: list[dict]) -> list:
    body = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "A hole."}
    barrier = threading.Barrier(len(headers))
    results = []

    def file(h):
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post("/api/v1/cases", json=body, headers=h)
        results.append((response.status_code, response.get_json()))

    db.session.rollback()
    threads = [threading.Thread(target=file, args=(h,)) for h in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _references() -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(select(Case.reference)))


def test_reports_filed_at_once_get_distinct_consecutive_references(app, city, make_user, token_for):
    headers = [token_for(make_user("resident")) for _ in range(8)]
    results = _file_at_once(app, headers)
    assert [status for status, _ in results] == [201] * 8, results
    month = datetime.now(UTC).strftime("%y%m")
    expected = [f"RD-{month}-{n:04d}" for n in range(1, 9)]
    assert sorted(body["reference"] for _, body in results) == expected
    assert _references() == expected


@pytest.mark.postgresql_only  # row locks under READ COMMITTED
def test_filings_that_reach_the_counter_together_wait_for_each_other(
    app, city, make_user, token_for, monkeypatch
):
    """Force the worst interleaving: both transactions are open and have done everything but
    take a number; the second upsert waits for the first's commit, then takes the next."""
    both_ready = threading.Barrier(2)
    real = references.next_reference

    def after_both_ready(session, code, now):
        both_ready.wait(timeout=10)
        return real(session, code, now)

    monkeypatch.setattr(references, "next_reference", after_both_ready)
    headers = [token_for(make_user("resident")) for _ in range(2)]
    results = _file_at_once(app, headers)
    assert [status for status, _ in results] == [201, 201], results
    month = datetime.now(UTC).strftime("%y%m")
    assert _references() == [f"RD-{month}-0001", f"RD-{month}-0002"]


def test_a_filing_rolled_back_gives_its_number_back(make_case, city):
    data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "A hole."}
    taken = service.create_case(db.session, city.reporter, data, now=DEC_2024)
    assert taken.reference == "RD-2412-0001"
    db.session.rollback()
    assert make_case(now=DEC_2024).reference == "RD-2412-0001"


def test_a_month_past_9999_numbers_on_with_more_digits(make_case, city):
    db.session.add(CaseReferenceCounter(prefix="RD", period="2412", last=9999))
    db.session.commit()
    assert make_case(now=DEC_2024).reference == "RD-2412-10000"


def test_a_random_id_already_taken_is_drawn_again_without_losing_a_number(
    make_case, city, monkeypatch
):
    taken = make_case(now=DEC_2024)
    fresh = taken.id + 1
    draws = iter([taken.id, fresh, fresh + 1])
    monkeypatch.setattr(filing, "_new_id", lambda: next(draws))
    data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "A hole."}
    case = service.create_case(db.session, city.reporter, data, now=DEC_2024)
    db.session.commit()
    db.session.expire_all()
    assert (case.id, case.reference) == (fresh, "RD-2412-0002")
    assert db.session.get(Case, fresh).reference == "RD-2412-0002"
    assert db.session.get(Case, taken.id).reference == "RD-2412-0001"
    assert db.session.query(CaseEvent).filter_by(case_id=fresh).count() == 1
    assert db.session.query(CaseFollower).filter_by(case_id=fresh).count() == 1
    assert db.session.get(CaseSummary, fresh) is not None
    assert make_case(now=DEC_2024).reference == "RD-2412-0003"
