"""The per-case summary rows the statistics read (:class:`CaseSummary`).

A row is recomputed from the case, its event log and its rating when a transaction that
added, changed or deleted any of them commits (once, however many flushes it made), or
ran a bulk ``UPDATE`` of the columns it copies from cases (moderation hides a case that
way; :mod:`backend.cases.derived` does the bookkeeping): the figures never lag behind the
transitions, and there is one computation to trust (the same SELECT backfills the table,
:func:`backfill`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import and_, bindparam, case, delete, func, insert, inspect, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.cases import derived
from backend.cases.models import Case, CaseEvent, CaseRating, Status
from backend.stats.models import CaseSummary
from backend.stats.sql import hours_between

BATCH = 5000
COLUMNS = (
    "case_id", "created_at", "closed_at", "due_at", "category_id", "department_id", "status",
    "hidden", "lat", "lon", "assigned", "transferred", "resolved_once", "reworked", "on_time",
    "score", "accept_hours", "resolve_hours", "close_hours",
)  # fmt: skip


def rows_of(condition, dialect: str):
    """SELECT of the summary rows (in ``COLUMNS`` order) of the cases matching ``condition``."""
    e = CaseEvent

    def first(matches):
        return func.min(case((matches, e.created_at)))

    def ever(matches):
        return func.max(case((matches, 1), else_=0))

    log = (
        select(
            e.case_id.label("case_id"),
            first(e.action == "accept").label("accept"),
            first(e.action == "resolve").label("resolve"),
            first(e.to_status == Status.CLOSED).label("close"),
            ever(e.to_status == Status.ASSIGNED).label("assigned"),
            ever(e.action == "transfer").label("transferred"),
            ever(e.action == "resolve").label("resolved_once"),
            ever(e.action == "reopen").label("reopened"),
        )
        .where(e.case_id.in_(select(Case.id).where(condition)))
        .group_by(e.case_id)
        .subquery()
    )
    resolved = func.coalesce(log.c.resolved_once, 0)
    on_time = and_(
        Case.status == Status.CLOSED, or_(Case.due_at.is_(None), Case.closed_at <= Case.due_at)
    )
    return (
        select(
            Case.id,
            Case.created_at,
            Case.closed_at,
            Case.due_at,
            Case.category_id,
            Case.department_id,
            Case.status,
            Case.hidden,
            Case.lat,
            Case.lon,
            func.coalesce(log.c.assigned, 0),
            func.coalesce(log.c.transferred, 0),
            resolved,
            case((resolved == 1, func.coalesce(log.c.reopened, 0)), else_=0),
            case((on_time, 1), else_=0),
            CaseRating.score,
            *(hours_between(Case.created_at, log.c[name], dialect) for name in MILESTONES),
        )
        .outerjoin(log, log.c.case_id == Case.id)
        .outerjoin(CaseRating, CaseRating.case_id == Case.id)
        .where(condition)
    )


MILESTONES = ("accept", "resolve", "close")


def refresh(connection: Connection, case_ids: Iterable[int], *, born: Iterable[int] = ()) -> None:
    """Recompute the rows of these cases (dropping those of cases that are gone). ``born``:
    those the caller's transaction filed, which have no row yet and nobody else sees."""
    ids, new = sorted(set(case_ids)), set(born)
    table = CaseSummary.__table__
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        known = [case_id for case_id in chunk if case_id not in new]
        if known and connection.dialect.name == "postgresql":
            # one refresh of a case at a time: a concurrent one waits here, then reads what
            # the first committed (without the lock, its DELETE would miss the first's new
            # row and its INSERT collide with it). FOR NO KEY UPDATE, like any UPDATE of the
            # case: FOR UPDATE would also wait for rows being inserted that refer to the case
            # (a "me too" holds KEY SHARE) and deadlock with that transaction's own UPDATE.
            connection.execute(
                select(Case.id)
                .where(Case.id.in_(known))
                .order_by(Case.id)
                .with_for_update(key_share=True)
            )
        if known:
            connection.execute(delete(table).where(table.c.case_id.in_(known)))
        connection.execute(_rewrite(connection.dialect.name), {"ids": chunk})


@cache
def _rewrite(dialect: str):
    """INSERT ... SELECT of the rows of the cases in ``:ids``, built once per dialect."""
    return insert(CaseSummary.__table__).from_select(
        list(COLUMNS), rows_of(Case.id.in_(bindparam("ids", expanding=True)), dialect)
    )


def backfill(connection: Connection, batch: int = BATCH) -> int:
    """Rebuild every row, ``batch`` cases at a time (in case id order); answers how many."""
    done, last = 0, None
    while True:
        query = select(Case.id).order_by(Case.id).limit(batch)
        if last is not None:
            query = query.where(Case.id > last)
        ids = connection.scalars(query).all()
        if not ids:
            return done
        refresh(connection, ids)
        done, last = done + len(ids), ids[-1]


def _case_id(obj) -> int | None:
    if isinstance(obj, Case):
        identity = inspect(obj).identity
        return identity[0] if identity else obj.id
    if isinstance(obj, CaseEvent | CaseRating):
        return obj.case_id
    return None


# the columns of cases a summary row copies; a bulk UPDATE of others (the version a
# transition claims) needs no refresh
COPIED = frozenset(COLUMNS[1:10])


def _touched(session: Session) -> set[int]:
    return {
        case_id
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
        if (case_id := _case_id(obj)) is not None
    }


derived.register(
    derived.Derivation(
        name="case_summaries",
        columns=COPIED,
        touched=_touched,
        refresh=lambda session, ids, born: refresh(session.connection(), ids, born=born),
        follows_deletes=True,
        born_insert=lambda _session, ids: (
            (_rewrite("postgresql"), {"ids": sorted(ids)}) if len(ids) <= BATCH else None
        ),
    )
)
