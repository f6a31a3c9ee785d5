"""Constants and small helpers shared by tests (fixtures live in conftest.py)."""

import contextlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def error_of(response) -> dict:
    """The contract's error body, asserting its shape on the way."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


def hide(client, headers, target_type: str, target_id: int, reason: str = "Spam"):
    """Hide one item through the moderation API, asserting that it worked."""
    body = {
        "action": "hide",
        "items": [{"target_type": target_type, "target_id": target_id}],
        "reason": reason,
    }
    response = client.post("/api/v1/moderation/actions", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


@contextlib.contextmanager
def sql_statements(engine=None):
    """The SQL ``engine`` (default: the app's) sends inside the block, in order."""
    from sqlalchemy import event

    from backend.extensions import db

    engine = engine if engine is not None else db.engine
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def query_plan(statement: str, parameters) -> str:
    """The database's plan for a statement the app sent (sequential scans discouraged on
    PostgreSQL, so that a usable index shows), as text."""
    from backend.extensions import db

    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.engine.dialect.name == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # this transaction only
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            connection.rollback()
            return plan
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(row[-1] for row in cursor.fetchall())
    finally:
        connection.close()
