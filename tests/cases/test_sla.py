"""The SLA sweep with a controlled clock: escalation of overdue cases, auto-close of
resolved ones nobody answered, the CLI command and the in-process scheduler."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.cases import sla
from backend.cases.effects import Policy
from backend.cases.models import Case, CaseEvent
from backend.extensions import db

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _case(case_id: int) -> Case:
    db.session.rollback()
    return db.session.get(Case, case_id)


def _escalated(case_id: int) -> bool:
    """Read without keeping a transaction (SQLite: it would hold the write lock)."""
    value = _case(case_id).escalated
    db.session.rollback()
    return value


def _events(case_id: int) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.session.scalars(stmt))


def _sweep(now: datetime, **policy) -> sla.SweepResult:
    result = sla.sweep(db.session, now, policy=Policy(**policy))
    db.session.commit()
    return result


@pytest.mark.parametrize("status", ["assigned", "in_progress"])
def test_overdue_cases_are_escalated_once(make_case, status):
    case = make_case(status, now=T0)  # pothole: 48 h
    assert _sweep(T0 + timedelta(hours=47, minutes=59)).escalated == []
    assert _case(case.id).escalated is False
    result = _sweep(T0 + timedelta(hours=49))
    assert result.escalated == [case.id]
    case = _case(case.id)
    assert case.escalated is True and case.status == status
    event = _events(case.id)[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "escalate",
        status,
        status,
        None,
    )
    assert event.details["overdue_hours"] == 1
    assert _sweep(T0 + timedelta(hours=60)).escalated == []
    assert [e.action for e in _events(case.id)].count("escalate") == 1


@pytest.mark.parametrize("status", ["submitted", "accepted", "resolved", "closed", "rejected"])
def test_only_working_cases_escalate(make_case, status):
    case = make_case(status, now=T0)
    assert _sweep(T0 + timedelta(days=30), auto_close_days=365).escalated == []
    assert _case(case.id).escalated is False


def test_escalation_is_published_to_the_department(make_case):
    from backend.live import publish

    case = make_case("assigned", now=T0)
    found = []
    receiver = lambda _s, rooms=(), event=None, payload=None: found.extend(rooms)  # noqa: E731
    publish.published.connect(receiver)
    try:
        _sweep(T0 + timedelta(days=3))
    finally:
        publish.published.disconnect(receiver)
    assert f"case:{case.id}" in found and "department:roads" in found


def test_transfer_and_resolve_clear_the_flag(make_case, city, client, token_for):
    case = make_case("in_progress", now=T0)
    _sweep(T0 + timedelta(days=3))
    url = f"/api/v1/cases/{case.id}/transitions"
    body = {"action": "transfer", "department": "water", "reason": "theirs"}
    moved = client.post(url, json=body, headers=token_for(city.staff)).get_json()
    assert moved["escalated"] is False
    assert datetime.fromisoformat(moved["due_at"]) > datetime.now(UTC)


def test_resolved_cases_close_themselves_after_n_days(make_case):
    case = make_case("resolved", now=T0)
    assert _sweep(T0 + timedelta(days=6, hours=23)).closed == []
    result = _sweep(T0 + timedelta(days=7))
    assert result.closed == [case.id]
    case = _case(case.id)
    assert case.status == "closed" and case.closed_at == T0 + timedelta(days=7)
    event = _events(case.id)[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "close",
        "resolved",
        "closed",
        None,
    )
    assert "automatically" in event.note


def test_the_auto_close_delay_is_configurable(make_case):
    case = make_case("resolved", now=T0)
    assert _sweep(T0 + timedelta(days=2), auto_close_days=3).closed == []
    assert _sweep(T0 + timedelta(days=3), auto_close_days=3).closed == [case.id]


def test_a_case_changed_meanwhile_is_skipped(make_case, monkeypatch):
    from backend.errors import Conflict

    first = make_case("assigned", now=T0)
    second = make_case("assigned", now=T0 + timedelta(minutes=1))
    real = sla.claim

    def claim(session, case):
        if case.id == first.id:
            raise Conflict("changed")
        real(session, case)

    monkeypatch.setattr(sla, "claim", claim)
    assert _sweep(T0 + timedelta(days=3)).escalated == [second.id]
    assert _case(first.id).escalated is False


def test_many_cases_in_batches(make_case, monkeypatch):
    monkeypatch.setattr(sla, "BATCH", 2)
    cases = [make_case("assigned", now=T0 + timedelta(minutes=i)) for i in range(5)]
    result = _sweep(T0 + timedelta(days=3))
    assert sorted(result.escalated) == sorted(c.id for c in cases)


def test_cli_sla_sweep(app, make_case):
    long_ago = datetime.now(UTC) - timedelta(days=30)
    overdue = make_case("assigned", now=long_ago)
    resolved = make_case("resolved", now=long_ago)
    result = app.test_cli_runner().invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Escalated 1 overdue case(s); auto-closed 1." in result.output
    assert _case(overdue.id).escalated is True
    assert _case(resolved.id).status == "closed"


def test_the_scheduler_sweeps_in_the_background(app, make_case):
    case = make_case("assigned", now=datetime.now(UTC) - timedelta(days=3))
    db.session.rollback()
    thread = sla.start_sla_scheduler(app, first_delay=0.01)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _escalated(case.id):
            time.sleep(0.05)
    finally:
        thread.stop.set()
        thread.join(timeout=5)
    assert _escalated(case.id) is True
    assert thread.daemon and not thread.is_alive()


def test_a_failing_sweep_is_logged_not_raised(app, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(sla, "sweep", broken)
    assert sla.run_once(app) is None
    assert "SLA sweep failed" in caplog.text
