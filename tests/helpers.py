"""Constants and small helpers shared by tests (fixtures live in conftest.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def error_of(response) -> dict:
    """The contract's error body, asserting its shape on the way."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]
