"""Rows derived from a case (the statistics summary, the search index), kept in step with it
in the same transaction.

Each derivation says which cases a flush touched for it and which columns of ``cases`` it
copies. The transaction collects the touched ids per derivation and each derivation rewrites
its rows once, when the outermost transaction commits: a case filed with its event and its
follower costs one rewrite, not one per flush. A bulk ``UPDATE``/``DELETE`` of cases (the
ORM's ``update(Case)``, which bypasses flushes) adds the cases it matches, read before it
runs, for each derivation whose columns it sets.

Refreshing a case whose change a savepoint undid rewrites the same row: harmless.

Each refresh is also told which of its cases this transaction filed (``born``): nobody else
can see those before the commit and none has a derived row yet, so there is nothing to lock
or delete first, only rows to add. On PostgreSQL, when every case due is born, the
derivations' INSERTs go as one statement (each but one a data-modifying ``WITH``): a report
pays one round trip at commit, not one per derivation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Executable, Insert, event, inspect, select
from sqlalchemy.orm import Session

from backend.cases.models import Case


@dataclass(frozen=True)
class Derivation:
    name: str
    columns: frozenset[str]  # the columns of cases it copies: a bulk UPDATE of others is free
    touched: Callable[[Session], Iterable[int]]  # after a flush: the cases to rewrite
    refresh: Callable[[Session, set[int], set[int]], None]  # at commit: (ids, born) rewritten
    follows_deletes: bool  # whether a bulk DELETE of cases leaves rows to drop
    # PostgreSQL, cases all born here: (the INSERT of their rows, its parameters), to send
    # with the other derivations'; None when it cannot (then ``refresh`` does)
    born_insert: Callable[[Session, set[int]], tuple[Executable, dict] | None] | None = None


_derivations: list[Derivation] = []
DUE = "derived_rows_due"  # session.info: {derivation name: ids the commit rewrites}
BORN = "cases_born"  # session.info: ids of the cases this transaction inserted


def register(derivation: Derivation) -> Derivation:
    _derivations[:] = [d for d in _derivations if d.name != derivation.name] + [derivation]
    return derivation


def held_case(session: Session, case_id: int) -> Case | None:
    """The case as this session holds it, without asking the database."""
    return session.identity_map.get(inspect(Case).identity_key_from_primary_key((case_id,)))


def _due(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(DUE, {})


def filed(session: Session, case_id: int) -> None:
    """A case this transaction inserted past the unit of work (:mod:`.filing`): every
    derivation writes its rows at commit, as for a case a flush inserted."""
    due = _due(session)
    for derivation in _derivations:
        due.setdefault(derivation.name, set()).add(case_id)
    session.info.setdefault(BORN, set()).add(case_id)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    due = _due(session)
    for derivation in _derivations:
        due.setdefault(derivation.name, set()).update(derivation.touched(session))
    born = {obj.id for obj in session.new if isinstance(obj, Case)}
    if born:
        session.info.setdefault(BORN, set()).update(born)


def _concerned(state) -> list[Derivation]:
    if state.is_delete:
        return [d for d in _derivations if d.follows_deletes]
    values = getattr(state.statement, "_values", None)  # None: unknown values
    if values is None:
        return list(_derivations)
    columns = {getattr(key, "key", key) for key in values}
    return [d for d in _derivations if columns & d.columns]


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_change(state) -> None:
    """A bulk ``UPDATE``/``DELETE`` of cases: note the cases it matches before it runs, and
    expire what the session holds of them (``synchronize_session=False`` leaves it stale)."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is not inspect(Case):
        return
    concerned = _concerned(state)
    if not concerned:
        return
    session = state.session
    where = state.statement.whereclause
    ids = set(session.scalars(select(Case.id) if where is None else select(Case.id).where(where)))
    due = _due(session)
    for derivation in concerned:
        due.setdefault(derivation.name, set()).update(ids)
    held = (
        session.identity_map.get(inspect(Case).identity_key_from_primary_key((i,))) for i in ids
    )
    for case in filter(None, held):
        session.expire(case)


@event.listens_for(Session, "before_commit")
def _rewrite_due(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer commit will
        return
    session.flush()
    due = session.info.pop(DUE, None) or {}
    born = session.info.pop(BORN, None) or set()
    pending = [(d, due[d.name]) for d in _derivations if due.get(d.name)]
    if _insert_born_at_once(session, pending, born):
        return
    for derivation, ids in pending:
        derivation.refresh(session, ids, ids & born)


def _insert_born_at_once(session: Session, pending: list, born: set[int]) -> bool:
    """On PostgreSQL, every case due born here: all the derivations' INSERTs as one
    statement. Answers whether it was sent."""
    if len(pending) < 2 or session.connection().dialect.name != "postgresql":
        return False
    if not all(d.born_insert is not None and ids <= born for d, ids in pending):
        return False
    inserts = [d.born_insert(session, ids) for d, ids in pending]
    if None in inserts:
        return False
    statement = _at_once(tuple(stmt for stmt, _params in inserts))
    if statement is None:
        return False
    params: dict = {}
    for _stmt, values in inserts:
        if params.keys() & values.keys():
            raise ValueError(f"derivations share parameter names: {params.keys() & values.keys()}")
        params |= values
    session.connection().execute(statement, params)
    return True


@cache
def _at_once(statements: tuple[Executable, ...]) -> Executable | None:
    """One statement of ``statements``: a Core INSERT, the others as its ``WITH``s, so that
    what watches the tables written (:mod:`backend.publiccache`) still names one; None
    without a Core INSERT among them."""
    main = next((s for s in statements if isinstance(s, Insert)), None)
    if main is None:
        return None
    others = [s for s in statements if s is not main]
    return main.add_cte(*(s.cte(f"derived_{n}") for n, s in enumerate(others)))


@event.listens_for(Session, "after_soft_rollback")
def _forget_due(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(DUE, None)
        session.info.pop(BORN, None)
