""" "Download my data" and "delete my account".

Both read the same map of where a person is named: every column with a foreign key to
``users.id`` (found in the metadata, so a new table is covered the day it is added), plus
the contact columns of cases. The export lists those rows; the deletion anonymises the
rows the city keeps (cases, comments, events: the key is set to NULL, contacts cleared)
and deletes the rest with the account (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from datetime import date, datetime

from blinker import Namespace
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from backend.auth.models import AuthToken, User
from backend.extensions import db

# Never exported: secrets (or their hashes) and keys that are no one's business.
SECRET_COLUMNS = {"password_hash", "token_hash", "key_hash", "p256dh", "auth", "request_hash"}
# Tables named for people in the export, the rest under their table name.
SECTIONS = {
    "cases": "cases",
    "case_photos": "photos",
    "comments": "comments",
    "comment_votes": "votes",
    "proposal_votes": "votes",
    "case_supporters": "votes",
    "case_followers": "follows",
    "proposal_followers": "follows",
    "notifications": "notifications",
    "notification_preferences": "notification_preferences",
    "push_subscriptions": "devices",
    "auth_tokens": "devices",
}
SECTION_NAMES = sorted(set(SECTIONS.values()))

# Sent (session, user_id=) when an account is erased, before its keys are cleared: a domain
# that keeps rows for the city anonymises more than the key there (cases: the contact).
account_erasing = Namespace().signal("account_erasing")


def user_columns(*, kept: bool | None = None) -> list[tuple[Table, str]]:
    """(table, column) for every column that refers to a user; ``kept=True``: only those
    whose rows outlive the account (``ON DELETE SET NULL``)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            keys = [fk for fk in column.foreign_keys if fk.column.table.name == "users"]
            if keys and (kept is None or kept == (keys[0].ondelete == "SET NULL")):
                found.append((table, column.name))
    return found


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(table: Table, row, column: str) -> dict:
    item = {"table": table.name, "as": column}
    item |= {k: _plain(v) for k, v in row._mapping.items() if k not in SECRET_COLUMNS}
    if table.name == "case_photos":
        item["url"] = f"/media/{row.key}"
        item["thumb_url"] = f"/media/{row.thumb_key}"
    return item


def export(session: Session, user: User) -> dict:
    """Everything CityLoop holds about ``user``, grouped by what it is."""
    from backend.auth.schemas import MeSchema

    archive: dict = {
        "format": "cityloop-export/1",
        "exported_at": _plain(datetime.now().astimezone()),
        "profile": MeSchema().dump(user) | {"email_verified_at": _plain(user.email_verified_at)},
    }
    archive |= {section: [] for section in SECTION_NAMES}
    archive["other"] = {}
    for table, column in user_columns():
        rows = session.execute(select(table).where(table.c[column] == user.id)).all()
        if table.name in SECTIONS:
            section = archive[SECTIONS[table.name]]
        else:
            section = archive["other"].setdefault(table.name, [])
        section.extend(_row(table, row, column) for row in rows)
    return archive


def end_sessions(session: Session, user: User) -> int:
    """End every bearer token, cookie session and socket of ``user`` (returns how many
    tokens there were)."""
    from backend.auth.service import revoke_all_sessions

    tokens = session.scalars(select(AuthToken.id).where(AuthToken.user_id == user.id)).all()
    revoke_all_sessions(session, user)
    session.flush()
    return len(tokens)


def erase(session: Session, user_id: int) -> None:
    """Anonymise what the city keeps, then delete the account and everything hanging off
    it. Explicit ``UPDATE ... SET NULL`` rather than trusting each database's FK actions."""
    user = session.get(User, user_id)
    if user is None:
        return
    account_erasing.send(session, user_id=user_id)
    for table, column in user_columns(kept=True):
        session.execute(update(table).where(table.c[column] == user_id).values({column: None}))
    session.delete(user)
    session.flush()
