from sqlalchemy import select

from backend.aftercommit import after_commit
from backend.departments.models import Department
from backend.extensions import db


def test_callbacks_wait_for_the_outermost_commit(app):
    calls = []
    after_commit(db.session, calls.append, "outer")
    with db.session.begin_nested():
        after_commit(db.session, calls.append, "inner")
        db.session.execute(select(Department.id))
    assert calls == []  # releasing the savepoint is not a commit
    db.session.commit()
    assert calls == ["outer", "inner"]


def test_rollback_drops_callbacks(app):
    calls = []
    after_commit(db.session, calls.append, "never")
    db.session.rollback()
    db.session.commit()
    assert calls == []


def test_a_failing_callback_does_not_stop_the_others(app):
    calls = []
    after_commit(db.session, lambda: 1 / 0)
    after_commit(db.session, calls.append, "still")
    db.session.commit()
    assert calls == ["still"]
