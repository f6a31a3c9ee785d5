"""The moderation queue: what waits for a decision, the newest risk first.

Flagged items (the most reported first, then the most recently flagged) and then recent
content nobody has reviewed yet (from new accounts only, or all of it, or none, as the city
configures: ``MODERATION_REVIEW_NEW``), newest first, come from one UNION ALL over the
moderation rows and every registered model, so the queue pages and sorts in SQL whatever
the mix. An item a moderator cleared ("looks fine": the dismiss action) has a reviewed
moderation row, so it is not new content any more; only a new flag brings it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.config import DEFAULTS
from backend.content import Kind, moderated, moderated_kinds
from backend.db import utcnow
from backend.moderation.models import Flag, FlagStatus, ModerationItem
from backend.moderation.service import require_moderator

TEXTS_SHOWN = 10
# Sort ranks: what was reported comes before what is merely new.
RANK = {"flagged": 0, "new": 1, "hidden": 2}


@dataclass(frozen=True)
class ReviewPolicy:
    """Which unflagged content waits for a moderator: ``new_content`` is "new_accounts"
    (content of the last ``new_within`` by accounts younger than ``account_within``),
    "all" (all of it) or "none" (flagged items only)."""

    new_content: str = DEFAULTS["MODERATION_REVIEW_NEW"]
    new_within: timedelta = timedelta(days=DEFAULTS["MODERATION_NEW_CONTENT_DAYS"])
    account_within: timedelta = timedelta(days=DEFAULTS["MODERATION_NEW_ACCOUNT_DAYS"])

    @classmethod
    def from_config(cls, config: Mapping) -> ReviewPolicy:
        return cls(
            new_content=config["MODERATION_REVIEW_NEW"],
            new_within=timedelta(days=int(config["MODERATION_NEW_CONTENT_DAYS"])),
            account_within=timedelta(days=int(config["MODERATION_NEW_ACCOUNT_DAYS"])),
        )


def _flagged_rows(target_type: str | None):
    stmt = select(
        ModerationItem.target_type.label("target_type"),
        ModerationItem.target_id.label("target_id"),
        ModerationItem.pending_since.label("since"),
        literal("flagged").label("kind"),
        literal(RANK["flagged"]).label("rank"),
        ModerationItem.pending_flags.label("flags"),
    ).where(ModerationItem.pending_flags > 0)
    if target_type:
        stmt = stmt.where(ModerationItem.target_type == target_type)
    return [stmt]


def _new_rows(entry: Kind, policy: ReviewPolicy):
    model = entry.model
    now = utcnow()
    known = (
        select(ModerationItem.id)
        .where(ModerationItem.target_type == entry.name, ModerationItem.target_id == model.id)
        .exists()
    )
    stmt = select(
        literal(entry.name).label("target_type"),
        model.id.label("target_id"),
        model.created_at.label("since"),
        literal("new").label("kind"),
        literal(RANK["new"]).label("rank"),
        literal(0).label("flags"),
    ).where(
        model.created_at >= now - policy.new_within,
        model.hidden.is_(False),
        entry.is_new_content(),
        ~known,
    )
    if policy.new_content == "new_accounts":
        young = select(User.id).where(User.created_at >= now - policy.account_within)
        stmt = stmt.where(entry.author_column().in_(young))
    return stmt


def _reviews_new(entry: Kind, policy: ReviewPolicy) -> bool:
    if entry.is_new_content is None or policy.new_content == "none":
        return False
    return policy.new_content == "all" or entry.author_column is not None


def _hidden_rows(entry: Kind):
    model = entry.model
    return select(
        literal(entry.name).label("target_type"),
        model.id.label("target_id"),
        getattr(model, entry.changed_attr).label("since"),
        literal("hidden").label("kind"),
        literal(RANK["hidden"]).label("rank"),
        literal(0).label("flags"),
    ).where(model.hidden.is_(True))


def _queue_selects(kind: str, target_type: str | None, policy: ReviewPolicy) -> list:
    entries = [e for e in moderated_kinds() if target_type in (None, e.name)]
    selects = []
    if kind in ("all", "flagged"):
        selects += _flagged_rows(target_type)
    if kind in ("all", "new"):
        selects += [_new_rows(e, policy) for e in entries if _reviews_new(e, policy)]
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
    policy: ReviewPolicy | None = None,
) -> dict:
    """Items waiting for a decision, the newest risk first: flagged ones (most reports,
    then most recently flagged), then the recent content ``policy`` puts up for review,
    newest first; or (``kind="hidden"``) what is hidden, most recently changed first."""
    require_moderator(viewer)
    selects = _queue_selects(kind, target_type, policy or ReviewPolicy())
    if not selects:
        return {"items": [], "total": 0, "page": page, "per_page": per_page}
    rows = union_all(*selects).subquery()
    order = (rows.c.rank, rows.c.flags.desc(), rows.c.since.desc())
    stmt = select(rows).order_by(*order, rows.c.target_type, rows.c.target_id.desc())
    total = session.scalar(select(func.count()).select_from(rows)) or 0
    found = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    summaries = _flag_summaries(session, [(r.target_type, r.target_id) for r in found])
    items = [
        _queue_item(session, viewer, r, summaries[(r.target_type, r.target_id)]) for r in found
    ]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def one_item(session: Session, viewer, target_type: str, target_id: int) -> dict:
    """One item as the queue shows it (for a desk that hears of it live): flagged while it
    has pending reports, else hidden or new."""
    require_moderator(viewer)
    entry = moderated(target_type)
    obj = entry.visible(session, target_id, viewer)
    item = session.scalar(
        select(ModerationItem).where(
            ModerationItem.target_type == target_type, ModerationItem.target_id == obj.id
        )
    )
    if item is not None and item.pending_flags > 0:
        kind, since = "flagged", item.pending_since
    elif obj.hidden:
        kind, since = "hidden", getattr(obj, entry.changed_attr)
    else:
        kind, since = "new", getattr(obj, entry.created_attr)
    row = SimpleNamespace(target_type=target_type, target_id=obj.id, kind=kind, since=since)
    summary = _flag_summaries(session, [(target_type, obj.id)])[(target_type, obj.id)]
    return _queue_item(session, viewer, row, summary)
