"""`flask demo` fills the city with cases in every status, with histories that replay."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from backend.cases.models import Case, CaseEvent, CasePhoto, Status
from backend.extensions import db
from backend.media.storage import media_storage


def test_demo_cases(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo cases" in result.output
    statuses = dict(
        db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
    )
    assert set(statuses) == {s.value for s in Status}
    assert 200 <= sum(statuses.values()) <= 400
    assert db.session.scalar(select(func.count()).where(Case.escalated.is_(True))) > 0
    photos = db.session.scalars(select(CasePhoto)).all()
    storage = media_storage(app.config["DATA_DIR"])
    assert photos and all(storage.exists(p.key) and storage.exists(p.thumb_key) for p in photos)
    history = defaultdict(list)
    for event in db.session.scalars(select(CaseEvent).order_by(CaseEvent.id)):
        history[event.case_id].append(event)
    for case in db.session.scalars(select(Case)):
        events = history[case.id]
        assert events[0].action == "submit"
        assert events[-1].to_status == case.status
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    # Assignments are spread: to each person of Roads, and some to a department alone.
    roads = set(db.session.scalars(select(Case.assignee_id).where(Case.reference.like("RD-%"))))
    assert len(roads - {None}) == 2, roads
    waiting = select(Case.id).where(Case.status == Status.ASSIGNED, Case.assignee_id.is_(None))
    assert db.session.scalar(waiting.limit(1)) is not None
    again = app.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
