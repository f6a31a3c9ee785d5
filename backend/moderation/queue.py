"""The moderation queue: what waits for a moderator, oldest first.

Flagged items (since their first pending flag) and recent content that nobody has reviewed
yet come from one UNION ALL over the moderation rows and every registered model, so the
queue pages and sorts in SQL whatever the mix.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from backend.content import Kind, moderated, moderated_kinds
from backend.db import utcnow
from backend.moderation.models import Flag, FlagStatus, ModerationItem
from backend.moderation.service import require_moderator

DEFAULT_NEW_CONTENT = timedelta(days=7)
TEXTS_SHOWN = 10


def _flagged_rows(target_type: str | None):
    stmt = select(
        ModerationItem.target_type.label("target_type"),
        ModerationItem.target_id.label("target_id"),
        ModerationItem.pending_since.label("since"),
        literal("flagged").label("kind"),
    ).where(ModerationItem.pending_flags > 0)
    if target_type:
        stmt = stmt.where(ModerationItem.target_type == target_type)
    return [stmt]


def _new_rows(entry: Kind, cutoff):
    model = entry.model
    known = (
        select(ModerationItem.id)
        .where(ModerationItem.target_type == entry.name, ModerationItem.target_id == model.id)
        .exists()
    )
    return select(
        literal(entry.name).label("target_type"),
        model.id.label("target_id"),
        model.created_at.label("since"),
        literal("new").label("kind"),
    ).where(model.created_at >= cutoff, model.hidden.is_(False), entry.is_new_content(), ~known)


def _hidden_rows(entry: Kind):
    model = entry.model
    return select(
        literal(entry.name).label("target_type"),
        model.id.label("target_id"),
        model.updated_at.label("since"),
        literal("hidden").label("kind"),
    ).where(model.hidden.is_(True))


def _queue_selects(kind: str, target_type: str | None, new_within: timedelta) -> list:
    entries = [e for e in moderated_kinds() if target_type in (None, e.name)]
    selects = []
    if kind in ("all", "flagged"):
        selects += _flagged_rows(target_type)
    if kind in ("all", "new"):
        cutoff = utcnow() - new_within
        selects += [_new_rows(e, cutoff) for e in entries if e.is_new_content is not None]
    if kind == "hidden":
        selects += [_hidden_rows(e) for e in entries]
    return selects


def _flag_summaries(session: Session, keys: list[tuple[str, int]]) -> dict:
    summaries = {key: {"count": 0, "reasons": {}, "texts": []} for key in keys}
    if not keys:
        return summaries
    pairs = or_(*(and_(Flag.target_type == t, Flag.target_id == i) for t, i in keys))
    rows = session.scalars(
        select(Flag).where(pairs, Flag.status == FlagStatus.PENDING.value).order_by(Flag.id)
    )
    for row in rows:
        summary = summaries[(row.target_type, row.target_id)]
        summary["count"] += 1
        summary["reasons"][row.reason] = summary["reasons"].get(row.reason, 0) + 1
        if row.text and len(summary["texts"]) < TEXTS_SHOWN:
            summary["texts"].append(row.text)
    return summaries


WITHHELD = {"title": None, "text": None, "author": None, "created_at": None, "on": None}


def _queue_item(session: Session, viewer, row, summary: dict) -> dict:
    """One queue row with its context; what the viewer may not see (an internal note, for a
    volunteer) keeps its place but shows nothing."""
    entry = moderated(row.target_type)
    obj = session.get(entry.model, row.target_id)
    visible = obj is not None and entry.can_view(viewer, obj)
    return {
        "target_type": row.target_type,
        "target_id": row.target_id,
        "kind": row.kind,
        "since": row.since,
        "hidden": bool(obj is not None and obj.hidden),
        "hidden_reason": getattr(obj, "hidden_reason", None),
        "flags": summary if visible else {"count": summary["count"], "reasons": {}, "texts": []},
        "context": entry.describe(obj, viewer) if visible else WITHHELD,
    }


def list_queue(
    session: Session,
    viewer,
    *,
    kind: str = "all",
    target_type: str | None = None,
    page: int = 1,
    per_page: int = 20,
    new_within: timedelta = DEFAULT_NEW_CONTENT,
) -> dict:
    """Items waiting for a moderator, oldest first: flagged ones (since their first pending
    flag) and recent content nobody has reviewed yet; or (``kind="hidden"``) what is hidden."""
    require_moderator(viewer)
    selects = _queue_selects(kind, target_type, new_within)
    if not selects:
        return {"items": [], "total": 0, "page": page, "per_page": per_page}
    rows = union_all(*selects).subquery()
    stmt = select(rows).order_by(rows.c.since, rows.c.target_type, rows.c.target_id)
    total = session.scalar(select(func.count()).select_from(rows)) or 0
    found = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    summaries = _flag_summaries(session, [(r.target_type, r.target_id) for r in found])
    items = [
        _queue_item(session, viewer, r, summaries[(r.target_type, r.target_id)]) for r in found
    ]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
