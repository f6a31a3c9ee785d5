"""Residents taking part in a case: following, "me too" support and the final rating."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.permissions import Permission, is_authenticated, refusal, require_user
from backend.cases.history import record_event
from backend.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseFacts,
    CaseFollower,
    CaseRating,
    CaseSupporter,
    Status,
)
from backend.db import utcnow
from backend.errors import Conflict, DomainError, Forbidden, NotAuthenticated
from backend.text import clean_text


def add_follower(session: Session, case: Case, user_id: int) -> bool:
    """Follow without failing on a duplicate (a concurrent request may have won)."""
    if session.get(CaseFollower, (case.id, user_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(CaseFollower(case_id=case.id, user_id=user_id))
    except IntegrityError:
        return False
    return True


def follow(session: Session, case: Case, user) -> bool:
    """Anyone signed in may follow any case they can see."""
    require_user(user)
    add_follower(session, case, user.id)
    return True


def unfollow(session: Session, case: Case, user) -> bool:
    require_user(user)
    session.execute(
        delete(CaseFollower).where(CaseFollower.case_id == case.id, CaseFollower.user_id == user.id)
    )
    return False


def _change_supporters(session: Session, case: Case, delta: int | None = None) -> None:
    """Add ``delta`` in SQL (safe under concurrency), or recount when it is None."""
    if delta is None:
        counted = select(func.count()).where(CaseSupporter.case_id == case.id)
        case.supporters_count = counted.scalar_subquery()
    else:
        case.supporters_count = Case.supporters_count + delta
    session.flush()
    session.refresh(case, ["supporters_count", "updated_at"])


def support_refusal(user, case: CaseFacts) -> DomainError | None:
    """Why ``user`` may not say "me too" on ``case`` (whether they already did aside)."""
    error = refusal(user, Permission.REPORT)
    if error is not None:
        return error
    if case.reporter_id == user.id:
        return Conflict("You reported this case yourself.", code="own_case")
    if case.status not in OPEN_STATUSES:
        return Conflict("Only open cases can be supported.", code="case_not_open")
    return None


def support(session: Session, case: Case, user) -> int:
    """ "Me too": once per person, on an open case that is not one's own. Also follows."""
    error = support_refusal(user, case)
    if error is not None:
        raise error
    if session.get(CaseSupporter, (case.id, user.id)) is not None:
        raise Conflict("You already support this case.", code="already_supporting")
    try:
        with session.begin_nested():
            session.add(CaseSupporter(case_id=case.id, user_id=user.id))
    except IntegrityError:
        raise Conflict("You already support this case.", code="already_supporting") from None
    add_follower(session, case, user.id)
    _change_supporters(session, case, +1)
    return case.supporters_count


def unsupport(session: Session, case: Case, user) -> int:
    require_user(user)
    removed = session.execute(
        delete(CaseSupporter).where(
            CaseSupporter.case_id == case.id, CaseSupporter.user_id == user.id
        )
    )
    if removed.rowcount:
        _change_supporters(session, case, -1)
    return case.supporters_count


def move_supporters(session: Session, source: Case, target: Case) -> None:
    """On a merge, followers and supporters (and the reporter, as a supporter) move over."""
    for model in (CaseFollower, CaseSupporter):
        taken = set(session.scalars(select(model.user_id).where(model.case_id == target.id)))
        moving = session.scalars(select(model.user_id).where(model.case_id == source.id)).all()
        for user_id in set(moving) - taken - {target.reporter_id}:
            session.add(model(case_id=target.id, user_id=user_id))
        session.execute(delete(model).where(model.case_id == source.id))
    session.flush()
    if source.reporter_id is not None and source.reporter_id != target.reporter_id:
        if session.get(CaseSupporter, (target.id, source.reporter_id)) is None:
            session.add(CaseSupporter(case_id=target.id, user_id=source.reporter_id))
        add_follower(session, target, source.reporter_id)
    _change_supporters(session, target)
    _change_supporters(session, source)


def rating_refusal(user, case: CaseFacts) -> DomainError | None:
    """Why ``user`` may not rate ``case`` now, or None."""
    if not is_authenticated(user):
        return NotAuthenticated("Sign in first.")
    if case.reporter_id != user.id:
        return Forbidden("Only the reporter can rate the handling.", code="not_reporter")
    if case.status != Status.CLOSED:
        return Conflict("A case can be rated once it is closed.", code="case_not_closed")
    if case.rating is not None:
        return Conflict("This case has been rated already.", code="already_rated")
    return None


def rate(
    session: Session,
    case: Case,
    user,
    score: int,
    comment: str | None = None,
    *,
    now: datetime | None = None,
) -> CaseRating:
    """The reporter rates the handling once, after the case is closed."""
    error = rating_refusal(user, case)
    if error is not None:
        raise error
    now = now or utcnow()
    comment = clean_text(comment, "comment", max_length=2000, multiline=True, required=False)
    case.rating = CaseRating(user_id=user.id, score=score, comment=comment, created_at=now)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("This case has been rated already.", code="already_rated") from None
    record_event(session, case, user, "rate", now=now, note=comment, details={"score": score})
    return case.rating
