"""The statistics' per-case summary rows equal what the raw cases, events and ratings say.

The story of test_evaluation_figures (created, accepted, assigned, transferred, resolved,
reopened, closed late and on time, rated and unrated, rejected, merged) plus a hidden case
and a recategorised one: every row is compared with a reference computed here in Python from
the ORM objects, after live writes and after the migration's backfill. (The figures summed
from these rows are checked against hand-computed values in test_evaluation_figures.)
"""

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from backend.cases import service
from backend.cases.models import Case, CaseEvent, CaseRating, Status
from backend.extensions import db
from backend.moderation import service as moderation
from backend.stats import summary
from backend.stats.models import CaseSummary
from tests.stats.test_evaluation_figures import at, story  # noqa: F401

MIGRATION = Path(__file__).parents[2] / "migrations/versions/0013_case_summaries.py"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _hours(start, end):
    return None if end is None else round((_utc(end) - _utc(start)).total_seconds() / 3600, 6)


def reference(case: Case) -> dict:
    """A case's summary row from its row, its events and its rating, computed in Python."""
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    rating = db.session.get(CaseRating, case.id)

    def first(matches):
        moments = [_utc(e.created_at) for e in events if matches(e)]
        return min(moments) if moments else None

    resolved = any(e.action == "resolve" for e in events)
    closed = case.status == Status.CLOSED
    return {
        "created_at": _utc(case.created_at),
        "closed_at": _utc(case.closed_at),
        "due_at": _utc(case.due_at),
        "category_id": case.category_id,
        "department_id": case.department_id,
        "status": case.status,
        "hidden": case.hidden,
        "lat": case.lat,
        "lon": case.lon,
        "assigned": int(any(e.to_status == Status.ASSIGNED for e in events)),
        "transferred": int(any(e.action == "transfer" for e in events)),
        "resolved_once": int(resolved),
        "reworked": int(resolved and any(e.action == "reopen" for e in events)),
        "on_time": int(closed and (case.due_at is None or case.closed_at <= case.due_at)),
        "score": rating.score if rating else None,
        "accept_hours": _hours(case.created_at, first(lambda e: e.action == "accept")),
        "resolve_hours": _hours(case.created_at, first(lambda e: e.action == "resolve")),
        "close_hours": _hours(case.created_at, first(lambda e: e.to_status == Status.CLOSED)),
    }


def stored() -> dict[int, dict]:
    db.session.expire_all()
    rows = {}
    for row in db.session.scalars(select(CaseSummary)):
        values = {column: getattr(row, column) for column in summary.COLUMNS[1:]}
        for name in ("created_at", "closed_at", "due_at"):
            values[name] = _utc(values[name])
        for name in ("accept_hours", "resolve_hours", "close_hours"):
            if values[name] is not None:
                values[name] = round(values[name], 6)
        rows[row.case_id] = values
    return rows


def expected() -> dict[int, dict]:
    db.session.expire_all()
    return {case.id: reference(case) for case in db.session.scalars(select(Case))}


@pytest.fixture
def changed_story(story, city):  # noqa: F811
    """The story, then a moderator hides H (a bulk UPDATE, no case event) and C moves to
    another category of its department (a plain ORM change)."""
    moderation.act(
        db.session,
        city.admin,
        action="hide",
        items=[{"target_type": "case", "target_id": story["H"].id}],
        reason="Off topic.",
    )
    story["A"].category_id = city.leak.id
    db.session.commit()
    return story


def test_live_rows_equal_the_raw_cases_events_and_ratings(changed_story):
    rows = stored()
    assert len(rows) == 9
    assert rows == expected()
    assert rows[changed_story["H"].id]["hidden"] is True
    assert rows[changed_story["A"].id]["category_id"] == changed_story["A"].category_id


def test_every_step_keeps_its_row_current(story, city):  # noqa: F811
    """After each further step (not only at the end of a story) the row is right."""
    case = service.create_case(
        db.session,
        city.reporter,
        {"category": city.pothole.code, "lat": 31.2, "lon": 121.4, "description": "x"},
        now=at("2026-02-10"),
    )
    db.session.commit()
    assert stored()[case.id] == reference(case)
    for action, hours, values in [
        ("accept", 1, {}),
        ("assign", 2, {}),
        ("transfer", 3, {"reason": "Theirs.", "department": "water"}),
        ("start", 4, {}),
        ("resolve", 5, {"note": "Done."}),
        ("reopen", 6, {"reason": "Not done."}),
    ]:
        service.transition(
            db.session, case, city.admin, {"action": action, **values}, now=at("2026-02-10", hours)
        )
        db.session.commit()
        assert stored()[case.id] == reference(case), action
    db.session.delete(case)
    db.session.commit()
    assert case.id not in stored()


@pytest.mark.parametrize("batch", [1, 2, 5000])
def test_the_migration_backfill_writes_the_live_rows(changed_story, batch):
    live = stored()
    spec = importlib.util.spec_from_file_location("migration_0013", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.session.connection()
    connection.execute(delete(CaseSummary.__table__))
    assert migration.backfill(connection, batch=batch) == len(live)
    db.session.commit()
    assert stored() == live
    connection = db.session.connection()
    connection.execute(delete(CaseSummary.__table__))
    assert summary.backfill(connection, batch=batch) == len(live)
    db.session.commit()
    assert stored() == live


@pytest.mark.postgresql_only
def test_two_refreshes_of_one_case_at_once_both_succeed(app, story):  # noqa: F811
    """The second waits for the first's commit, then rewrites the row (no duplicate key)."""
    import threading

    case_id = story["A"].id
    db.session.commit()
    engine = db.engine
    first = engine.connect()
    first.begin()
    summary.refresh(first, [case_id])  # holds the case's lock until commit
    errors = []

    def second():
        try:
            with engine.begin() as connection:
                summary.refresh(connection, [case_id])
        except Exception as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1)
    waited = thread.is_alive()  # waiting for the first
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert waited
    assert errors == []
    assert stored()[case_id] == reference(db.session.get(Case, case_id))
