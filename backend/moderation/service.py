"""Moderation rules: flagging, auto-hiding at the threshold, decisions, the public log.

Functions take a session, plain values and the acting user; they flush but never commit.
Pending flags are counted on the item's row with an atomic increment while that row is
locked, and hiding is a conditional UPDATE (``WHERE hidden = false``), so however many
flags arrive together the item is hidden, logged and its author told exactly once.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.permissions import Permission, is_admin, require
from backend.config import DEFAULTS
from backend.content import Kind, moderated
from backend.db import utcnow
from backend.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from backend.live.publish import publish
from backend.moderation.models import Action, Flag, FlagStatus, LogEntry, ModerationItem
from backend.moderation.schemas import REASON_MAX, TEXT_MAX
from backend.notify.service import notify
from backend.pagination import paginate
from backend.text import clean_text

DEFAULT_THRESHOLD = DEFAULTS["MODERATION_FLAG_THRESHOLD"]
AUTO_HIDE_REASON = "Hidden pending review: reported by {count} people."
DISMISSED_REASON = "Reviewed: the reports were dismissed."


# --- items and visibility ---------------------------------------------------------------


def require_moderator(user):
    """Volunteers and admins; a blocked account moderates no more than it posts."""
    require(user, Permission.MODERATE)
    if user.blocked:
        raise Forbidden("This account is blocked.", code="blocked")
    return user


def _item(session: Session, target_type: str, target_id: int) -> ModerationItem:
    """The item's moderation row, created on first use and locked until commit."""
    stmt = (
        select(ModerationItem)
        .where(ModerationItem.target_type == target_type, ModerationItem.target_id == target_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    item = session.scalar(stmt)
    if item is None:
        try:
            with session.begin_nested():
                item = ModerationItem(target_type=target_type, target_id=target_id)
                session.add(item)
        except IntegrityError:  # created by a concurrent flag: use (and lock) that one
            item = session.scalar(stmt)
    return item


def _set_hidden(session: Session, entry: Kind, obj, hidden: bool, reason: str | None) -> bool:
    """Hide or restore ``obj``; True only if this call changed it."""
    model = entry.model
    values = {"hidden": hidden}
    if hasattr(model, "hidden_reason"):
        values["hidden_reason"] = reason if hidden else None
    result = session.execute(
        update(model)
        .where(model.id == obj.id, model.hidden.is_(not hidden))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(obj)
    if result.rowcount != 1:
        return False
    entry.on_visibility(session, obj, hidden)
    return True


def _log(
    session: Session, entry: Kind, obj, action: Action, reason, *, flags: int, actor=None
) -> LogEntry:
    row = LogEntry(
        target_type=entry.name,
        target_id=obj.id,
        action=action.value,
        reason=reason,
        flags=flags,
        moderator_id=actor.id if actor is not None else None,
    )
    session.add(row)
    session.flush()
    return row


def _tell_author(session: Session, entry: Kind, obj, reason: str, actor=None) -> bool:
    """Notify the author that their content was hidden, and why (pointing at where it was:
    a comment's case or proposal)."""
    author_id = entry.author_id(obj)
    if author_id is None:
        return False
    where = entry.describe(obj, None).get("on") or {"target_type": entry.name, "target_id": obj.id}
    text = f"Moderators hid your {entry.name}. Reason: {reason}"
    sent = notify(
        session,
        [author_id],
        kind="content_hidden",
        target_type=where["target_type"],
        target_id=where["target_id"],
        text=text,
        actor_id=actor.id if actor is not None else None,
    )
    return bool(sent)


def state_of(item: ModerationItem | None, entry: Kind, obj) -> dict:
    return {
        "target_type": entry.name,
        "target_id": obj.id,
        "hidden": obj.hidden,
        "hidden_reason": getattr(obj, "hidden_reason", None),
        "pending_flags": item.pending_flags if item is not None else 0,
        "reviewed": item is not None and item.reviewed_at is not None,
    }


def _announce(session: Session, state: dict) -> None:
    publish(session, "moderation", "moderation.item", {"item": state})


# --- flagging ---------------------------------------------------------------------------


def _pending_count_after_one_more(session: Session, item: ModerationItem) -> int:
    count = session.execute(
        update(ModerationItem)
        .where(ModerationItem.id == item.id)
        .values(
            pending_flags=ModerationItem.pending_flags + 1,
            pending_since=func.coalesce(ModerationItem.pending_since, utcnow()),
        )
        .returning(ModerationItem.pending_flags)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.refresh(item)
    return count


def _auto_hide(session: Session, entry: Kind, obj, item: ModerationItem, count: int) -> None:
    reason = AUTO_HIDE_REASON.format(count=count)
    if _set_hidden(session, entry, obj, True, reason):
        item.auto_hidden = True
        entry_row = _log(session, entry, obj, Action.AUTO_HIDE, reason, flags=count)
        entry_row.author_told = _tell_author(session, entry, obj, reason)


def flag(
    session: Session,
    actor,
    *,
    target_type: str,
    target_id: int,
    reason: str,
    text: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Flag:
    """Report an item once; at ``threshold`` distinct pending reports it is hidden pending
    review."""
    require(actor, Permission.REPORT)
    entry = moderated(target_type)
    obj = entry.get(session, target_id)
    if not entry.can_view(actor, obj):
        raise NotFound(f"No {target_type} {target_id}.")
    text = clean_text(text, "text", max_length=TEXT_MAX, multiline=True, required=False)
    row = Flag(target_type=target_type, target_id=obj.id, user_id=actor.id, reason=reason)
    row.text = text
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("You have already reported this.", code="already_flagged") from None
    item = _item(session, target_type, obj.id)
    count = _pending_count_after_one_more(session, item)
    if count >= threshold and not entry.official:
        _auto_hide(session, entry, obj, item, count)
    _announce(session, state_of(item, entry, obj))
    return row


# --- decisions --------------------------------------------------------------------------


def _resolve_flags(session: Session, item: ModerationItem, status: FlagStatus) -> int:
    """Close the item's pending flags; return how many there were."""
    pending = item.pending_flags
    session.execute(
        update(Flag)
        .where(
            Flag.target_type == item.target_type,
            Flag.target_id == item.target_id,
            Flag.status == FlagStatus.PENDING.value,
        )
        .values(status=status.value, resolved_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    item.pending_flags, item.pending_since, item.reviewed_at = 0, None, utcnow()
    item.auto_hidden = False
    return pending


def _hide(session, actor, entry, obj, item, reason: str) -> None:
    if not _set_hidden(session, entry, obj, True, reason) and hasattr(obj, "hidden_reason"):
        obj.hidden_reason = reason  # confirming an automatic hide: the moderator's words
    flags = _resolve_flags(session, item, FlagStatus.UPHELD)
    row = _log(session, entry, obj, Action.HIDE, reason, flags=flags, actor=actor)
    row.author_told = _tell_author(session, entry, obj, reason, actor)


def _restore(session, actor, entry, obj, item, reason: str | None) -> None:
    flags = _resolve_flags(session, item, FlagStatus.DISMISSED)
    if _set_hidden(session, entry, obj, False, None):
        _log(session, entry, obj, Action.RESTORE, reason, flags=flags, actor=actor)
    elif flags:
        _log(session, entry, obj, Action.DISMISS, reason, flags=flags, actor=actor)


def _dismiss(session, actor, entry, obj, item, reason: str | None) -> None:
    """The reports were unfounded: an automatic hide is undone; a moderator's hide stays."""
    was_auto = bool(item.auto_hidden)
    if was_auto and obj.hidden:
        _restore(session, actor, entry, obj, item, reason or DISMISSED_REASON)
        return
    flags = _resolve_flags(session, item, FlagStatus.DISMISSED)
    if flags:
        _log(session, entry, obj, Action.DISMISS, reason, flags=flags, actor=actor)


DECISIONS = {Action.HIDE: _hide, Action.RESTORE: _restore, Action.DISMISS: _dismiss}


def _seen_by(session: Session, actor, entry: Kind, target_id: int):
    obj = entry.get(session, target_id)
    if not entry.can_view(actor, obj):  # e.g. an internal note, for a volunteer
        raise NotFound(f"No {entry.name} {target_id}.")
    return obj


def _load_all(session: Session, actor, items: list[dict]) -> list[tuple[Kind, object]]:
    """Every item, or a 422 naming those that do not exist (nothing is changed then)."""
    loaded, problems = [], {}
    seen = set()
    for index, ref in enumerate(items):
        key = (ref["target_type"], ref["target_id"])
        if key in seen:
            continue
        seen.add(key)
        try:
            entry = moderated(ref["target_type"])
            loaded.append((entry, _seen_by(session, actor, entry, ref["target_id"])))
        except DomainError as exc:
            problems[str(index)] = [exc.message]
    if problems:
        raise ValidationFailed("Some items do not exist.", fields={"items": problems})
    return loaded


def act(
    session: Session, actor, *, action: str, items: list[dict], reason: str | None = None
) -> list[dict]:
    """Hide (reason required), restore or dismiss the flags of several items at once."""
    require_moderator(actor)
    action = Action(action)
    if reason is not None and reason.strip():
        reason = clean_text(reason, "reason", max_length=REASON_MAX)
    else:
        reason = None
    if action == Action.HIDE and reason is None:
        raise ValidationFailed("Say why it is hidden.", fields={"reason": ["Required to hide."]})
    states = []
    loaded = _load_all(session, actor, items)
    if any(entry.official for entry, _ in loaded) and not is_admin(actor):
        raise Forbidden("Only admins decide on official content (incidents, alerts).",
                        code="official_content")  # fmt: skip
    for entry, obj in loaded:
        item = _item(session, entry.name, obj.id)
        DECISIONS[action](session, actor, entry, obj, item, reason)
        session.flush()
        state = state_of(item, entry, obj)
        _announce(session, state)
        states.append(state)
    return states


# --- the public log ---------------------------------------------------------------------


def public_log(
    session: Session,
    *,
    page: int = 1,
    per_page: int = 20,
    target_type: str | None = None,
    target_id: int | None = None,
) -> dict:
    """Moderation decisions, newest first: what, when and why (the schema leaves out who)."""
    stmt = select(LogEntry).order_by(LogEntry.id.desc())
    if target_type:
        stmt = stmt.where(LogEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(LogEntry.target_id == target_id)
    return paginate(session, stmt, page, per_page)
