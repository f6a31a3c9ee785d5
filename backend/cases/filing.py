"""Writing a new case, its ``submit`` event and its reporter's follower row past the ORM's
unit of work: SQLAlchemy Core INSERTs of what the request already holds, nothing read back.

On PostgreSQL it is one statement::

    WITH r AS (INSERT INTO case_reference_counters ... ON CONFLICT DO UPDATE ... RETURNING last),
         c AS (INSERT INTO cases ... reference from r ... ON CONFLICT (id) DO NOTHING RETURNING id),
         f AS (INSERT INTO case_followers SELECT c.id, ... FROM c)
    INSERT INTO case_events ... SELECT c.id, ... FROM c RETURNING id, (SELECT reference FROM c)

so the counter row is still locked just before the case's INSERT (:mod:`.references`). A
random id that is taken already inserts nothing but the counter's bump: the number this
transaction now holds is read back and the case written again with another id. SQLite
sends the counter's upsert and the three INSERTs one by one (an id that is taken returns
no row there).

The case and its event then join the session as if loaded (every column set, nothing
pending), so the transitions, photos and live payloads that follow use them as usual, and
the derived rows (:mod:`.derived`) are told of the new case as a flush would tell them.
"""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import Integer, String, bindparam, cast, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from backend.cases import derived, references
from backend.cases.access import ID_MIN
from backend.cases.models import Case, CaseEvent, CaseFollower, CaseReferenceCounter
from backend.db import utcnow
from backend.ids import ID_MAX

CASES = Case.__table__
EVENTS = CaseEvent.__table__
FOLLOWERS = CaseFollower.__table__
COUNTERS = CaseReferenceCounter.__table__
CASE_COLUMNS = tuple(c.key for c in CASES.columns)
EVENT_COLUMNS = tuple(c.key for c in EVENTS.columns if c.key != "id")


def write(
    session: Session, case: Case, *, details: dict | None, follower_id: int | None
) -> CaseEvent:
    """INSERT ``case`` (every field set but ``id`` and ``reference``) with its ``submit``
    event and, given ``follower_id``, that user's follower row; the case gets its id and
    reference, and the case and its event are in the session as stored. Returns the event.
    """
    code = case.department.code if case.department is not None else case.category.code
    prefix, period = references.prefix_for(code), case.created_at.strftime("%y%m")
    _complete(case)
    event = CaseEvent(
        case_id=None,
        action="submit",
        from_status=None,
        to_status=case.status,
        actor_id=case.reporter_id,
        note=None,
        reason=None,
        department_id=None,
        details=details or {},
        internal=False,
        created_at=case.created_at,
    )
    connection = session.connection()
    case.id, reference = _new_id(), None
    if connection.dialect.name == "postgresql":
        params = _params(case, event, follower_id, prefix=prefix, period=period)
        row = connection.execute(_filing(follower_id is not None), params).first()
        if row is not None:
            event.id, case.reference = row
        else:  # the id was taken: the counter moved, and its row is ours until the commit
            number = connection.execute(_counter(), {"prefix": prefix, "period": period})
            reference = references.format_reference(prefix, period, number.scalar_one())
    else:
        reference = references.next_reference(session, code, case.created_at)
    if reference is not None:
        case.reference = reference
        event.id = _write_apart(connection, case, event, follower_id)
    event.case_id = case.id
    _attach(session, case, event)
    derived.filed(session, case.id)
    return event


# --- the statements ---------------------------------------------------------------------------


def _new_id() -> int:
    """A random id: case numbers do not tell how many cases there are."""
    return ID_MIN + secrets.randbelow(ID_MAX - ID_MIN)


def _params(case: Case, event: CaseEvent, follower_id, **extra) -> dict:
    params = {f"c_{name}": getattr(case, name) for name in CASE_COLUMNS if name != "reference"}
    params.update(
        {f"e_{name}": getattr(event, name) for name in EVENT_COLUMNS if name != "case_id"}
    )
    if follower_id is not None:
        params.update(f_user_id=follower_id, f_created_at=utcnow())
    return params | extra


