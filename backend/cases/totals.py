"""A list's total on PostgreSQL: counted exactly up to ``EXACT_UP_TO`` matches, past that
the planner's estimate, flagged as one (``total_estimated``; docs/cases.md, "Lists and
indexes" and "Text search"). The one rule for the text search (:mod:`backend.cases.search`)
and the plain lists (:mod:`backend.cases.queries`); SQLite counts exactly.
"""

from __future__ import annotations

from sqlalchemy import ClauseElement, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

# Past this many matches PostgreSQL's total is its planner's estimate (flagged so): counting
# 17,000 matches exactly costs as much as the rest of the answer, and no one pages so far.
EXACT_UP_TO = 1000


def count_up_to(session: Session, stmt: Select, beyond: int = 0) -> int:
    """How many rows ``stmt`` has, counted no further than ``EXACT_UP_TO + 1`` (and
    ``beyond`` more): past ``EXACT_UP_TO`` (and those) means "too many to count"."""
    capped = stmt.order_by(None).limit(EXACT_UP_TO + 1 + beyond).subquery()
    return session.scalar(select(func.count()).select_from(capped)) or 0


def estimate(session: Session, stmt: Select, counted: int) -> int:
    """The planner's estimate of the rows of ``stmt``, never less than ``counted`` (the
    rows already counted of it, or of a narrower statement)."""
    plan = session.scalar(Explain(stmt.order_by(None)))
    return max(int(plan[0]["Plan"]["Plan Rows"]), counted)


def total(session: Session, matches: Select, hidden: Select | None = None) -> tuple[int, bool]:
    """The total of a list and whether it is an estimate. ``matches``: the rows of the
    list's filters; ``hidden``: the few of them the viewer may not see (None: they see
    all), counted first, exactly, and left out. Up to ``EXACT_UP_TO`` visible rows are
    counted; past that the answer is the planner's estimate of ``matches`` (with the
    hidden ones in: they are few, and the planner would guess them badly)."""
    few = 0 if hidden is None else session.scalar(_count(hidden)) or 0
    counted = count_up_to(session, matches, beyond=few) - few
    if counted <= EXACT_UP_TO:
        return counted, False
    return estimate(session, matches, counted), True


def _count(stmt: Select) -> Select:
    return select(func.count()).select_from(stmt.order_by(None).subquery())


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement: PostgreSQL's plan, with its row estimate."""

    inherit_cache = False

    def __init__(self, statement: Select):
        self.statement = statement


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler, **kw) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)
