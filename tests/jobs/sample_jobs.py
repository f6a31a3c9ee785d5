"""Module-level job functions for the tests (a queue worker imports them by name)."""

from pathlib import Path

from flask import current_app

from backend.extensions import db
from backend.live.publish import publish

ran: list[tuple] = []  # what in-process runs did


def record(label: str) -> None:
    ran.append((label, current_app.name))


def write_file(path: str, text: str) -> None:
    """Proves a job ran in another process, inside an app context with its config."""
    Path(path).write_text(f"{text} {current_app.config['DATA_DIR']}")


def fail() -> None:
    raise RuntimeError("this job fails on purpose")


def announce(room: str, message: str) -> None:
    """Publish a live event from a job, the way domain jobs do (sent after commit)."""
    publish(db.session, room, "announcement", {"message": message})
    db.session.commit()