def _binds(table, names, prefix: str) -> dict:
    return {name: bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names}


@cache
def _filing(with_follower: bool):
    """PostgreSQL's one statement (see the module's docstring), built once."""
    counter = (
        postgresql.insert(COUNTERS)
        .values(prefix=bindparam("prefix"), period=bindparam("period"), last=1)
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.prefix, COUNTERS.c.period],
            set_={"last": COUNTERS.c.last + 1},
        )
        .returning(COUNTERS.c.last)
        .cte("r")
    )
    number = cast(counter.c.last, String)
    reference = func.concat(  # references.format_reference: at least four digits
        bindparam("prefix", type_=String), "-", bindparam("period", type_=String), "-",
        func.lpad(number, func.greatest(4, func.length(number)), "0"),
    )  # fmt: skip
    case_values = _binds(CASES, [n for n in CASE_COLUMNS if n != "reference"], "c_")
    filed = (
        postgresql.insert(CASES)
        .values(**case_values, reference=select(reference).scalar_subquery())
        .on_conflict_do_nothing(index_elements=[CASES.c.id])
        .returning(CASES.c.id, CASES.c.reference)
        .cte("c")
    )
    event_values = _binds(EVENTS, [n for n in EVENT_COLUMNS if n != "case_id"], "e_")
    stmt = (
        insert(EVENTS)
        .from_select(
            ["case_id", *event_values],
            select(filed.c.id.label("case_id"), *event_values.values()),
        )
        .returning(EVENTS.c.id, select(filed.c.reference).scalar_subquery())
    )
    if with_follower:
        follower = insert(FOLLOWERS).from_select(
            ["case_id", "user_id", "created_at"],
            select(
                filed.c.id,
                bindparam("f_user_id", type_=Integer),
                bindparam("f_created_at", type_=FOLLOWERS.c.created_at.type),
            ),
        )
        stmt = stmt.add_cte(follower.cte("f"))
    return stmt


@cache
def _counter():
    return select(COUNTERS.c.last).where(
        COUNTERS.c.prefix == bindparam("prefix"), COUNTERS.c.period == bindparam("period")
    )


@cache
def _apart(dialect_name: str):
    """The INSERTs one by one: the case (nothing if its id is taken), event, follower."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    case = dialect.insert(CASES).on_conflict_do_nothing(index_elements=[CASES.c.id])
    return case.returning(CASES.c.id), insert(EVENTS), insert(FOLLOWERS)


def _write_apart(connection, case: Case, event: CaseEvent, follower_id) -> int:
    insert_case, insert_event, insert_follower = _apart(connection.dialect.name)
    values = {name: getattr(case, name) for name in CASE_COLUMNS}
    while connection.execute(insert_case, values).first() is None:
        values["id"] = case.id = _new_id()
    values = {name: getattr(event, name) for name in EVENT_COLUMNS} | {"case_id": case.id}
    event_id = connection.execute(insert_event, values).inserted_primary_key[0]
    if follower_id is not None:
        connection.execute(
            insert_follower, {"case_id": case.id, "user_id": follower_id, "created_at": utcnow()}
        )
    return event_id


# --- joining the session ----------------------------------------------------------------------


def _complete(case: Case) -> None:
    """Give every column the value its INSERT stores (the columns' scalar defaults), so the
    case in the session never needs a read."""
    for column in CASES.columns:
        if column.key in case.__dict__ or column.key in ("id", "reference"):
            continue
        if column.default is not None and column.default.is_scalar:
            setattr(case, column.key, column.default.arg)
        elif column.default is None and column.nullable:
            setattr(case, column.key, None)
        else:
            raise ValueError(f"a new case needs its {column.key}")


def _attach(session: Session, case: Case, event: CaseEvent) -> None:
    """The stored case and event, in the session as if just loaded."""
    event.case, event.actor, event.department = case, case.reporter, None
    for obj in (case, event):
        make_transient_to_detached(obj)
        session.add(obj)
